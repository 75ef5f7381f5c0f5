"""Session fixation: a request that plants a session identifier the attacker already knows.

The attacker obtains a session id, makes the victim's browser use it, waits for the victim to
log in, and then holds a logged-in session. Two ways in reach the gate:

* a value that **sets a cookie** when the application reflects it into a page or a header: a
  script assigning ``document.cookie``, an ``<meta http-equiv="Set-Cookie">`` tag, a value that
  is a ``Set-Cookie:`` header line (:func:`detect_session_fixation`, a value detector; a line
  break before the header is :mod:`vigil.signatures.crlf`'s);
* a **session identifier in a parameter** named as a framework's session cookie
  (``JSESSIONID``, ``PHPSESSID``, ``ASP.NET_SessionId``, ``connect.sid``...), which
  frameworks that accept URL sessions adopt: the link the victim is lured to. The application's
  own pages link with their session in the URL when cookies are off; those requests carry a
  ``Referer`` of the site itself, and pass. A link followed from another site (its ``Referer``
  names another host, a subdomain included: it may be served by someone else) or arriving out
  of nowhere (no ``Referer``: a mail, a chat) is flagged, with the reason saying which
  (:func:`detect_session_parameter`). Only query, form and multipart parameters are read: a
  cookie of that name is the normal place of a session id, a ``;jsessionid=`` path parameter is
  the servlet container's own URL rewriting, and a JSON body is not what a lure link sends.
  Names used by APIs for other things (``session_id`` for a payment provider's checkout,
  ``sessionId``, ``sid``, ``session``) pass: names are compared in any case, so Django's
  ``sessionid`` (which Django never reads from a URL) is left out with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from vigil.http.model import Request
from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""
MAX_HEADER = 2048
"""Characters of a ``Referer`` or ``Host`` header that are parsed."""

SESSION_NAMES = (
    r"jsessionid|jservsessionid\w{0,32}|phpsessid|asp\.net_sessionid|aspsessionid\w{0,32}"
    r"|\.aspxauth|\.aspnetcore\.(?:session|cookies|identity\.application)|cfid|cftoken"
    r"|connect\.sid|sails\.sid|koa[.:]sess|express[.:]sess|(?:__secure-|__host-)?next-auth\.session-token"
    r"|(?:__secure-|__host-)?authjs\.session-token|rack\.session|_[a-z0-9]{1,40}_session"
    r"|laravel_session|ci_session|play_session|cakephp|symfony|oscsid|zenid"
    r"|_shibsession_\w{0,64}|wp_woocommerce_session_\w{0,64}"
)
"""Default session cookie names of web frameworks and platforms (matched whole, any case)."""

ROUTE = r"cookie"
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""
_SCRIPT_SETS = Pattern(
    "(?i)" + r"\bdocument\s*(?:\.\s*cookie|\[\s*[\"'`]cookie[\"'`]\s*\])\s*=\s*[^=\s]"
)
_META = Pattern("(?i)" + r"http-equiv\W{0,8}set-cookie\b")
_HEADER_LINE = Pattern("(?i)" + r"^\s*set-cookie\s*:\s*[^=;\s]{1,256}=")
_SESSION_NAME = Pattern("(?i)" + r"(?:" + SESSION_NAMES + r")")


def detect_session_fixation(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` sets a cookie once reflected into a page or header."""
    value = text[:MAX_SCAN]
    for reason, pattern in (
        ("script assigns document.cookie", _SCRIPT_SETS),
        ("meta tag that sets a cookie", _META),
        ("Set-Cookie header line", _HEADER_LINE),
    ):
        found = pattern.search(value)
        if found is not None:
            return Detection(Attack.SESSION_FIXATION, reason, excerpt(value, found.start()))
    return None


def is_session_name(name: str) -> bool:
    """Whether a parameter ``name`` is a framework's session cookie name."""
    return len(name) <= 128 and _SESSION_NAME.fullmatch(name) is not None


def _host(value: str) -> str:
    host = value.strip().lower().rsplit("@", 1)[-1]
    if host.startswith("["):
        host = host[: host.find("]") + 1]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True, slots=True)
class Site:
    """Where a request says it comes from: its ``Referer``'s host, and the site's own names."""

    referer: str | None
    """The ``Referer``'s host (``www.`` removed); empty when it names none, None when absent."""
    hosts: frozenset[str]
    """``Host``, ``X-Forwarded-Host`` and ``Forwarded: host=`` (ports and ``www.`` removed)."""

    @property
    def foreign(self) -> str:
        """Why the request does not come from the site's own pages, or '' when it does."""
        if self.referer is None:
            return "with no Referer"
        if not self.referer:
            return "with a Referer that names no host"
        if self.referer in self.hosts:
            return ""
        return f"with a Referer from {self.referer[:64]}"


def site_of(request: Request | None) -> Site:
    """The :class:`Site` of ``request`` (None: a request whose headers are unknown)."""
    if request is None:
        return Site(None, frozenset())
    hosts: set[str] = set()
    for name in ("host", "x-forwarded-host"):
        value = request.header(name)
        if value:
            hosts.add(_host(value[:MAX_HEADER].split(",", 1)[0]))
    forwarded = request.header("forwarded") or ""
    for part in forwarded[:MAX_HEADER].replace(",", ";").split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "host" and value:
            hosts.add(_host(value.strip('"')))
    referer = request.header("referer")
    if referer is None:
        return Site(None, frozenset(hosts))
    try:
        named = urlsplit(referer.strip()[:MAX_HEADER]).netloc
    except ValueError:
        named = ""
    return Site(_host(named) if named else "", frozenset(hosts))


def detect_session_parameter(name: str, text: str, site: Site) -> Detection | None:
    """A :class:`Detection` when parameter ``name`` is a session cookie name, ``text`` is a
    session id, and the request does not come from the site's own pages (:class:`Site`)."""
    if not text.strip() or not is_session_name(name):
        return None
    foreign = site.foreign
    if not foreign:
        return None
    return Detection(
        Attack.SESSION_FIXATION,
        f"session id in the parameter {name[:64]!r} {foreign}",
        excerpt(text),
    )
