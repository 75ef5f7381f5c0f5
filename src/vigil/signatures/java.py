"""Java injection: gadget classes, serialized objects and expression-language reach-ins.

Java services are exploited through what they instantiate from request data: a serialized object
(``rO0AB`` in base64, ``aced0005`` in hex) whose classes form a gadget chain
(``InvokerTransformer``, ``TemplatesImpl``, ``JdbcRowSetImpl``...), a class name handed to a
deserializer or an XML decoder (``java.lang.ProcessBuilder``, ``java.beans.XMLDecoder``), an
OGNL expression in Struts (``#_memberAccess``, ``@java.lang.Runtime@``), or Spring's data
binding reaching the class loader (Spring4Shell's ``class.module.classLoader``). Any fully
qualified ``java.lang`` class counts: a deserializer or an expression language handed
``java.lang.Class`` or ``java.lang.String`` is being steered toward reflection. The detector
flags these names and magic prefixes; ``JavaScript``, ``java.com`` or a coffee order do not
carry them.
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""

_GADGETS = Pattern(
    "(?i)" + r"\bjava\.(?:lang\.[A-Za-z]\w*"
    r"|io\.(?:File\w*|ObjectInputStream|ObjectOutputStream|\w*(?:Stream|Reader|Writer))"
    r"|net\.(?:URLClassLoader|Socket|ServerSocket|URL\b)|nio\.file|rmi\.|beans\.XMLDecoder"
    r"|util\.(?:zip|PriorityQueue|Scanner)|security\.)"
    r"|\bjavax\.(?:script|naming|management|el\.|xml\.transform)"
    r"|\b(?:ProcessBuilder|InvokerTransformer|ChainedTransformer|ConstantTransformer|InstantiateTransformer"
    r"|TemplatesImpl|JdbcRowSetImpl|LazyMap|TiedMapEntry|BadAttributeValueExpException"
    r"|AnnotationInvocationHandler|ScriptEngineManager|MethodInvoker|ObjectFactory|XStream"
    r"|clonetransformer|forclosure|instantiatefactory|prototypeclonefactory"
    r"|prototypeserializationfactory|whileclosure)\b"
    r"|\bcom\.sun\.(?:org\.apache|rowset|jndi)|\borg\.apache\.(?:commons\.collections|xalan|bcel)"
    r"|\bcom\.opensymphony\.xwork2|\bognl\.|#_memberaccess|@java\.lang\.|#context\[|\(#[a-z_]+="
)
_CLASS_LOADER = Pattern("(?i)" + r"\bclass\.(?:module\.)?classloader\b|\bclass\.protectiondomain\b")
_SERIALIZED = Pattern("(?i)" + r"(?:^|[^a-z0-9+/])(?:rO0AB|aced0005|KztAAU)")
SERIALIZED_PREFIXES = ("ro0ab", "aced0005", "kztaau")
"""Lower-cased starts of a serialized Java object (base64, hex, gzip then base64): a value of
letters and digits alone can be one, so the scan looks for them before skipping such values."""
ROUTE = (
    r"java\.|javax\.|processbuilder|transformer|templatesimpl|jdbcrowsetimpl|lazymap|tiedmapentry"
    r"|badattributevalueexp|annotationinvocationhandler|scriptenginemanager|methodinvoker"
    r"|objectfactory|xstream|closure|factory|com\.sun\.|org\.apache\.|xwork2|ognl\."
    r"|#_memberaccess|#context\[|\(#[a-z_]+=|classloader|protectiondomain|ro0ab|aced0005|kztaau"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""


def detect_java(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` names a Java gadget or holds a serialized object."""
    value = text[:MAX_SCAN]
    loader = _CLASS_LOADER.search(value)
    if loader is not None:
        return Detection(
            Attack.JAVA, "class loader reached by data binding", excerpt(value, loader.start())
        )
    serialized = _SERIALIZED.search(value)
    if serialized is not None:
        return Detection(Attack.JAVA, "serialized Java object", excerpt(value, serialized.start()))
    gadget = _GADGETS.search(value)
    if gadget is not None:
        return Detection(
            Attack.JAVA, f"Java gadget or class {gadget.group()!r}", excerpt(value, gadget.start())
        )
    return None
