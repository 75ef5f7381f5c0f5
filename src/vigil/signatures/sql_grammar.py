"""The grammar the SQL injection rules rely on: operands, conditions and statements.

:mod:`vigil.signatures.sqli` asks structural questions of a token stream ("is this a
condition?", "does this verb start a statement?"); the answers live here, over the tokens of
:mod:`vigil.signatures.sql_lexer`, so each rule reads as one sentence. Every function looks
ahead a bounded number of tokens or walks a parenthesised group once: linear in the tokens.
"""

from __future__ import annotations

from vigil.signatures.sql_lexer import Kind, Token

COMPARISONS = frozenset({
    "=", "==", "<", ">", "<>", "!=", "<=", ">=", "<=>", "like", "rlike", "regexp", "is", "sounds",
    "glob",
})  # fmt: skip
EQUALITIES = frozenset({"=", "==", "<=>", "like", "is", "glob", "sounds", "regexp", "rlike"})
INEQUALITIES = frozenset({"!=", "<>"})
DANGEROUS_FUNCTIONS = frozenset({
    "sleep", "pg_sleep", "benchmark", "extractvalue", "updatexml", "load_file", "sys_eval",
    "sys_exec", "randomblob", "receive_message", "get_host_address", "xp_cmdshell",
    "sp_executesql", "name_const", "make_set", "version", "database", "user", "current_user",
    "system_user", "session_user", "schema", "db_name", "host_name", "suser_name",
    "is_srvrolemember",
})  # fmt: skip
"""Functions used to wait, raise errors, read files or learn about the server."""
EXTRACTION = DANGEROUS_FUNCTIONS | {"ascii", "substring", "substr", "mid", "ord", "length"}
"""Functions of blind extraction (``ascii(substring(...))>64``)."""
OBJECTS = frozenset(
    {"table", "database", "procedure", "view", "index", "function", "schema", "user", "login"}
)
_OPERANDS = frozenset({Kind.NUMBER, Kind.STRING, Kind.WORD, Kind.VARIABLE})
_LITERALS = frozenset({Kind.NUMBER, Kind.STRING})


def skip_group(tokens: list[Token], i: int) -> int:
    """Index after the parenthesised group starting at ``tokens[i]`` (an opening parenthesis)."""
    depth = 0
    for j in range(i, len(tokens)):
        kind = tokens[j].kind
        if kind is Kind.LPAREN:
            depth += 1
        elif kind is Kind.RPAREN:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


def operand(tokens: list[Token], i: int) -> int:
    """Index after one operand starting at ``i`` (-1 when there is none)."""
    n = len(tokens)
    if i < n and tokens[i].kind is Kind.OPERATOR and tokens[i].text in {"-", "+", "~", "!"}:
        i += 1
    if i >= n:
        return -1
    kind = tokens[i].kind
    if kind is Kind.FUNCTION:
        if i + 1 < n and tokens[i + 1].kind is Kind.LPAREN:
            return skip_group(tokens, i + 1)
        return i + 1
    if kind is Kind.LPAREN:
        return skip_group(tokens, i)
    if kind in _OPERANDS:
        i += 1
        while i + 1 < n and tokens[i].kind is Kind.DOT and tokens[i + 1].kind is Kind.WORD:
            i += 2
        return i
    return -1


def is_literal(tokens: list[Token], start: int, end: int) -> bool:
    kinds = {t.kind for t in tokens[start:end]}
    return bool(kinds) and kinds <= {Kind.NUMBER, Kind.STRING, Kind.OPERATOR}


def unquoted(token: Token) -> str:
    return token.text.strip("'\"").lower()


def calls(tokens: list[Token], start: int, end: int, names: frozenset[str]) -> bool:
    return any(t.kind is Kind.FUNCTION and t.text in names for t in tokens[start:end])


def ends(tokens: list[Token], i: int) -> bool:
    """True when nothing, a comment, ``;`` or ``)`` follows position ``i``."""
    return i >= len(tokens) or tokens[i].kind in {Kind.COMMENT, Kind.SEMICOLON, Kind.RPAREN}


