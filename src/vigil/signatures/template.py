"""Server-side template injection: an expression for a template engine to evaluate.

Template engines evaluate what sits between their delimiters: ``{{ }}`` (Jinja2, Twig,
Handlebars, Angular), ``${ }`` (Java EL, FreeMarker, Velocity, Groovy, JS template literals),
``#{ }`` (Ruby, JSF, Thymeleaf), ``%{ }`` (Struts OGNL), ``*{ }`` (Thymeleaf), ``<%= %>``
(ERB, JSP) and ``{% %}`` (Jinja2 statements). A placeholder alone (``{{name}}``,
``${price}``, ``{{ user.name }}``) is harmless text; the detector flags delimiters whose content
is an expression: arithmetic on numbers (the ``{{7*7}}`` probe), a call, a dunder attribute
(``__class__``), or a name that only an exploit reaches for (``config``, ``lipsum``,
``getClass``, ``Runtime``, ``_memberAccess``...), plus engine-specific forms with no harmless
use (``<#assign``, ``?new()``, ``T(java.lang.Runtime)``, ``{php}``, ``#set(``).
Log4Shell's ``${jndi:...}`` belongs to :mod:`vigil.signatures.jndi`.
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""
MAX_EXPRESSION = 512
"""Longest delimited content read as one expression."""

_DELIMITED = Pattern(
    r"\{\{([^}]{0,512})\}\}|\$\{([^}]{0,512})\}|#\{([^}]{0,512})\}|%\{([^}]{0,512})\}"
    r"|\*\{([^}]{0,512})\}|<%=?([^%]{0,512})%>|\{%([^%]{0,512})%\}"
)
"""Delimited contents stop at the first closing character, so each position is read at most
once per delimiter kind: linear, and a nested ``{...}`` is read from its innermost level."""
MAX_EXPRESSIONS = 64
"""Delimited expressions examined in one value."""
_ARITHMETIC = Pattern(r"\d\s*[*/%+-]\s*\d|['\"]\d+['\"]\s*\*\s*\d|\d\s*\*\s*['\"]")
_CALL = Pattern(r"[\w\])'\"]\s*\(")
_DUNDER = Pattern(r"__\w+__")
_NAMES = Pattern(
    "(?i)" + r"\b(?:config|lipsum|cycler|joiner|namespace|constructor|getclass|forname|runtime|"
    r"processbuilder|popen|subprocess|_memberaccess|classloader|_self|_context|mro|subclasses|"
    r"builtins|globals|freemarker|getruntime|exec|system|request\.application|"
    r"application\.|servletcontext|import|include|extends|debug)\b"
)
_ALWAYS = Pattern(
    "(?i)" + r"<#(?:assign|import|include)\b|\?new\s*\(|\bT\s*\(\s*java\.|\{php\}|\{\$smarty\.|"
    r"#set\s*\(|#evaluate\s*\(|\$\w+\.(?:getclass|forname|class\.inspect)\b|\{self::|"
    r"@java\.lang\.|#_memberaccess"
)
ROUTE = (
    r"\{\{|\$\{|#\{|%\{|\*\{|<%|\{%|<#|\?new\s*\(|\bT\s*\(|#set\s*\(|#evaluate\s*\(|@java\."
    r"|#_memberaccess|\{php\}|\{\$smarty|\{self::|\$[a-z_]\w*\.(?:getclass|forname|class)"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""


def _expression(content: str) -> str:
    if content.lstrip().lower().startswith("jndi:"):
        return ""
    if _DUNDER.search(content):
        return "dunder attribute"
    if _ARITHMETIC.search(content):
        return "arithmetic probe"
    name = _NAMES.search(content)
    if name is not None:
        return f"reaches for {name.group().lower()}"
    if _CALL.search(content):
        return "call"
    return ""


def detect_template(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` holds an expression for a template engine."""
    value = text[:MAX_SCAN]
    always = _ALWAYS.search(value)
    if always is not None:
        return Detection(
            Attack.TEMPLATE, "template engine directive", excerpt(value, always.start())
        )
    for count, match in enumerate(_DELIMITED.finditer(value)):
        if count >= MAX_EXPRESSIONS:
            break
        content = next(group for group in match.groups() if group is not None)
        reason = _expression(content)
        if reason:
            opener = match.group()[:2]
            return Detection(
                Attack.TEMPLATE, f"{opener}...: {reason}", excerpt(value, match.start())
            )
    return None
