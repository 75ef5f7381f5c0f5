"""PHP code injection: a value a PHP application would run if it reached ``eval`` or an include.

The signs, each in PHP's own syntax: an open tag (``<?php``, ``<?=``, ``[php]``), the
superglobals a web shell reads (``$_GET``, ``$_POST``, ``$_REQUEST``, ``$GLOBALS``...), a call of
a function that runs commands, evaluates code or decodes payloads (``system('id')``,
``eval($x)``, ``base64_decode("...")``, ``phpinfo()``) with PHP-shaped arguments, a call through
a variable (``$f($x)``, ``$_GET['a']($_GET['b'])``), a serialized object for ``unserialize``
(``O:8:"stdClass":1:{...}``), and ``php.ini`` directives that widen what PHP may do
(``allow_url_include=On``). Prose and prices (``$5 (approx.)``, ``system (call) logs``) stay
clean: a call needs its parenthesis right after the name and an argument PHP would accept.
"""

from __future__ import annotations

from vigil.signatures.command import STRONG, WEAK
from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""

FUNCTIONS = (
    "system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|eval|create_function"
    "|call_user_func|call_user_func_array|preg_replace|include|include_once|require|require_once"
    "|file_get_contents|file_put_contents|fopen|fwrite|readfile|highlight_file|show_source|phpinfo"
    "|base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|unserialize|move_uploaded_file"
    "|ini_set|putenv|symlink|dl|get_defined_functions|get_defined_vars|array_map|usort"
    "|fsockopen|pfsockopen|stream_socket_client|curl_init|curl_exec|bzdecompress|parse_str"
    "|array_filter|array_walk|register_shutdown_function|ob_start|mb_ereg_replace|posix_kill"
    "|posix_setuid|apache_setenv|scandir|unlink|chmod"
)
"""Functions that run commands, evaluate code, read or write files, or decode hidden payloads."""
COMMANDS = STRONG | WEAK
"""Commands a shell-running function may be given as a bare constant (``system(whoami)``)."""

COMMAND_FUNCTIONS = "system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec"
"""Functions that hand their argument to a shell."""

_OPEN_TAG = Pattern(
    "(?i)" + r"<\?(?:\s*php\b|=)|\[/?php\]|<script\s+language\s*=\s*[\"']?php"
    r"|<\?\s*(?:[a-z_]\w{0,31}\s*:\s*)?(?:(?:echo|print)[\s'\"(]|\$[a-z_]|[a-z_]\w{0,63}\s*\()"
)
_SUPERGLOBAL = Pattern(r"\$(?:_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES|ENV|SESSION)|GLOBALS)\b")
_CALL = Pattern(
    "(?i)"
    + r"(?:^|[^\w$>:.-])("
    + FUNCTIONS
    + r")(?:\s|/\*[^*]{0,64}\*/|(?:\#|//)[^\n]{0,64}\n)*\(\s*(?:[$'\"`)]|[a-z_]\w*\s*\(|\d)"
)
_COMMAND_CALL = Pattern(
    "(?i)" + r"(?:^|[^\w$>:.-])(" + COMMAND_FUNCTIONS + r")\s*\(\s*([a-z_][\w.-]{0,63})\s*[),]"
)
_NAME_CALL = Pattern(
    "(?i)"
    + r"[(\[{'\"]\s*("
    + FUNCTIONS
    + r")\s*(?:[)\]}'\"]|\[\s*\d{1,3}\s*\]){1,8}\s*\(\s*(?:[$'\"`)@]|[a-z_]\w*\s*[()]|\d)"
)
_VARIABLE_CALL = Pattern(
    r"\$[a-zA-Z_]\w*(?:\[[^\]\n]{0,64}\]|\{[^}\n]{0,64}\})*\)?\(|\$\{[^}\n]{1,64}\}\("
)
_SERIALIZED = Pattern(r"(?:^|[;{\s])[OC]:\d{1,5}:\"[A-Za-z_\\][\w\\]{0,255}\":\d{1,5}:\{")
_INI = Pattern(
    "(?i)"
    + r"\b(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions"
    r"|open_basedir|safe_mode|register_globals|enable_dl|suhosin\.\w+)\s*="
)
ROUTE = (
    r"<\?|\[/?php\]|<script\s+language|\$|[OC]:\d|\b(?:" + FUNCTIONS + r")\s*(?:\(|/[*/]|\#)"
    r"|[(\[{'\"]\s*(?:" + FUNCTIONS + r")\s*[)\]}'\"]"
    r"|\b(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions"
    r"|open_basedir|safe_mode|register_globals|enable_dl|suhosin)"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""


def detect_php(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` holds PHP code or a PHP object for ``unserialize``."""
    value = text[:MAX_SCAN]
    for reason, pattern in (
        ("PHP open tag", _OPEN_TAG),
        ("PHP superglobal", _SUPERGLOBAL),
        ("serialized PHP object", _SERIALIZED),
        ("php.ini directive", _INI),
        ("call through a variable", _VARIABLE_CALL),
    ):
        found = pattern.search(value)
        if found is not None:
            return Detection(Attack.PHP, reason, excerpt(value, found.start()))
    call = _CALL.search(value)
    if call is not None:
        return Detection(
            Attack.PHP, f"call of {call.group(1).lower()}()", excerpt(value, call.start())
        )
    named = _NAME_CALL.search(value)
    if named is not None:
        return Detection(
            Attack.PHP, f"call of {named.group(1).lower()} by name", excerpt(value, named.start())
        )
    for command in _COMMAND_CALL.finditer(value):
        if command.group(2).lower() in COMMANDS:
            return Detection(
                Attack.PHP,
                f"call of {command.group(1).lower()}() with a command",
                excerpt(value, command.start()),
            )
    return None
