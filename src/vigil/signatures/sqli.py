"""SQL injection: does this value change the structure of a query it is pasted into?

A value reaches a query in one of three places: bare (a number or column position), inside a
single-quoted string, or inside a double-quoted one. The detector reads the value in each of
these contexts with :mod:`vigil.signatures.sql_lexer` (for a quoted context, as if the opening
quote came before it) and asks structural questions of the token stream, not of keywords:

* a string context is broken out of (the value closes the quote) and what follows is SQL: a
  comment, a stacked statement, ``OR``/``AND`` with a condition, a comparison, ``UNION``,
  ``ORDER BY``, ``INTO OUTFILE``..., or an operator word whose expression a comment or ``;``
  cuts off from the rest of the query (``z'or email notnull--``);
* ``UNION [ALL] SELECT`` with a select list, a stacked statement after ``;``, a statement that
  reads like one (``select * from``, ``drop table x``, ``exec xp_cmdshell``);
* ``OR``/``AND`` followed by a tautology (``1=1``, ``'a'='a'``, ``x=x``) or a function call
  used for blind or error-based extraction (``sleep(5)``, ``ascii(substring(...))``);
* system variables (``@@version``), catalog tables (``information_schema.``), file and
  server functions (``pg_read_file('...')``), PostgreSQL casts that force a query's text into an
  error (``(select password)::int``), and ``1--``-style truncation of a numeric context.

Each reading is made twice when it can differ: with inline ``/**/`` comments read as the spaces
they stand for (``SELECT/**/a/**/FROM/**/t``), and, when the value holds a backslash, with strings
lexed as standard SQL, PostgreSQL, MSSQL, Oracle and SQLite lex them, where ``\\'`` closes the
string (MySQL reads it as an escaped quote).

Words joined by hyphens after a quote, to the end of the value (``rock'-n-roll``,
``L'-Île-Perrot``), are hyphenation, not arithmetic: the value leaves the quote the application
adds after it unbalanced, so it cannot complete a query (``'-1-'``, ``'-sleep(5)-'``,
``'-a-b--`` and ``'-a-b or 1=1`` still count).

So ``O'Brien``, ``rock'n'roll``, ``select the one you like`` and ``a == 1 or b == 2`` stay
clean, while ``' or 'a'='a``, ``1 or 1=1`` and ``1 union select null,version()`` do not.
"""

from __future__ import annotations

import re

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.sql_grammar import (
    DANGEROUS_FUNCTIONS,
    FILE_FUNCTIONS,
    condition,
    ends,
    literal_tautology,
    operand,
)
from vigil.signatures.sql_lexer import Kind, Token, tokenize
from vigil.signatures.sql_statements import (
    CAST_TYPES,
    is_cast,
    select_after,
    stacked,
    statement,
    truncated,
)

MAX_SCAN = 16384
"""Characters of a value that are read as SQL (from the start)."""


