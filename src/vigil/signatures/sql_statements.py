"""Statements inside a value: the part of the SQL grammar that recognises whole statements.

:mod:`vigil.signatures.sqli` asks whether a statement verb is followed by what that statement
needs (``select * from``, ``drop table x``), whether ``;`` stacks a second statement (``SET @x =``,
``REPLACE INTO``, ``PREPARE s FROM`` too), where the ``SELECT`` of a ``UNION`` is, whether a value
cuts the rest of the query off, and whether ``::`` casts a query's text into an error (PostgreSQL's
error-based extraction). Each answer looks ahead a bounded number of tokens or skips one
parenthesised group: linear in the tokens.
"""

from __future__ import annotations

from vigil.signatures.sql_grammar import ends, operand, skip_group
from vigil.signatures.sql_lexer import Kind, Token

OBJECTS = frozenset(
    {"table", "database", "procedure", "view", "index", "function", "schema", "user", "login"}
)
CAST_TYPES = frozenset({
    "int", "int2", "int4", "int8", "integer", "bigint", "smallint", "numeric", "decimal", "real",
    "float", "float4", "float8", "double", "text", "varchar", "char", "json", "jsonb", "xml",
    "bytea", "regclass", "oid", "bool", "boolean", "inet", "uuid",
})  # fmt: skip
"""Types of PostgreSQL's ``::`` cast, by which a query's text is forced into an error message."""


def _case_when(tokens: list[Token], i: int) -> bool:
    return (
        i + 1 < len(tokens)
        and tokens[i].kind is Kind.KEYWORD
        and tokens[i].text == "case"
        and tokens[i + 1].text == "when"
    )


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
        if _case_when(tokens, j):
            return True
        if first.kind is Kind.LPAREN:
            inner = at(j + 1)
            return (
                inner is not None and inner.kind in {Kind.STATEMENT, Kind.NUMBER, Kind.FUNCTION}
            ) or _case_when(tokens, j + 1)
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
        if nxt.text == "immediate":
            argument = at(i + 2)
            return argument is not None and argument.kind in {Kind.STRING, Kind.VARIABLE}
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


def select_after(tokens: list[Token], j: int) -> int:
    """Index of the ``SELECT`` that follows ``UNION`` at ``j`` (after ALL, DISTINCT, comments and
    parentheses), or -1."""
    n = len(tokens)
    while j < n and (
        tokens[j].kind in {Kind.LPAREN, Kind.COMMENT}
        or (tokens[j].kind is Kind.KEYWORD and tokens[j].text in {"all", "distinct"})
    ):
        j += 1
    if j < n and tokens[j].kind is Kind.STATEMENT and tokens[j].text == "select":
        return j
    return -1


def truncated(tokens: list[Token], j: int) -> bool:
    """True when the tokens from ``j`` end the query early: a trailing comment, or ``;`` with
    nothing after it but a comment or the start of a string (the application's closing quote)."""
    n = len(tokens)
    if j >= n:
        return False
    last = tokens[-1]
    if last.kind is Kind.COMMENT and n - 1 > j:
        return " " not in last.text.lstrip("-#/* ").rstrip("*/ ")
    for k in range(j, n):
        if tokens[k].kind is Kind.SEMICOLON:
            rest = tokens[k + 1 :]
            return k > j and (
                not rest
                or (
                    len(rest) == 1
                    and rest[0].kind in {Kind.COMMENT, Kind.STRING}
                    and not (rest[0].kind is Kind.STRING and rest[0].closed)
                )
            )
    return False


def stacked(tokens: list[Token], i: int) -> str:
    """The statement stacked after the ``;`` at ``i`` ("" when none): a statement verb with what
    it needs, ``SET @x =``, ``REPLACE INTO``, ``PREPARE x FROM``."""
    n = len(tokens)
    if i + 1 >= n:
        return ""
    verb = tokens[i + 1]
    if verb.kind is Kind.STATEMENT:
        return verb.text if statement(tokens, i + 1) else ""
    if i + 3 >= n:
        return ""
    second, third = tokens[i + 2], tokens[i + 3]
    if verb.text == "set" and second.kind is Kind.VARIABLE and third.text in {"=", ":="}:
        return "set"
    if verb.text == "prepare" and second.kind is Kind.WORD and third.text == "from":
        return "prepare"
    if verb.text == "replace":
        if second.text == "into":
            return "replace"
        if second.kind in {Kind.WORD, Kind.FUNCTION} and third.kind is Kind.LPAREN:
            after = skip_group(tokens, i + 3)
            if after < n and tokens[after].text in {"values", "select"}:
                return "replace"
    return ""


def is_cast(tokens: list[Token], i: int, start: int) -> bool:
    """True when the ``::`` at ``i`` casts a call, a string or a leading name to a type: the
    error-based extraction of PostgreSQL (``(select password)::int``)."""
    if i + 1 >= len(tokens) or i == start:
        return False
    target, left = tokens[i + 1], tokens[i - 1]
    if target.kind is not Kind.WORD or target.text not in CAST_TYPES:
        return False
    return left.kind in {Kind.RPAREN, Kind.STRING} or (
        left.kind is Kind.WORD
        and (i - 1 == start or (tokens[i - 2].kind is Kind.OPERATOR and tokens[i - 2].text != "::"))
    )
