"""The gate's configuration file: every option of ``vigil gate`` in one validated YAML file.

A sidecar is easier to run from a file mounted from a ConfigMap than from a long command line,
and a typo in that file must stop the gate before it listens, with one line that names the
file, the field and the problem. Options given on the command line override the file's.
Relative paths in the file (the policy, the learner's token file) are read relative to the
file's own directory, so a configuration directory can be moved as a whole.

The file is checked by pydantic (unknown keys are errors, not silently ignored); the same
models describe the options whatever their source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vigil.behavior.decision import Mode
from vigil.behavior.identity import IdentityError, IdentitySource
from vigil.behavior.learn import LearnSettings
from vigil.behavior.promotion import PromotionConfig
from vigil.configfile import (
    ConfigFileError,
    read_config_file,
    relative_to,
    split_host_port,
    validation_message,
)
from vigil.gate.proxy_config import ProxyConfig, UpstreamError, parse_upstream
from vigil.gate.reload import RELOAD_SECONDS
from vigil.jsonlog import LEVELS

LOG_LEVELS = LEVELS
"""Log levels the gate accepts, least severe first."""


class GateConfigError(ValueError):
    """A configuration that cannot be used; the message names the file, field and problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LearnerLink(_Section):
    """Where the gate sends its observations and fetches its service's policy."""

    url: str
    """Base URL of ``vigil learner serve``, e.g. ``http://vigil-learner:7070``."""
    service: str = Field(pattern=r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")
    """The protected service's name (one policy per service), e.g. ``users``."""
    token_file: Path | None = None
    """File holding the service's bearer token (a mounted Secret); none in ``--insecure-dev``."""
    connect_timeout: float = Field(2.0, gt=0, le=60)
    read_timeout: float = Field(5.0, gt=0, le=300)
    """Longest silence of the learner while a call is in progress."""
    flush_seconds: float = Field(2.0, gt=0, le=3600)
    """Observations are sent at least this often (and whenever a batch is full)."""
    batch_size: int = Field(500, ge=1, le=1000)
    """Observations per POST (the learner refuses more than 1000)."""
    buffer: int = Field(10_000, ge=1, le=1_000_000)
    """Observations held while the learner is away; more are dropped and counted."""
    buffer_bytes: int = Field(64 << 20, ge=1 << 20, le=4 << 30)
    """...and the bytes they may hold (bodies and fields, estimated), whatever their count."""
    poll_seconds: float = Field(30.0, gt=0, le=300)
    """Longest wait of one policy long poll (the learner may answer sooner)."""
    backoff_max: float = Field(30.0, gt=0, le=3600)
    """Longest pause between two attempts while the learner fails (with full jitter)."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            return str(parse_upstream(value))
        except UpstreamError as exc:
            raise ValueError(str(exc).replace("upstream URL", "learner URL")) from None


class ClientIdentity(_Section):
    """Who a request's client is, as learning counts distinct clients (docs/learner.md)."""

    source: Literal["peer", "forwarded", "header"] = "peer"
    """``peer``: the TCP peer; ``forwarded``: the first address of X-Forwarded-For that is not
    a trusted proxy; ``header``: a header set by the authentication layer in front."""
    trusted_proxies: list[str] = Field(default_factory=list, max_length=256)
    """Addresses or CIDRs of the proxies whose X-Forwarded-For entries are believed."""
    header: str = ""
    """The header naming the authenticated client (``header`` source)."""
    key_file: Path | None = None
    """A secret shared by the gates of a service: client digests are keyed with it."""

    @model_validator(mode="after")
    def _usable(self) -> ClientIdentity:
        try:
            IdentitySource.parse(self.source, self.trusted_proxies, self.header)
        except IdentityError as exc:
            raise ValueError(str(exc)) from None
        return self

    def identity(self) -> IdentitySource:
        """The validated identity source."""
        return IdentitySource.parse(self.source, self.trusted_proxies, self.header)


_PROXY = ProxyConfig(upstream="http://127.0.0.1")


class AvailabilityBounds(_Section):
    """What one client or one slow route may hold (docs/gate.md, "Availability").

    The names are those of the ``--max-*``, ``--*-timeout``, ``--*-body-rate*`` and ``--route-*``
    options and of :class:`~vigil.gate.proxy_config.ProxyConfig`, whose defaults they keep.
    """

    max_connections: int = Field(_PROXY.max_connections, ge=1)
    max_client_connections: int = Field(_PROXY.max_client_connections, ge=0)
    max_in_flight: int = Field(_PROXY.max_in_flight, ge=1)
    max_client_in_flight: int = Field(_PROXY.max_client_in_flight, ge=0)
    max_receiving: int | None = Field(_PROXY.max_receiving, ge=0)
    refusal_hold: float = Field(_PROXY.refusal_hold, ge=0)
    first_byte_timeout: float = Field(_PROXY.first_byte_timeout, ge=0.001)
    send_timeout: float = Field(_PROXY.send_timeout, ge=0.001)
    min_body_rate: float = Field(_PROXY.min_body_rate, ge=0)
    body_rate_grace: float = Field(_PROXY.body_rate_grace, ge=0)
    upstream_connections: int = Field(_PROXY.upstream_connections, ge=1)
    route_concurrency: int | None = Field(_PROXY.route_concurrency, ge=0)
    route_queue: int | None = Field(_PROXY.route_queue, ge=0)


class GateConfig(_Section):
    """Everything ``vigil gate`` takes, as a file or as options."""

    upstream: str | None = None
    """Base URL of the protected service (required from the file or ``--upstream``)."""
    listen: str = "127.0.0.1:8000"
    metrics_listen: str | None = None
    policy: Path | None = None
    mode: Mode | None = None
    learn_every: int = Field(1000, ge=0)
    learn_seconds: float = Field(60.0, ge=0)
    workers: int = Field(1, ge=1, le=256)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    watch_policy: bool = True
    """Reload the policy file when it changes (SIGHUP reloads it in any case), keeping the
    last good one."""
    rules: Path | None = None
    """Rule file (virtual patches and signatures, docs/signatures.md), reloaded when it changes."""
    signatures: bool = True
    """Run the built-in attack detectors on requests and leak detectors on responses."""
    reload_seconds: float = Field(RELOAD_SECONDS, ge=0.1, le=3600)
    """How often the policy and rule files are checked for changes."""
    bounds: AvailabilityBounds = Field(default_factory=AvailabilityBounds)
    learner: LearnerLink | None = None
    client: ClientIdentity = Field(default_factory=ClientIdentity)
    min_clients: int = Field(LearnSettings().min_clients, ge=1, le=64)
    """Distinct clients that must show a route, field or character before it is learned."""
    min_windows: int = Field(LearnSettings().min_windows, ge=1, le=64)
    """...in at least this many distinct time windows."""
    window_seconds: float = Field(LearnSettings().window_seconds, gt=0, le=7 * 86_400)
    """Length of a learning time window."""
    promotion: PromotionConfig = Field(default_factory=PromotionConfig)
    """When routes learned locally move learn -> detect (-> enforce), as a learner's do."""

    def learn_settings(self) -> LearnSettings:
        """The local learning settings of this configuration."""
        return LearnSettings(
            min_clients=self.min_clients,
            min_windows=self.min_windows,
            window_seconds=self.window_seconds,
        )

    @field_validator("upstream")
    @classmethod
    def _upstream(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_upstream(value)
            except UpstreamError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("listen", "metrics_listen")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None:
            split_host_port(value)
        return value

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in {m.value for m in Mode}:
            raise ValueError(f"expected one of {', '.join(m.value for m in Mode)}, got {value!r}")
        return value


def parse_gate_config(data: Any, source: str, base: Path | None = None) -> GateConfig:
    """Validate configuration data; relative paths are taken from ``base`` when given."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise GateConfigError(f"{source}: expected a mapping of options, got {type(data).__name__}")
    if base is not None:
        data = dict(data)
        data["policy"] = relative_to(base, data.get("policy"))
        data["rules"] = relative_to(base, data.get("rules"))
        for section, key in (("learner", "token_file"), ("client", "key_file")):
            part = data.get(section)
            if isinstance(part, dict) and key in part:
                data[section] = {**part, key: relative_to(base, part[key])}
    try:
        return GateConfig.model_validate(data)
    except ValidationError as exc:
        raise GateConfigError(validation_message(exc, source)) from None


def load_gate_config(path: str | Path) -> GateConfig:
    """Read and validate a configuration file; errors name the file, the field and the problem."""
    path = Path(path)
    try:
        data = read_config_file(path)
    except ConfigFileError as exc:
        raise GateConfigError(str(exc)) from None
    return parse_gate_config(data, str(path), path.resolve().parent)


def override(config: GateConfig, given: dict[str, Any], source: str = "options") -> GateConfig:
    """``config`` with the options in ``given`` (those set on the command line) replaced."""
    if not given:
        return config
    data = config.model_dump()
    for section in ("learner", "client", "bounds", "promotion"):
        part = given.pop(section, None)
        if part:
            data[section] = {**(data.get(section) or {}), **part}
    data.update(given)
    try:
        return GateConfig.model_validate(data)
    except ValidationError as exc:
        raise GateConfigError(validation_message(exc, source)) from None