SYSTEM_VARIABLES = frozenset({
    "version", "datadir", "basedir", "hostname", "servername", "tmpdir", "version_compile_os",
    "global", "session", "spid", "language", "identity",
})  # fmt: skip
CATALOGS = frozenset({
    "information_schema", "sysobjects", "syscolumns", "sysdatabases", "pg_catalog", "pg_shadow",
    "sqlite_master", "all_tables", "all_users", "dba_users", "user_tables", "msysobjects",
    "msysaccessobjects", "pg_user", "pg_roles", "pg_database", "pg_tables", "pg_namespace",
    "sqlite_schema", "sqlite_temp_master", "all_tab_columns", "user_tab_columns", "dba_tables",
    "sysusers", "syslogins", "sysprocesses", "v$version",
})  # fmt: skip
"""Catalog tables and schemas that only an attacker mapping the database names."""
PROCEDURES = frozenset({
    "xp_cmdshell", "xp_regread", "xp_regwrite", "xp_dirtree", "xp_fileexist", "xp_subdirs",
    "xp_servicecontrol", "xp_availablemedia", "xp_terminate_process", "xp_loginconfig",
    "xp_enumgroups", "xp_makecab", "xp_ntsec_enumdomains", "sp_oacreate", "sp_oamethod",
    "sp_makewebtask", "sp_addextendedproc", "sp_addsrvrolemember", "sp_password",
})  # fmt: skip
"""MSSQL's extended and system procedures that run commands, read the registry or files."""
_BREAK_KEYWORDS = frozenset({"order", "group", "having", "into", "limit", "procedure", "where"})
ROUTE = (
    r"['\"`]|--|/\*|@@|&&|\|\||\bxp_\w|\bsp_(?:oa|make|add|password)|\bmysql\."
    r"|;\s*(?:set|replace|prepare)\b|::\s*(?:" + "|".join(sorted(CAST_TYPES)) + r")\b"
    r"|\b(?:union|select|insert|update|delete|drop|exec|execute|declare|waitfor|shutdown|into|having"
    r"|procedure|create|alter|truncate)\b|\b(?:order|group)\s+by\b"
    r"|\b(?:" + "|".join(re.escape(name) for name in sorted(CATALOGS)) + r")\b"
    r"|\b(?:" + "|".join(sorted(DANGEROUS_FUNCTIONS)) + r")\s*\("
    r"|\b(?:and|or|xor)\b[^\n]*(?:[=<>(]|\b(?:like|rlike|regexp|is|glob|sounds|between|in|not)\b)"
    r"|[=<>(][^\n]*\b(?:and|or|xor)\b"
    r"|\A[^\n]{0,24}(?:[=<>]|\b(?:like|rlike|regexp|is|glob|sounds)\b)[^\n]{0,24}\z"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches; values that do
not are not tokenised (:mod:`vigil.signatures.scan` routes on it)."""
_BEFORE_UNION = frozenset({Kind.NUMBER, Kind.RPAREN, Kind.STRING, Kind.COMMENT})
_CALL_ARGUMENTS = frozenset(
    {Kind.RPAREN, Kind.NUMBER, Kind.LPAREN, Kind.STATEMENT, Kind.FUNCTION, Kind.VARIABLE}
)


def _hyphenated(tokens: list[Token], j: int) -> bool:
    """True when ``tokens[j:]`` are ``-word-word...`` to the end, with no space in between."""
    rest = tokens[j:]
    if len(rest) < 2 or len(rest) % 2:
        return False
    for index, token in enumerate(rest):
        if index % 2 == 0 and (token.kind is not Kind.OPERATOR or token.text != "-"):
            return False
        if index % 2 == 1 and token.kind is not Kind.WORD:
            return False
        if index and token.start != rest[index - 1].start + len(rest[index - 1].text):
            return False
    return True


def _after_break(tokens: list[Token]) -> tuple[str, int] | None:
    """Rules for what follows a broken-out string (``tokens[0]`` is the closed string)."""
    n = len(tokens)
    j = 1
    while j < n and tokens[j].kind is Kind.RPAREN:
        j += 1
    if j >= n:
        return None
    token = tokens[j]
    kind = token.kind
    if kind is Kind.COMMENT:
        return "string break then comment", j
    if kind is Kind.SEMICOLON:
        if j + 1 >= n or tokens[j + 1].kind is Kind.COMMENT:
            return "string break then end of statement", j
        if tokens[j + 1].kind is Kind.STATEMENT and statement(tokens, j + 1):
            return f"string break then stacked {tokens[j + 1].text}", j
        return None
    if kind is Kind.LOGIC and condition(tokens, j + 1, loose=True):
        return f"string break then {token.text.upper()} condition", j
    if kind is Kind.OPERATOR and token.text not in {"not", "!", "~"}:
        if j == 1 and _hyphenated(tokens, j):
            return None
        end = operand(tokens, j + 1)
        wordy = token.text.isalpha() and tokens[j + 1 if j + 1 < n else j].kind is Kind.WORD
        if (
            end > 0
            and not wordy
            and (
                end >= n
                or tokens[end].kind in {Kind.LOGIC, Kind.COMMENT, Kind.OPERATOR, Kind.SEMICOLON}
                or (tokens[end - 1].kind is Kind.STRING and not tokens[end - 1].closed)
            )
        ):
            return f"string break then {token.text!r} expression", j
    if kind is Kind.KEYWORD and token.text in _BREAK_KEYWORDS and j + 1 < n:
        return f"string break then {token.text.upper()}", j
    if kind is Kind.STATEMENT and statement(tokens, j):
        return f"string break then {token.text} statement", j
    if kind is Kind.UNION and select_after(tokens, j + 1) > 0:
        return "string break then UNION SELECT", j
    if (kind is Kind.LOGIC or (kind is Kind.OPERATOR and token.text.isalpha())) and truncated(
        tokens, j + 1
    ):
        return f"string break then {token.text.upper()} and the query cut off", j
    return None


def _general(tokens: list[Token], start: int, bare: bool) -> tuple[str, int] | None:
    """Rules that hold wherever they appear in the token stream."""
    n = len(tokens)
    for i in range(start, n):
        token = tokens[i]
        kind = token.kind
        if kind is Kind.UNION:
            j = i + 1
            while j < n and (
                tokens[j].kind in {Kind.LPAREN, Kind.COMMENT}
                or (tokens[j].kind is Kind.KEYWORD and tokens[j].text in {"all", "distinct"})
            ):
                j += 1
            if (
                j < n
                and tokens[j].kind is Kind.STATEMENT
                and tokens[j].text == "select"
                and statement(tokens, j)
            ):
                return "union select", i
            after = i > start and tokens[i - 1].kind in _BEFORE_UNION
            if after and 0 < select_after(tokens, i + 1) < n - 1:
                return "union select", i
        elif kind is Kind.SEMICOLON:
            verb = stacked(tokens, i)
            if verb:
                return f"stacked {verb} statement", i
        elif kind is Kind.STATEMENT:
            first = i == start or tokens[i - 1].kind in {Kind.LPAREN, Kind.SEMICOLON, Kind.COMMENT}
            if first and statement(tokens, i):
                return f"{token.text} statement", i
            if (
                token.text == "waitfor"
                and statement(tokens, i)
                and i + 2 < n
                and tokens[i + 2].kind is Kind.STRING
            ):
                return "waitfor delay", i
        elif kind is Kind.LOGIC:
            if i > start and condition(tokens, i + 1, loose=False):
                return f"{token.text.upper()} with a tautology or extraction", i
        elif kind is Kind.FUNCTION:
            if (
                token.text in DANGEROUS_FUNCTIONS
                and i + 1 < n
                and tokens[i + 1].kind is Kind.LPAREN
            ):
                arg = tokens[i + 2] if i + 2 < n else None
                if (
                    arg is None
                    or arg.kind in _CALL_ARGUMENTS
                    or (arg.kind is Kind.STRING and token.text in FILE_FUNCTIONS)
                ):
                    return f"call of {token.text}()", i
        elif kind is Kind.VARIABLE:
            if token.text.startswith("@@") and token.text[2:].split(".")[-1] in SYSTEM_VARIABLES:
                return f"system variable {token.text}", i
        elif kind is Kind.WORD:
            if token.text in CATALOGS:
                return f"catalog {token.text}", i
            if token.text == "mysql" and i + 2 < n and tokens[i + 1].kind is Kind.DOT:
                return "catalog mysql", i
            if token.text in PROCEDURES:
                return f"procedure {token.text}", i
        elif kind is Kind.OPERATOR:
            if token.text == "::" and is_cast(tokens, i, start):
                return f"cast to {tokens[i + 1].text}", i
        elif kind is Kind.KEYWORD:
            if (
                token.text == "procedure"
                and i + 1 < n
                and tokens[i + 1].text == "analyse"
                and (i + 2 < n and tokens[i + 2].kind is Kind.LPAREN)
            ):
                return "procedure analyse", i
            if token.text == "into" and i + 1 < n and tokens[i + 1].text in {"outfile", "dumpfile"}:
                return f"into {tokens[i + 1].text}", i
            if (
                bare
                and token.text in {"order", "group"}
                and i > start
                and tokens[i - 1].kind in {Kind.NUMBER, Kind.RPAREN}
                and i + 2 < n
                and tokens[i + 1].text == "by"
                and tokens[i + 2].kind is Kind.NUMBER
                and ends(tokens, i + 3)
            ):
                return f"{token.text} by column probe", i
    if bare and literal_tautology(tokens, start):
        return "tautology of two literals", start
    if bare and 2 <= n <= 3 and tokens[-1].kind is Kind.COMMENT and tokens[0].kind is Kind.NUMBER:
        last = tokens[-1]
        previous = tokens[-2]
        adjacent = previous.start + len(previous.text) == last.start
        if adjacent and (n == 2 or previous.kind is Kind.RPAREN) and not last.text.startswith("#"):
            return "numeric context truncated by a comment", n - 1
    return None


def _without_inner_comments(tokens: list[Token]) -> list[Token]:
    """``tokens`` without the block comments that stand where a space could (``/**/``); a
    comment that ends the value is kept, since it cuts off the rest of the query."""
    last = len(tokens) - 1
    return [
        t
        for index, t in enumerate(tokens)
        if t.kind is not Kind.COMMENT or not t.text.startswith("/*") or index == last
    ]


def _rules(tokens: list[Token], quoted: bool) -> tuple[str, int] | None:
    """The first rule that holds, with the offset of the token it points at."""
    if quoted:
        if not tokens or tokens[0].kind is not Kind.STRING or not tokens[0].closed:
            return None
        found = _after_break(tokens) or _general(tokens, 1, bare=False)
        return (found[0], max(0, tokens[found[1]].start - 1)) if found else None
    found = _general(tokens, 0, bare=True)
    return (found[0], tokens[found[1]].start) if found else None


def _judge(value: str, quote: str, backslash: bool) -> tuple[str, int] | None:
    tokens = tokenize(quote + value, backslash=backslash)
    found = _rules(tokens, bool(quote))
    if found is None:
        spaced = _without_inner_comments(tokens)
        if len(spaced) < len(tokens):
            found = _rules(spaced, bool(quote))
    return found


def detect_sqli(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` reads as SQL injection in some quoting context."""
    value = text[:MAX_SCAN]
    backslashes = (True, False) if "\\" in value else (True,)
    for quote in ("", "'", '"'):
        if quote and quote not in value:
            continue
        for backslash in backslashes if quote else (True,):
            found = _judge(value, quote, backslash)
            if found is not None:
                reason, at = found
                return Detection(Attack.SQLI, reason, excerpt(value, at))
    return None