def condition(tokens: list[Token], i: int, loose: bool) -> bool:
    """Whether the tokens from ``i`` (after AND/OR) read as an injected condition.

    ``loose`` applies after a broken-out string, where any comparison or literal is SQL; bare
    values need a tautology, a subselect or an extraction function, so prose and code snippets
    (``a == 1 or b == 2``) pass.
    """
    n = len(tokens)
    while i < n and (
        tokens[i].kind is Kind.LPAREN
        or (tokens[i].kind is Kind.OPERATOR and tokens[i].text in {"not", "!"})
    ):
        i += 1
    if i >= n:
        return False
    token = tokens[i]
    if token.kind is Kind.STATEMENT and token.text == "select":
        return True
    if token.kind is Kind.KEYWORD and token.text == "exists":
        return True
    if token.kind is Kind.FUNCTION and (loose or token.text in DANGEROUS_FUNCTIONS):
        return True
    left_end = operand(tokens, i)
    if left_end < 0:
        return False
    if (
        left_end < n
        and tokens[left_end].kind is Kind.OPERATOR
        and tokens[left_end].text in COMPARISONS
    ):
        right = left_end + 1
        if right < n and tokens[right].kind is Kind.OPERATOR and tokens[right].text == "not":
            right += 1
        right_end = operand(tokens, right)
        if right_end < 0:
            return loose and right >= n
        if loose:
            return True
        if calls(tokens, i, right_end, EXTRACTION):
            return True
        left, right_tokens = tokens[i:left_end], tokens[right:right_end]
        if is_literal(tokens, i, left_end) and is_literal(tokens, right, right_end):
            return True
        return [unquoted(t) for t in left] == [unquoted(t) for t in right_tokens]
    if loose:
        literal = tokens[i].kind in {Kind.NUMBER, Kind.STRING}
        return ends(tokens, left_end) and (literal or left_end < n)
    return tokens[i].kind is Kind.NUMBER and left_end < n and tokens[left_end].kind is Kind.COMMENT


def statement(tokens: list[Token], i: int) -> bool:
    """Whether the statement verb at ``i`` is followed by what that statement needs."""
    n = len(tokens)
    verb = tokens[i].text

    def at(j: int) -> Token | None:
        return tokens[j] if j < n else None

    nxt = at(i + 1)
    if nxt is None:
        return False
    if verb == "select":
        j = i + 1
        while (
            j < n
            and tokens[j].kind is Kind.KEYWORD
            and tokens[j].text in {"distinct", "all", "top"}
        ):
            j += 1
        first = at(j)
        if first is None:
            return False
        if first.kind in {Kind.VARIABLE, Kind.FUNCTION}:
            return True
        if first.kind is Kind.OPERATOR and first.text == "*":
            return True
        if first.kind is Kind.LPAREN:
            inner = at(j + 1)
            return inner is not None and inner.kind in {Kind.STATEMENT, Kind.NUMBER, Kind.FUNCTION}
        end = operand(tokens, j)
        if end < 0:
            return False
        follow = at(end)
        if follow is None or follow.kind in {Kind.COMMA, Kind.COMMENT, Kind.SEMICOLON, Kind.UNION}:
            return first.kind is not Kind.WORD or (follow is not None and follow.kind is Kind.COMMA)
        if follow.kind is Kind.RPAREN:
            return first.kind is not Kind.WORD
        return follow.kind is Kind.KEYWORD and follow.text == "from"
    if verb == "insert":
        return (
            nxt.text == "into"
            and at(i + 2) is not None
            and at(i + 3) is not None
            and (
                tokens[i + 3].kind is Kind.LPAREN
                or tokens[i + 3].text in {"values", "select", "set"}
            )
        )
    if verb == "update":
        keyword, column = at(i + 2), at(i + 3)
        return (
            nxt.kind is Kind.WORD
            and keyword is not None
            and keyword.text == "set"
            and column is not None
            and column.kind is Kind.WORD
        )
    if verb == "delete":
        follow = at(i + 3)
        return (
            nxt.text == "from"
            and follow is not None
            and (follow.kind in {Kind.SEMICOLON, Kind.COMMENT} or follow.text == "where")
        )
    if verb in {"drop", "create", "alter", "truncate"}:
        return nxt.text in OBJECTS and at(i + 2) is not None
    if verb in {"exec", "execute"}:
        return nxt.kind in {Kind.LPAREN, Kind.VARIABLE, Kind.FUNCTION} or nxt.text.startswith(
            ("xp_", "sp_", "master", "dbo")
        )
    if verb == "declare":
        return nxt.kind is Kind.VARIABLE
    if verb == "waitfor":
        return nxt.text in {"delay", "time"}
    if verb == "shutdown":
        return ends(tokens, i + 1)
    return False


def literal_tautology(tokens: list[Token], start: int) -> bool:
    """Whether the tokens from ``start`` are exactly an always-true comparison of two literals:
    ``1=1``, ``'a'='a'``, ``42 like 42``, ``11!=1``, ``1 is not 2``."""
    n = len(tokens)
    if n - start not in {3, 4} or tokens[start].kind not in _LITERALS:
        return False
    operator = tokens[start + 1]
    if operator.kind is not Kind.OPERATOR:
        return False
    right = start + 2
    negated = n - start == 4
    if negated and tokens[right].text != "not":
        return False
    if negated:
        right += 1
    if tokens[right].kind not in _LITERALS:
        return False
    same = unquoted(tokens[start]) == unquoted(tokens[right])
    if operator.text in EQUALITIES:
        return same != negated
    if operator.text in INEQUALITIES and not negated:
        return not same
    return False
