"""Who may call the learner: a bearer token per service for its gates, and operator tokens.

Guard's learner trusted whatever a caller claimed (``sid``, ``pod`` in the query), so anyone who
could reach it could poison a policy or have pods deleted. Here every call carries
``Authorization: Bearer <token>``. A gate's token names exactly one service: it may post that
service's observations and alerts and read that service's policy, nothing else. An operator
token may read everything and record decisions, but never post observations (so an operator
credential cannot be used to teach a policy either). No token, or an unknown one, is 401; a
known token used outside its scope is 403. Either way nothing changes.

Tokens are kept only as SHA-256 digests in memory and may be given that way in the file
(``sha256:``), so the file can be a Kubernetes Secret shared with nobody else. A token is at
least :data:`MIN_TOKEN_LENGTH` characters. ``--insecure-dev`` turns authentication off, and is
refused on any address but loopback (:func:`check_insecure`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MIN_TOKEN_LENGTH = 24
"""Shortest token accepted (e.g. ``openssl rand -hex 24`` gives 48 characters)."""
MAX_TOKEN_LENGTH = 512
SERVICE_NAME = r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$"
"""A service name: a DNS label-like name of 1 to 63 characters."""
_SERVICE = re.compile(SERVICE_NAME)
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class AuthConfigError(ValueError):
    """A tokens file that cannot be used; the message names the file, field and problem."""


class Role(StrEnum):
    """What a caller is."""

    GATE = "gate"
    OPERATOR = "operator"
    DEV = "insecure-dev"
    """Anyone, with ``--insecure-dev`` on loopback."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: its role, its name, and for a gate the one service it serves."""

    role: Role
    name: str
    service: str | None = None

    def may_feed(self, service: str) -> bool:
        """True when the caller may post observations and alerts for ``service``."""
        if self.role is Role.DEV:
            return True
        return self.role is Role.GATE and self.service == service

    def may_read_policy(self, service: str) -> bool:
        """True when the caller may fetch ``service``'s policy."""
        return self.role in {Role.OPERATOR, Role.DEV} or self.service == service

    def may_operate(self) -> bool:
        """True when the caller may list everything and record decisions."""
        return self.role in {Role.OPERATOR, Role.DEV}


class AuthOutcome(StrEnum):
    """Why a request was refused (the ``reason`` label of ``vigil_learner_auth_failures``)."""

    MISSING = "missing"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class Refused:
    """A refused credential: the outcome, the HTTP status and a reason for the caller."""

    outcome: AuthOutcome
    detail: str

    @property
    def status(self) -> int:
        """401 for a missing or unknown credential, 403 for one used outside its scope."""
        return 403 if self.outcome is AuthOutcome.FORBIDDEN else 401


class _Token(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", max_length=128)
    token: str | None = Field(None, min_length=MIN_TOKEN_LENGTH, max_length=MAX_TOKEN_LENGTH)
    sha256: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> _Token:
        if (self.token is None) == (self.sha256 is None):
            raise ValueError("give exactly one of 'token' or 'sha256'")
        if self.sha256 is not None and not _DIGEST.match(self.sha256):
            raise ValueError("'sha256' must be 64 lower-case hex digits")
        return self

    def digest(self) -> str:
        if self.sha256 is not None:
            return self.sha256
        assert self.token is not None
        return token_digest(self.token)


class _TokensFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    operators: list[_Token] = Field(default_factory=list)
    services: dict[str, list[_Token]] = Field(default_factory=dict)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest a token is known by."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class Tokens:
    """The credentials the learner accepts, as digests."""

    def __init__(self, by_digest: dict[str, Principal]) -> None:
        self._by_digest = by_digest

    @property
    def services(self) -> frozenset[str]:
        """The services some gate token serves."""
        return frozenset(p.service for p in self._by_digest.values() if p.service is not None)

    @classmethod
    def parse(cls, data: Any, source: str) -> Tokens:
        """Validate tokens data; errors name the source and the field."""
        try:
            parsed = _TokensFile.model_validate(data if data is not None else {})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(top)"
            message = str(first["msg"]).removeprefix("Value error, ")
            raise AuthConfigError(f"{source}: {where}: {message}") from None
        by_digest: dict[str, Principal] = {}

        def add(token: _Token, principal: Principal, where: str) -> None:
            digest = token.digest()
            if digest in by_digest:
                raise AuthConfigError(f"{source}: {where}: the same token is given twice")
            by_digest[digest] = principal

        for i, token in enumerate(parsed.operators):
            add(token, Principal(Role.OPERATOR, token.name or f"operator-{i}"), f"operators.{i}")
        for service, tokens in parsed.services.items():
            if not _SERVICE.match(service):
                raise AuthConfigError(
                    f"{source}: services.{service}: a service name is 1-63 characters of "
                    "a-z, 0-9, '.' and '-'"
                )
            for i, token in enumerate(tokens):
                principal = Principal(Role.GATE, token.name or f"{service}-gate-{i}", service)
                add(token, principal, f"services.{service}.{i}")
        if not by_digest:
            raise AuthConfigError(f"{source}: no operator or service token is given")
        return cls(by_digest)

    @classmethod
    def load(cls, path: str | Path) -> Tokens:
        """Read a tokens file (YAML); errors name the file and field, never a token."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AuthConfigError(f"{path}: cannot read: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise AuthConfigError(f"{path}: not UTF-8 text") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            raise AuthConfigError(f"{path}:{where} invalid YAML") from None
        return cls.parse(data, str(path))

    def authenticate(self, authorization: str | None) -> Principal | Refused:
        """The caller of an ``Authorization`` header value, or why it is refused."""
        if not authorization:
            return Refused(AuthOutcome.MISSING, "an 'Authorization: Bearer <token>' is required")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
            return Refused(AuthOutcome.MALFORMED, "expected 'Authorization: Bearer <token>'")
        digest = token_digest(token)
        principal = self._by_digest.get(digest)
        if principal is None:
            return Refused(AuthOutcome.UNKNOWN, "the token is not known")
        return principal


DEV_PRINCIPAL = Principal(Role.DEV, "insecure-dev")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and literal loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_insecure(host: str) -> None:
    """Refuse ``--insecure-dev`` on anything but a loopback address; ValueError says why."""
    if not is_loopback(host):
        raise ValueError(
            f"--insecure-dev turns authentication off and is refused on {host}: listen on "
            "127.0.0.1 or ::1, or give --tokens"
        )
