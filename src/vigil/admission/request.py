"""AdmissionReview v1: the request the API server sends and the response it expects.

A request is validated into `AdmissionRequest` (pydantic, unknown fields kept out of the way);
a decision becomes the response document ``{"apiVersion": "admission.k8s.io/v1", "kind":
"AdmissionReview", "response": {"uid", "allowed", "status": {"code", "message"}, "patch"?}}``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")


def metadata_of(obj: dict[str, Any] | None) -> dict[str, Any]:
    """``metadata`` of a request's object, read leniently (empty when absent or not a map):
    for the rules that must name or judge an object the decoders would refuse."""
    meta = (obj or {}).get("metadata")
    return meta if isinstance(meta, dict) else {}


def spec_of(obj: dict[str, Any] | None) -> dict[str, Any]:
    """``spec`` of a request's object, read leniently like `metadata_of`."""
    spec = (obj or {}).get("spec")
    return spec if isinstance(spec, dict) else {}


class ReviewError(ValueError):
    """An AdmissionReview that cannot be read; ``str()`` names the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class GroupVersionKind(_Model):
    """``request.kind``."""

    group: str = ""
    version: str = ""
    kind: str


class GroupVersionResource(_Model):
    """``request.resource``."""

    group: str = ""
    version: str = ""
    resource: str


class UserInfo(_Model):
    """``request.userInfo``."""

    username: str = ""
    groups: list[str] = Field(default_factory=list)


class AdmissionRequest(_Model):
    """``request`` of an AdmissionReview."""

    uid: str = Field(min_length=1)
    kind: GroupVersionKind
    resource: GroupVersionResource
    sub_resource: str = Field("", alias="subResource")
    name: str = ""
    namespace: str = ""
    operation: str
    user_info: UserInfo = Field(default_factory=UserInfo, alias="userInfo")
    object: dict[str, Any] | None = None
    old_object: dict[str, Any] | None = Field(None, alias="oldObject")
    dry_run: bool = Field(False, alias="dryRun")

    def object_name(self) -> str:
        """The name the API server reports in errors (``extractResourceName``): the request's
        name, else the object's name, else its generateName, else ``Unknown``."""
        if self.name:
            return self.name
        meta = metadata_of(self.object)
        for key in ("name", "generateName"):
            value = meta.get(key)
            if isinstance(value, str) and value:
                return value
        return "Unknown"

    def group_resource(self) -> str:
        """``pods``, ``priorityclasses.scheduling.k8s.io`` (``GroupResource.String()``)."""
        r = self.resource
        return f"{r.resource}.{r.group}" if r.group else r.resource


def parse_review(data: Any) -> AdmissionRequest:
    """The request of an AdmissionReview document; `ReviewError` names what is wrong."""
    if not isinstance(data, dict):
        raise ReviewError("expected an AdmissionReview object")
    if data.get("apiVersion") != API_VERSION or data.get("kind") != KIND:
        raise ReviewError(f"expected apiVersion {API_VERSION} and kind {KIND}")
    request = data.get("request")
    if not isinstance(request, dict):
        raise ReviewError("request: required")
    try:
        parsed = AdmissionRequest.model_validate(request)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReviewError(f"request.{where}: {first['msg']}") from None
    if parsed.operation not in OPERATIONS:
        raise ReviewError(f"request.operation: unsupported value {parsed.operation!r}")
    return parsed


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict of one admission stage (or of the whole chain)."""

    allowed: bool
    code: int = 200
    message: str = ""
    reason: str = ""
    """``Forbidden``, ``Invalid``, ``BadRequest``... for denials."""
    stage: str = ""
    """Which plugin or rule decided (``Priority``, ``NodeRestriction``, ``vigil VA003``...)."""


ALLOW = Decision(True)


@dataclass(slots=True)
class Outcome:
    """The chain's result: the deciding denial (or allowance), patch, warnings, and a trace."""

    decision: Decision = ALLOW
    patch: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    """One line per stage: what it did, for ``--explain``."""


def response(uid: str, outcome: Outcome) -> dict[str, Any]:
    """The AdmissionReview response document."""
    d = outcome.decision
    body: dict[str, Any] = {
        "uid": uid,
        "allowed": d.allowed,
        "status": {"code": d.code, "message": d.message},
    }
    if not d.allowed and d.reason:
        body["status"]["reason"] = d.reason
    if d.allowed and outcome.patch:
        body["patchType"] = "JSONPatch"
        body["patch"] = base64.b64encode(orjson.dumps(outcome.patch)).decode("ascii")
    if outcome.warnings:
        body["warnings"] = list(outcome.warnings)
    return {"apiVersion": API_VERSION, "kind": KIND, "response": body}


def forbidden(request: AdmissionRequest, message: str, stage: str) -> Decision:
    """``admission.NewForbidden``: 403, ``<resource> "<name>" is forbidden: <message>``."""
    return Decision(
        False,
        403,
        f'{request.group_resource()} "{request.object_name()}" is forbidden: {message}',
        "Forbidden",
        stage,
    )


def invalid(request: AdmissionRequest, message: str, stage: str) -> Decision:
    """``errors.NewInvalid``: 422, ``<Kind.group> "<name>" is invalid: <errors>``."""
    k = request.kind
    kind = f"{k.kind}.{k.group}" if k.group else k.kind
    return Decision(
        False, 422, f'{kind} "{request.object_name()}" is invalid: {message}', "Invalid", stage
    )
