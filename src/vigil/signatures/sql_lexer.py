"""A SQL lexer for the injection detector: a value read as a database would read it.

The detector does not look for keywords; it tokenises a value the way MySQL, PostgreSQL, MSSQL,
Oracle and SQLite lexers broadly agree on (quoted strings with doubled quotes and backslash
escapes, numbers incl. hex, comments ``--`` ``#`` ``/* */``, MySQL's executable ``/*! */``,
variables ``@x`` ``@@version``, operators) and classifies each word: a statement verb, ``UNION``,
a logical or comparison operator, a keyword, a function call, a literal, or a plain word. The
detector then reasons over the token kinds, as libinjection does with its fingerprints.

The lexer is one regular expression of simple alternatives (no nested quantifier, so linear
time on any input) driven position by position, and stops after :data:`MAX_TOKENS` tokens.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

MAX_TOKENS = 512
"""Tokens read from one value; the rest of a longer value is not tokenised."""


class Kind(StrEnum):
    """Token kinds; the one-character values spell a value's fingerprint (``s&1o1``)."""

    STRING = "s"
    NUMBER = "1"
    """A number or a constant literal (``NULL``, ``TRUE``, ``FALSE``)."""
    WORD = "n"
    """A bare word: a column, table or any plain word."""
    KEYWORD = "k"
    UNION = "U"
    STATEMENT = "E"
    """A statement verb: ``SELECT``, ``INSERT``, ``DROP``, ``EXEC``..."""
    LOGIC = "&"
    """``AND``, ``OR``, ``XOR``, ``&&``, ``||``."""
    OPERATOR = "o"
    FUNCTION = "f"
    """A word called as a function: ``sleep(``, ``char (`` for known names."""
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    SEMICOLON = ";"
    COMMENT = "c"
    VARIABLE = "v"
    DOT = "."


class Token(NamedTuple):
    """One token: its kind, its text (words lower-cased), where it starts, and for a string
    whether its closing quote was found."""

    kind: Kind
    text: str
    start: int
    closed: bool = True


STATEMENTS = frozenset({
    "select", "insert", "update", "delete", "drop", "create", "alter", "truncate", "exec",
    "execute", "declare", "shutdown", "grant", "revoke", "rename", "call", "handler", "load",
    "waitfor",
})  # fmt: skip
LOGIC_WORDS = frozenset({"and", "or", "xor"})
OPERATOR_WORDS = frozenset({
    "like", "rlike", "regexp", "is", "in", "between", "div", "mod", "sounds", "not", "collate",
    "escape", "glob", "match", "against",
})  # fmt: skip
KEYWORDS = frozenset({
    "from", "where", "into", "limit", "offset", "having", "order", "group", "by", "as", "on",
    "join", "inner", "outer", "left", "right", "cross", "natural", "using", "values", "set",
    "table", "tables", "database", "databases", "schema", "column", "procedure", "view", "index",
    "case", "when", "then", "else", "end", "distinct", "all", "top", "outfile", "dumpfile",
    "delay", "time", "if", "exists", "asc", "desc", "fetch", "rows", "only", "returning",
})  # fmt: skip
CONSTANTS = frozenset({"null", "true", "false", "unknown"})
FUNCTIONS = frozenset({
    "sleep", "pg_sleep", "benchmark", "extractvalue", "updatexml", "load_file", "sys_eval",
    "sys_exec", "randomblob", "receive_message", "get_host_address", "request", "char", "chr",
    "concat", "concat_ws", "group_concat", "substring", "substr", "mid", "ascii", "ord", "hex",
    "unhex", "version", "database", "schema", "user", "current_user", "system_user",
    "session_user", "iif", "ifnull", "nullif", "coalesce", "count", "cast", "convert", "md5",
    "sha1", "length", "len", "rand", "floor", "exp", "name_const", "json_keys", "row",
    "xp_cmdshell", "sp_executesql", "lower", "upper", "trim", "replace", "string_agg", "listagg",
    "make_set", "elt", "field", "instr", "locate", "position", "left", "right", "reverse", "space",
    "ltrim", "rtrim", "pi", "now", "sysdate", "db_name", "host_name", "suser_name",
    "is_srvrolemember",
})  # fmt: skip
"""Names taken as function calls even with a space before the parenthesis."""

