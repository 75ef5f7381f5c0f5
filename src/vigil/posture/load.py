"""Reading a posture policy file (and a suppressions file): YAML in, validated models or one
clear error out."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from vigil.posture.policy import API_VERSION, KIND, PosturePolicy, Suppression

MAX_POLICY_BYTES = 1 << 20
"""A policy or suppressions file larger than 1 MiB is refused before it is parsed."""


class PolicyError(ValueError):
    """An unusable policy; ``str()`` is one line: ``<file>: <field>: <problem>``."""


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top)"


def _yaml(text: str, source: str) -> Any:
    if len(text.encode("utf-8", "replace")) > MAX_POLICY_BYTES:
        raise PolicyError(f"{source}: larger than {MAX_POLICY_BYTES} bytes")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(
            f"{source}:{where} invalid YAML: {getattr(exc, 'problem', exc)}"
        ) from None


def _error(exc: ValidationError, source: str, prefix: tuple[int | str, ...] = ()) -> PolicyError:
    first = exc.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    return PolicyError(f"{source}: {_location((*prefix, *first['loc']))}: {message}")


def parse_policy(text: str, source: str = "<policy>") -> PosturePolicy:
    """Validate a policy document; the first problem becomes a `PolicyError`."""
    data = _yaml(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: expected a mapping (apiVersion: {API_VERSION}, kind: {KIND})")
    try:
        return PosturePolicy.model_validate(data)
    except ValidationError as exc:
        raise _error(exc, source) from None


def parse_suppressions(text: str, source: str = "<suppressions>") -> list[Suppression]:
    """A suppressions file: ``suppressions: [{check, namespace, kind, name, reason, expires}]``."""
    data = _yaml(text, source)
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("suppressions", []), list):
        raise PolicyError(f"{source}: expected a mapping with a list 'suppressions'")
    extra = sorted(set(data) - {"suppressions"})
    if extra:
        raise PolicyError(f"{source}: {extra[0]}: unknown field (expected suppressions)")
    out = []
    for i, item in enumerate(data.get("suppressions") or []):
        try:
            out.append(Suppression.model_validate(item))
        except ValidationError as exc:
            raise _error(exc, source, ("suppressions", i)) from None
    return out
