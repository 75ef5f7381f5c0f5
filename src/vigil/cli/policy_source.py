"""Where ``vigil policy`` reads and writes a policy: a file, or a service at a learner.

A gate that learns locally keeps its policy in a file (and its statistics beside it, in
``policy.stats.json``); gates that follow a learner get the service's policy from it. The policy
commands take either (``FILE`` or ``--learner URL --service NAME``) and do the same thing with
both: show the policy and its learning progress, find the alerts of one request (in the gate's
log files, or at the learner), and apply an operator decision (rewrite the file, which a running
gate reloads, or record it at the learner, which publishes a new version).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from vigil.behavior.learn import LearnSettings
from vigil.behavior.operator import RouteDecision
from vigil.behavior.policy import Policy, PolicyError, load_policy, save_policy
from vigil.behavior.progress import Readiness, learning_progress
from vigil.behavior.wire import WireError, decode_statistics
from vigil.learner.client import LearnerClient, LearnerClientError, read_operator_token

MAX_LOG_LINE = 1 << 20
"""Longest log line read when searching a request's alerts (longer lines are skipped)."""

F = TypeVar("F", bound=Callable[..., Any])


class SourceError(click.ClickException):
    """A policy, log or learner the command cannot use; exits with code 2."""

    exit_code = 2


def learner_options(function: F) -> F:
    """``--learner``, ``--service`` and ``--token-file``, for commands that talk to a learner."""
    options = [
        click.option(
            "--learner",
            "learner_url",
            default=None,
            metavar="URL",
            help="Use the service's policy at this learner instead of a file.",
        ),
        click.option("--service", default=None, help="The service at the learner."),
        click.option(
            "--token-file",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            envvar="VIGIL_TOKEN_FILE",
            help="File holding an operator token (default: $VIGIL_TOKEN).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@dataclass(frozen=True, slots=True)
class RouteRow:
    """The learning progress of one route, as printed."""

    route: str
    samples: int
    clients: int
    windows: int
    state: str
    reason: str


@dataclass(frozen=True, slots=True)
class Progress:
    """Learning progress: published routes, and how many still gather support."""

    routes: dict[str, RouteRow]
    gathering: list[str]
    thresholds: tuple[int, int]


@dataclass(frozen=True, slots=True)
class PolicySource:
    """A policy file, or a service at a learner."""

    file: Path | None = None
    client: LearnerClient | None = None
    service: str = ""

    @property
    def name(self) -> str:
        """How messages name the source."""
        if self.file is not None:
            return str(self.file)
        assert self.client is not None
        return f"{self.client.url} service {self.service}"

    def load(self, version: int | None = None) -> Policy:
        """The policy (or, at a learner, a kept version of it)."""
        if self.file is not None:
            try:
                return load_policy(self.file)
            except PolicyError as exc:
                raise SourceError(str(exc)) from None
        assert self.client is not None
        try:
            return self.client.policy(self.service, version)
        except LearnerClientError as exc:
            raise SourceError(str(exc)) from None

    def progress(self, policy: Policy) -> Progress | None:
        """Learning progress per route (None when nothing tells it: a file without statistics)."""
        if self.file is not None:
            return _file_progress(self.file, policy)
        assert self.client is not None
        try:
            data = self.client.routes(self.service)
        except LearnerClientError as exc:
            raise SourceError(str(exc)) from None
        rows = {
            r["route"]: RouteRow(
                r["route"],
                int(r.get("samples", 0)),
                int(r.get("clients", 0)),
                int(r.get("windows", 0)),
                str(r.get("state", "")),
                str(r.get("reason", "")),
            )
            for r in data.get("routes", [])
        }
        return Progress(rows, list(data.get("unpublished", [])), (0, 0))

    def alerts(self, request_id: str, logs: tuple[Path, ...]) -> list[dict[str, Any]]:
        """The alerts of one request: from the gate's log files, else from the learner."""
        if logs:
            return alerts_in_logs(request_id, logs)
        if self.client is None:
            raise SourceError("give the gate's log file(s) with --log, or --learner URL")
        try:
            return self.client.alerts(self.service, request_id)
        except LearnerClientError as exc:
            raise SourceError(str(exc)) from None

    def apply(self, after: Policy, decisions: list[tuple[str, RouteDecision]]) -> str:
        """Make the decisions take effect; returns what was done, in words."""
        if self.file is not None:
            save_policy(after, self.file)
            return f"{self.file} written; a gate watching it reloads it"
        assert self.client is not None
        ids = []
        for route, decision in decisions:
            try:
                ids.append(self.client.decide(self.service, route, decision))
            except LearnerClientError as exc:
                raise SourceError(str(exc)) from None
        return (
            f"recorded decision(s) {', '.join(map(str, ids))} at {self.client.url}; "
            "the learner publishes a new version"
        )


def source_of(
    file: Path | None, learner_url: str | None, service: str | None, token_file: Path | None
) -> PolicySource:
    """The source the options name; SourceError when they name none, or both."""
    if file is not None and learner_url is not None:
        raise SourceError("give a policy FILE or --learner URL, not both")
    if file is not None:
        return PolicySource(file=file)
    if learner_url is None:
        raise SourceError("give a policy FILE, or --learner URL with --service NAME")
    if not service:
        raise SourceError("--learner needs --service NAME")
    try:
        token = read_operator_token(token_file)
    except LearnerClientError as exc:
        raise SourceError(str(exc)) from None
    return PolicySource(client=LearnerClient(learner_url, token), service=service)


def _file_progress(path: Path, policy: Policy) -> Progress | None:
    stats_path = path.with_name(f"{path.stem}.stats.json")
    try:
        data = stats_path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SourceError(f"{stats_path}: cannot read: {exc.strerror}") from None
    try:
        statistics = decode_statistics(data)
    except WireError as exc:
        raise SourceError(f"{stats_path}: {exc}") from None
    limits = statistics.thresholds
    settings = LearnSettings(
        min_clients=limits.clients,
        min_windows=limits.windows,
        window_seconds=statistics.window_seconds,
    )
    rows: dict[str, RouteRow] = {}
    gathering: list[str] = []
    for p in learning_progress(statistics, policy, settings):
        if p.state is Readiness.GATHERING:
            gathering.append(p.route)
        else:
            rows[p.route] = RouteRow(
                p.route, p.samples, p.clients, p.windows, p.state.value, p.reason
            )
    return Progress(rows, gathering, (limits.clients, limits.windows))


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        for line in handle:
            if len(line) <= MAX_LOG_LINE:
                yield line


def alerts_in_logs(request_id: str, logs: tuple[Path, ...]) -> list[dict[str, Any]]:
    """The alerts logged for ``request_id`` in gate log files (JSON lines)."""
    needle = request_id.encode()
    found: list[dict[str, Any]] = []
    for path in logs:
        try:
            for line in _lines(path):
                if needle not in line:
                    continue
                try:
                    entry = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if (
                    isinstance(entry, dict)
                    and entry.get("event") == "alert"
                    and entry.get("request_id") == request_id
                ):
                    verdict = entry.get("verdict", "")
                    found.extend(
                        {**a, "verdict": verdict}
                        for a in entry.get("alerts", [])
                        if isinstance(a, dict)
                    )
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    return found


def with_source(function: F) -> F:
    """Turn the learner options into a ``source`` argument (a FILE argument comes first)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["source"] = source_of(
            kwargs.pop("file", None),
            kwargs.pop("learner_url"),
            kwargs.pop("service"),
            kwargs.pop("token_file"),
        )
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