_PATTERN = r"""
    (?P<ws>[\s\x00\xa0]+)
    |(?P<xopen>/\*!\d*)
    |(?P<bcomment>/\*.*?(?:\*/|\Z))
    |(?P<lcomment>(?:--|\#)[^\n]*)
    |(?P<squote>'(?:[^'\\]|\\.|'')*)(?P<sclose>')?
    |(?P<dquote>"(?:[^"\\]|\\.|"")*)(?P<dclose>")?
    |(?P<btick>`[^`]*`?)
    |(?P<number>0[xX][0-9a-fA-F]*|0[bB][01]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<var>@@?[\w$]*)
    |(?P<word>[^\W\d][\w$]*)
    |(?P<op2><=>|<>|!=|<=|>=|==|:=|\|\||&&|<<|>>|::|->>?)
    |(?P<punct>[(),;.])
    |(?P<other>.)
    """
_SCANNER = re.compile(_PATTERN, re.VERBOSE | re.DOTALL)
_PLAIN_SCANNER = re.compile(
    _PATTERN.replace(r"[^'\\]|\\.|''", "[^']|''").replace(r'[^"\\]|\\.|""', '[^"]|""'),
    re.VERBOSE | re.DOTALL,
)
"""The same lexer for dialects where a backslash is an ordinary character inside a string
(standard SQL, PostgreSQL, MSSQL, Oracle, SQLite): ``'a\\'`` is closed there."""
_PUNCT = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, ";": Kind.SEMICOLON, ".": Kind.DOT}
_QUOTES = frozenset({"squote", "sclose", "dquote", "dclose"})


def _word(text: str, source: str, end: int) -> Kind:
    if text in STATEMENTS:
        return Kind.STATEMENT
    if text == "union":
        return Kind.UNION
    if text in LOGIC_WORDS:
        return Kind.LOGIC
    if text in OPERATOR_WORDS:
        return Kind.OPERATOR
    if text in KEYWORDS:
        return Kind.KEYWORD
    if text in CONSTANTS:
        return Kind.NUMBER
    if end < len(source):
        nxt = source[end]
        if nxt == "(":
            return Kind.FUNCTION
        if nxt.isspace() and text in FUNCTIONS and source[end:].lstrip()[:1] == "(":
            return Kind.FUNCTION
    return Kind.WORD


def tokenize(text: str, max_tokens: int = MAX_TOKENS, backslash: bool = True) -> list[Token]:
    """The tokens of ``text`` read as SQL, whitespace and MySQL ``/*!`` markers dropped.

    ``backslash``: a backslash escapes the next character inside a string, as in MySQL; False
    reads strings as the other dialects do, where only a doubled quote is an escape."""
    tokens: list[Token] = []
    append = tokens.append
    match = (_SCANNER if backslash else _PLAIN_SCANNER).match
    pos, size = 0, len(text)
    executable = False
    while pos < size and len(tokens) < max_tokens:
        m = match(text, pos)
        if m is None:  # pragma: no cover - the last alternative matches any character
            break
        group = m.lastgroup
        start, pos = pos, m.end()
        if group == "ws":
            continue
        if group == "xopen":
            executable = True
            continue
        value = m.group()
        if group in _QUOTES:
            closed = m.group("sclose" if group[0] == "s" else "dclose") is not None
            append(Token(Kind.STRING, value, start, closed))
        elif group == "word":
            lower = value.lower()
            append(Token(_word(lower, text, pos), lower, start))
        elif group == "number":
            append(Token(Kind.NUMBER, value, start))
        elif group == "punct":
            append(Token(_PUNCT[value], value, start))
        elif group == "op2":
            kind = Kind.LOGIC if value in {"||", "&&"} else Kind.OPERATOR
            append(Token(kind, value, start))
        elif group in {"bcomment", "lcomment"}:
            append(Token(Kind.COMMENT, value, start))
        elif group == "var":
            append(Token(Kind.VARIABLE, value.lower(), start))
        elif group == "btick":
            append(Token(Kind.WORD, value.strip("`").lower(), start))
        elif value == "*" and executable and text.startswith("*/", start):
            executable = False
            pos += 1
        else:
            append(Token(Kind.OPERATOR, value, start))
    return tokens


def fingerprint(tokens: list[Token]) -> str:
    """The kinds of ``tokens`` as one string, e.g. ``s&sos`` for ``' OR 'a'='a``."""
    return "".join(t.kind.value for t in tokens)
