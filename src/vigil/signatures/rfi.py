"""Remote file inclusion: a value shaped as the target of an ``include`` rather than as a link.

An application that includes or opens a file named by a parameter (PHP's ``include($_GET['p'])``
with ``allow_url_include``, a Java ``jar:`` loader, Windows opening ``\\\\host\\share``) runs
what a remote host serves. Legitimate URLs travel in parameters all the time (a ``redirect``, a
profile's ``website``, an image URL), so a URL alone is not the signal; its *shape* is. The
value detector (:func:`detect_rfi`) reads a value that *is* a URL (it starts the value) and
flags it when:

* it cuts the suffix the application appends: it ends in ``?`` after a file name or the host
  (``http://h/shell.txt?`` makes ``.php`` a query string; an API path with an empty query,
  ``https://api.example.org/items?``, is what URL builders write), holds a NUL (``%00``), or
  ends in an empty ``#`` after a file name;
* it names a script or text file on a host given as an IP address
  (``http://203.0.113.7/x.php``): a link to a published page names a host;
* it uses a scheme only a file loader reads: PHP's stream wrappers (``php://``, ``expect://``,
  ``phar://``, ``zip://``...), a ``data:`` URL carrying PHP code, ``jar:``, ``file:``,
  or a UNC path (``\\\\host\\share``).

:func:`detect_include_parameter` adds the other half: a remote URL given to a parameter whose
*name* says it holds a file-system location (``path``, ``dir``, ``basedir``, ``docroot``,
``include``, ``_CONF[path]``), which no link, image or redirect field is called. A URL ending
in a page or a query (``https://example.org/page?id=3``), an image on a named host, or prose
that mentions a URL passes.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from urllib.parse import unquote_to_bytes

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern
from vigil.signatures.ssrf import parse_ipv4

MAX_SCAN = 4096
"""Characters of a value that are read (an include target is at its start)."""
MAX_DATA = 8192
"""Characters of a ``data:`` URL's payload that are decoded and read for PHP code."""

SCRIPT_EXTENSIONS = frozenset(
    {
        "php",
        "php3",
        "php4",
        "php5",
        "php7",
        "phtml",
        "phps",
        "pht",
        "inc",
        "txt",
        "asp",
        "aspx",
        "jsp",
        "jspx",
        "pl",
        "py",
        "cgi",
        "sh",
        "rb",
        "cfm",
        "shtml",
    }
)
"""Extensions of files that an include runs or that hold code served as text."""
WRAPPERS = frozenset(
    {"php", "expect", "phar", "zip", "glob", "ogg", "rar", "compress.zlib", "compress.bzip2"}
)
"""PHP stream wrappers: only a PHP file function reads them."""
PATH_WORDS = frozenset(
    {
        "path",
        "dir",
        "directory",
        "basedir",
        "basepath",
        "rootdir",
        "root",
        "docroot",
        "documentroot",
        "include",
        "inc",
        "includes",
        "require",
        "folder",
        "abspath",
        "libdir",
        "absolute",
    }
)
"""Words of a parameter name that say it holds a file-system location."""
LINK_WORDS = frozenset(
    {
        "url",
        "uri",
        "link",
        "href",
        "src",
        "website",
        "site",
        "homepage",
        "redirect",
        "callback",
        "return",
        "next",
        "endpoint",
        "webhook",
        "image",
        "img",
        "avatar",
        "feed",
        "host",
    }
)
"""Words of a parameter name that say it holds a link (a URL there is its purpose)."""

ROUTE = r":[\\/]|\\\\|\bdata:|\bjar:"
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""
_URL = Pattern(
    "(?i)"
    + r"^\s*(https?|ftps?|smb|webdav|file|local_file|netdoc|jar|data|php|expect|phar|zip|glob|ogg"
    r"|rar|compress\.zlib|compress\.bzip2|ssh2\.[a-z]+):"
)
_REMOTE = Pattern("(?i)" + r"^\s*(?:(?:https?|ftps?|smb|webdav)://|\\\\[\w.$-])")
_UNC = Pattern(r"^\s*\\\\([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])\\([\w$.-]{1,80})")
_SCHEME = Pattern("(?i)" + r"[a-z][a-z0-9+.-]{0,15}:")
_AUTHORITY_END = Pattern(r"[/\\?#\s]")
_DATA = Pattern("(?i)" + r"^\s*data:(?://)?([\w.+-]*/[\w.+-]*)?((?:;[^,;]{0,64}){0,4}),")
_PHP_CODE = Pattern("(?i)" + r"<\?(?:php|=)")
_PHP_MEDIA = frozenset(
    {"application/x-httpd-php", "application/x-php", "text/x-php", "text/php", "application/php"}
)


