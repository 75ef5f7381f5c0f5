"""Reading an operator's YAML configuration file: bounded, UTF-8, errors with the line.

The gate and the learner both take a config file (``vigil gate --config``, ``vigil learner
serve --config``). Reading one is the same job for both: at most :data:`MAX_CONFIG_BYTES`, UTF-8,
safe YAML, and an error that is one line naming the file (and the line for a YAML error), so
the command can print it and exit 2. Each service validates the data with its own model;
:func:`validation_message` says its first problem the same way for both, and
:func:`relative_to` takes a relative path in the file from the file's folder, and
:func:`split_host_port` reads a listen address.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

MAX_CONFIG_BYTES = 1 << 20
"""Largest configuration file read (1 MiB); a larger one is refused, never read whole."""


class ConfigFileError(ValueError):
    """A configuration file that cannot be read; the message is one line naming it."""


def read_config_file(path: str | Path) -> Any:
    """The YAML data of ``path`` (any type: the caller's model checks its shape)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigFileError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes")
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigFileError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigFileError(
            f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}"
        ) from None


def validation_message(exc: ValidationError, source: str) -> str:
    """The first problem of a validated config as one line: ``source: field.path: problem``."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top)"
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown option"
    return f"{source}: {where}: {message}"


def relative_to(base: Path, value: Any) -> Any:
    """``value`` taken from ``base`` when it is a relative path; anything else unchanged."""
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return str(base / value)
    return value


def split_host_port(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) into a host and a port; ValueError says why."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT with a port 0-65535, got {value!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"invalid host in {value!r}")
    return host, int(port)
