"""The grammar the SQL injection rules rely on: operands and conditions.

:mod:`vigil.signatures.sqli` asks structural questions of a token stream ("is this a
condition?", "is this an always-true comparison?"); the answers live here (whole statements in
:mod:`vigil.signatures.sql_statements`), over the tokens of
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
    "is_srvrolemember", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "lo_import",
    "lo_export", "lo_get", "dblink", "dblink_exec", "openrowset", "opendatasource", "xp_dirtree",
    "xp_fileexist", "xp_regread", "sp_oacreate", "current_database", "sqlite_version",
    "sqlite_compileoption_get", "sqlite_compileoption_used",
})  # fmt: skip
"""Functions used to wait, raise errors, read files or learn about the server."""
FILE_FUNCTIONS = frozenset({
    "load_file", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "lo_import", "lo_export",
    "openrowset", "opendatasource", "xp_dirtree", "xp_fileexist", "dblink", "dblink_exec",
})  # fmt: skip
"""Functions that read files or reach other servers: a string argument is their usual one."""
EXTRACTION = DANGEROUS_FUNCTIONS | {"ascii", "substring", "substr", "mid", "ord", "length"}
"""Functions of blind extraction (``ascii(substring(...))>64``)."""
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
