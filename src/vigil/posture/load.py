"""Reading a posture policy file: YAML in, a validated `PosturePolicy` or one clear error out."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from vigil.posture.policy import API_VERSION, KIND, PosturePolicy

MAX_POLICY_BYTES = 1 << 20
"""A policy file larger than 1 MiB is refused before it is parsed."""


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


def parse_policy(text: str, source: str = "<policy>") -> PosturePolicy:
    """Validate a policy document; the first problem becomes a `PolicyError`."""
    if len(text.encode("utf-8", "replace")) > MAX_POLICY_BYTES:
        raise PolicyError(f"{source}: larger than {MAX_POLICY_BYTES} bytes")
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(
            f"{source}:{where} invalid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: expected a mapping (apiVersion: {API_VERSION}, kind: {KIND})")
    try:
        return PosturePolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise PolicyError(f"{source}: {_location(tuple(first['loc']))}: {message}") from None
