"""What a field's *name* calls for: checks that read which field a value is in with the value.

Most detectors read a value on its own. Four findings depend on the field the value came in:

* a line break in a parameter name (``crlf``): no form names a field with one, so the name
  alone is the finding;
* a remote URL in a parameter named as a file-system location (``rfi``: ``_CONF[path]``);
* a session id in a parameter named as a framework's session cookie (``session-fixation``),
  judged with the request's ``Referer``;
* a line break in the decoded request path (the ``path`` field, ``crlf``): nginx's
  ``fastcgi_split_path_info`` stops at ``%0A`` (CVE-2019-11043), and no link holds one.

The names are classified once per field path (:func:`name_checks`, cached by the scanner with
the path's scope), so an ordinary name costs nothing per request; only a flagged name has its
value read (:func:`check_value`). Parameters are those of the query, form, multipart body and
JSON body; the name of a JSON field is its last member (``json.config.rootDir``: ``rootDir``).
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.signatures.crlf import detect_crlf_name, detect_path_break
from vigil.signatures.detection import Attack, Detection
from vigil.signatures.rfi import detect_include_parameter, include_shaped
from vigil.signatures.sessionfix import Site, detect_session_parameter, is_session_name, site_of

PARAMETERS = ("query.", "form.", "multipart.", "json")
"""Field prefixes whose name is a parameter's."""
SESSION_PARAMETERS = ("query.", "form.", "multipart.")
"""Field prefixes whose session-named parameters a lure link (or a lure form) can carry."""


@dataclass(frozen=True, slots=True)
class NameChecks:
    """What one field path's parameter name calls for."""

    name: str
    """The parameter's own name (a JSON path's last member)."""
    broken: Detection | None
    """The name holds a line break: a detection of its own."""
    include: bool
    """The name says it holds a file-system location (:func:`rfi.include_shaped`)."""
    session: bool
    """The name is a session cookie's, on a field a lure can carry."""
    request_path: bool = False
    """The field is the decoded request path, where any line break counts."""


def parameter_name(path: str) -> tuple[str, str]:
    """The field's whole key and its parameter's own name; empty strings when ``path`` is not
    a parameter's (a header, a cookie, the path, a raw body)."""
    if not path.startswith(PARAMETERS) or "." not in path:
        return "", ""
    key = path.split(".", 1)[1]
    if path.startswith("multipart.") and key.endswith(".filename"):
        return key, ""
    if path.startswith("json"):
        return key, key.rsplit(".", 1)[-1].removesuffix("[]")
    return key, key


_REQUEST_PATH = NameChecks("", None, include=False, session=False, request_path=True)


def name_checks(path: str) -> NameChecks | None:
    """What field ``path``'s name calls for, or None (most names: nothing)."""
    if path == "path":
        return _REQUEST_PATH
    key, name = parameter_name(path)
    if not key:
        return None
    broken = detect_crlf_name(key)
    include = bool(name) and include_shaped(name)
    session = path.startswith(SESSION_PARAMETERS) and bool(name) and is_session_name(name)
    if broken is None and not include and not session:
        return None
    return NameChecks(name, broken, include, session)


def check_value(
    checks: NameChecks, text: str, scope: frozenset[Attack], site: Site | None
) -> list[tuple[Detection, bool]]:
    """The detections of ``checks`` on the field's value ``text``, each with whether it is in
    the name (True) or the value, for the detectors in ``scope``; ``site`` is where the request
    comes from (None: unknown headers, read as no ``Referer``)."""
    found: list[tuple[Detection, bool]] = []
    if checks.request_path:
        if ("\n" in text or "\r" in text) and Attack.CRLF in scope:
            broken = detect_path_break(text)
            if broken is not None:
                found.append((broken, False))
        return found
    if checks.broken is not None and Attack.CRLF in scope:
        found.append((checks.broken, True))
    if checks.include and Attack.RFI in scope:
        remote = detect_include_parameter(checks.name, text)
        if remote is not None:
            found.append((remote, False))
    if checks.session and Attack.SESSION_FIXATION in scope:
        session = detect_session_parameter(checks.name, text, site or site_of(None))
        if session is not None:
            found.append((session, False))
    return found
