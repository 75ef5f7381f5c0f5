"""What ``vigil learner serve`` needs: where it listens and stores, its bounds and cadence.

Every bound the learner keeps is here with its default, so docs/learner.md, the OpenAPI
document and the code agree; over a bound a request gets 413 or 429 problem+json and nothing
grows. A configuration file (YAML) may give any of these; the command line overrides it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vigil.behavior.promotion import PromotionConfig
from vigil.configfile import (
    ConfigFileError,
    read_config_file,
    relative_to,
    split_host_port,
    validation_message,
)


class LearnerConfigError(ValueError):
    """A configuration that cannot be used; the message names the file, field and problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(_Section):
    """Everything the learner bounds; see docs/learner.md for what happens past each one."""

    request_bytes: int = Field(4 << 20, ge=1024, le=64 << 20)
    """Largest request body (a batch of observations or alerts, a decision): else 413."""
    observations_per_batch: int = Field(1000, ge=1, le=100_000)
    """Observations in one POST: else 413."""
    alerts_per_batch: int = Field(1000, ge=1, le=100_000)
    """Alert records in one POST: else 413."""
    fields_per_observation: int = Field(512, ge=1, le=100_000)
    """Fields (keys) of one observed request or response: else 413."""
    routes_per_service: int = Field(4096, ge=1, le=1_000_000)
    """Route keys a service's statistics keep; observations of further new routes are counted
    under one ``METHOD /{other}`` route per method (``vigil.behavior.statistics.Bounds``)."""
    keys_per_route: int = Field(256, ge=1, le=100_000)
    """Fields learned per route; further field names are counted, not kept."""
    fields_per_service: int = Field(16_384, ge=1, le=10_000_000)
    """Fields kept over all routes of a service (each costs about 4 KiB of statistics)."""
    pending_observations: int = Field(2_000_000, ge=1000, le=1_000_000_000)
    """Observations stored but not learned yet, per service: beyond it 429 with Retry-After."""
    queued_bytes: int = Field(64 << 20, ge=1 << 20, le=4 << 30)
    """Request bodies waiting for the writer: beyond it 429 (the store is behind)."""
    alerts_kept: int = Field(10_000, ge=1, le=10_000_000)
    """Alert records kept per service; the oldest are deleted."""
    policies_kept: int = Field(100, ge=2, le=100_000)
    """Policy versions kept per service; the oldest are deleted."""
    decisions_per_service: int = Field(10_000, ge=1, le=1_000_000)
    """Operator decisions per service: beyond it 429."""
    services: int = Field(1000, ge=1, le=1_000_000)
    """Services the learner knows: further ones are refused with 429 (``--insecure-dev``)."""
    batch_ids_kept_seconds: float = Field(86_400.0, ge=60.0)
    """How long the ids of stored batches are kept, so a gate's retry is not counted twice."""
    long_poll_seconds: float = Field(60.0, gt=0, le=600)
    """Longest wait of one policy long poll (``?wait=``)."""
    handler_seconds: float = Field(30.0, gt=0, le=600)
    """Longest handling of one request (long polls add their wait): else 503."""
    waiters: int = Field(10_000, ge=1, le=1_000_000)
    """Long polls held at once: beyond it 429."""


class LearnCadence(_Section):
    """When the learner learns a service's next policy."""

    seconds: float = Field(30.0, gt=0, le=86_400)
    """Learn every this many seconds when new observations arrived."""
    observations: int = Field(50_000, ge=1)
    """...or as soon as this many new observations are stored."""
    per_run: int = Field(200_000, ge=1000)
    """Most observations folded in one run (the rest wait for the next one)."""
    timeout_seconds: float = Field(600.0, gt=0)
    """Longest learning run; a run past it is abandoned and its worker replaced."""
    worker: Literal["process", "thread"] = "process"
    """Learn in a separate process (the default: handlers keep a core) or a thread."""


class Thresholds(_Section):
    """What admits a pattern into a policy: K distinct clients in W distinct time windows."""

    clients: int = Field(3, ge=1, le=64)
    windows: int = Field(2, ge=1, le=64)
    window_seconds: float = Field(600.0, gt=0, le=86_400 * 7)


class LearnerConfig(_Section):
    """Everything ``vigil learner serve`` takes, as a file or as options."""

    listen: str = "127.0.0.1:7070"
    database: Path = Path("vigil-learner.db")
    tokens: Path | None = None
    """YAML file of bearer tokens (docs/learner.md); required unless ``insecure_dev``."""
    insecure_dev: bool = False
    """No authentication at all; refused on any address but loopback."""
    sync: Literal["full", "normal"] = "full"
    """SQLite ``synchronous``: ``full`` syncs the write-ahead log at every commit, so an
    acknowledged batch survives a power loss as well as a crash; ``normal`` survives a crash."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    check_processes: int = Field(2, ge=0, le=64)
    """Processes that check posted batches beside the event loop (0: threads of the server)."""
    bounds: Bounds = Field(default_factory=Bounds)
    learn: LearnCadence = Field(default_factory=LearnCadence)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    promotion: PromotionConfig = Field(default_factory=PromotionConfig)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        split_host_port(value)
        return value


def parse_learner_config(data: Any, source: str, base: Path | None = None) -> LearnerConfig:
    """Validate configuration data; relative paths are taken from ``base`` when given."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LearnerConfigError(f"{source}: expected a mapping of options")
    if base is not None:
        data = dict(data)
        for key in ("database", "tokens"):
            if key in data:
                data[key] = relative_to(base, data[key])
    try:
        return LearnerConfig.model_validate(data)
    except ValidationError as exc:
        raise LearnerConfigError(validation_message(exc, source)) from None


def load_learner_config(path: str | Path) -> LearnerConfig:
    """Read and validate a configuration file; errors name the file, field and problem."""
    path = Path(path)
    try:
        data = read_config_file(path)
    except ConfigFileError as exc:
        raise LearnerConfigError(str(exc)) from None
    return parse_learner_config(data, str(path), path.resolve().parent)


def override(config: LearnerConfig, given: dict[str, Any], source: str) -> LearnerConfig:
    """``config`` with the options in ``given`` replaced (nested sections merged)."""
    if not given:
        return config
    data = config.model_dump()
    for key, value in given.items():
        if isinstance(value, dict):
            data[key] = {**data.get(key, {}), **value}
        else:
            data[key] = value
    try:
        return LearnerConfig.model_validate(data)
    except ValidationError as exc:
        raise LearnerConfigError(validation_message(exc, source)) from None