def _host_is_address(authority: str) -> bool:
    host = authority.rsplit("@", 1)[-1]
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1 : host.find("]")].split("%", 1)[0])
        except ValueError:
            return False
        return True
    return parse_ipv4(host.rsplit(":", 1)[0] if host.count(":") == 1 else host) is not None


def _extension(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _web_url(scheme: str, value: str, start: int) -> str:
    """Why the web URL at the start of ``value`` is shaped as an include target, or ''."""
    rest = value[start:]
    if not rest.startswith("//"):
        return ""
    after = rest[2:]
    cut = _AUTHORITY_END.search(after)
    authority = after[: cut.start()] if cut else after
    remainder = after[len(authority) :]
    path = remainder.split("?", 1)[0].split("#", 1)[0].split("\x00", 1)[0]
    if "\x00" in remainder:
        return "URL with a NUL that cuts the application's suffix"
    trimmed = remainder.rstrip()
    if trimmed.endswith("?") and (_extension(path) or path.strip("/") == ""):
        return "URL ending in ? that turns the application's suffix into a query"
    if trimmed.endswith("#") and _extension(path):
        return "URL ending in # that turns the application's suffix into a fragment"
    if _extension(path) in SCRIPT_EXTENSIONS and _host_is_address(authority):
        return f"{scheme} URL to a .{_extension(path)} file on a host given as an address"
    return ""


def _data_url(value: str) -> str:
    header = _DATA.match(value)
    if header is None:
        return ""
    media = (header.group(1) or "").lower()
    if media in _PHP_MEDIA:
        return f"data: URL of type {media}"
    payload = value[header.end() : header.end() + MAX_DATA]
    if ";base64" in (header.group(2) or "").lower():
        cleaned = "".join(payload.split())
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4]
        try:
            decoded = base64.b64decode(cleaned, validate=False).decode("latin-1")
        except (binascii.Error, ValueError):
            return ""
    else:
        decoded = unquote_to_bytes(payload).decode("latin-1")
    return "data: URL carrying PHP code" if _PHP_CODE.search(decoded) else ""


def detect_rfi(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` is a URL or UNC path shaped as an include target."""
    value = text[:MAX_SCAN]
    unc = _UNC.match(value)
    if unc is not None:
        return Detection(
            Attack.RFI,
            f"UNC path to \\\\{unc.group(1)}\\{unc.group(2)}",
            excerpt(value, value.find("\\")),
        )
    url = _URL.match(value)
    if url is None:
        return None
    scheme = url.group(1).lower()
    start = url.end()
    where = excerpt(value, url.start(1))
    if scheme in WRAPPERS or scheme.startswith("ssh2."):
        if value[start : start + 2] == "//":
            return Detection(Attack.RFI, f"PHP stream wrapper {scheme}://", where)
        return None
    if scheme == "data":
        reason = _data_url(value)
        return Detection(Attack.RFI, reason, where) if reason else None
    if scheme == "jar":
        nested = _SCHEME.match(value, start)
        if nested is not None or value[start : start + 1] == "/":
            return Detection(Attack.RFI, "jar: URL (Java opens the archive it names)", where)
        return None
    if scheme in {"file", "local_file", "netdoc"}:
        if value[start : start + 1] in {"/", "\\"}:
            return Detection(Attack.RFI, f"{scheme}: URL (the server opens a local file)", where)
        return None
    reason = _web_url(scheme, value, start)
    return Detection(Attack.RFI, reason, where) if reason else None


def name_words(name: str) -> set[str]:
    """The lower-case words of a parameter name, split at punctuation and at a lower-case
    letter followed by a capital (``_CONF[path]``: conf, path; ``baseDir``: base, dir)."""
    words: set[str] = set()
    current: list[str] = []
    previous = ""
    for char in name[:128]:
        if not char.isalnum() or (char.isupper() and previous.islower()):
            if current:
                words.add("".join(current).lower())
            current = []
        if char.isalnum():
            current.append(char)
        previous = char
    if current:
        words.add("".join(current).lower())
    return words


def include_shaped(name: str) -> bool:
    """Whether parameter ``name`` says it holds a file-system location and not a link."""
    words = name_words(name)
    return bool(words & PATH_WORDS) and not words & LINK_WORDS


def detect_include_parameter(name: str, text: str) -> Detection | None:
    """A :class:`Detection` when a remote URL or UNC path is given to a parameter whose name
    says it holds a file-system location (see :func:`include_shaped`)."""
    value = text[:MAX_SCAN]
    remote = _REMOTE.match(value)
    if remote is None or not include_shaped(name):
        return None
    return Detection(
        Attack.RFI,
        f"remote location given to the file-system parameter {name[:64]!r}",
        excerpt(value, len(value) - len(value.lstrip())),
    )
