"""Policy sources of the CLI: files with their statistics, learners, gate log searches."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from tests.gate.conftest import usernames
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.cli.policy_source import SourceError, alerts_in_logs, source_of
from vigil.gate.core import GateCore, LearnEvery
from vigil.gate.logging import GateLog
from vigil.http.model import Request


@pytest.mark.parametrize(
    ("file", "learner", "service", "needle"),
    [
        (None, None, None, "give a policy FILE, or --learner URL"),
        (Path("p.yaml"), "http://127.0.0.1:1", "users", "not both"),
        (None, "http://127.0.0.1:1", None, "--learner needs --service"),
    ],
)
def test_the_options_name_one_source(
    file: Path | None, learner: str | None, service: str | None, needle: str
) -> None:
    with pytest.raises(SourceError, match=needle):
        source_of(file, learner, service, None)


def test_a_missing_token_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read the token"):
        source_of(None, "http://127.0.0.1:1", "users", tmp_path / "missing")


def test_an_unreachable_learner_is_one_line() -> None:
    source = source_of(None, "http://127.0.0.1:9", "users", None)
    with pytest.raises(SourceError) as caught:
        source.load()
    assert str(caught.value).startswith("GET http://127.0.0.1:9/v1/services/users/policy: ")
    assert "\n" not in str(caught.value)


def test_a_files_progress_comes_from_its_statistics(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    core = GateCore(
        Engine(settings=LearnSettings(min_clients=2, min_windows=1)),
        log=GateLog(io.StringIO()),
        policy_path=path,
        learn_every=LearnEvery(None, None),
    )
    for i, name in enumerate(usernames(12)):
        core.finish(
            core.inspect_request(
                Request("GET", "/users", f"username={name}", [], client=f"10.0.0.{i % 2}")
            )
        )
    core.finish(core.inspect_request(Request("GET", "/admin", "", [], client="192.0.2.1")))
    core.close()
    source = source_of(path, None, None, None)
    progress = source.progress(source.load())
    assert progress is not None
    row = progress.routes["GET /users"]
    assert (row.samples, row.clients, row.state) == (12, 2, "young")
    assert "needs 8 more samples" in row.reason
    assert progress.gathering == ["GET /admin"]
    assert progress.thresholds == (2, 1)
    (tmp_path / "policy.stats.json").write_text("{}")
    with pytest.raises(SourceError, match=r"policy\.stats\.json"):
        source.progress(source.load())


def test_alerts_are_found_in_log_lines_of_their_request(tmp_path: Path) -> None:
    log = tmp_path / "gate.log"
    lines = [
        {"event": "alert", "request_id": "r-1", "verdict": "block", "alerts": [{"code": "V101"}]},
        {"event": "alert", "request_id": "r-12", "verdict": "alert", "alerts": [{"code": "V104"}]},
        {"event": "gate-started", "request_id": "r-1"},
        {"event": "alert", "request_id": "r-1", "verdict": "block", "alerts": [{"code": "V130"}]},
    ]
    log.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\nnot json r-1\n")
    found = alerts_in_logs("r-1", (log,))
    assert [(a["code"], a["verdict"]) for a in found] == [("V101", "block"), ("V130", "block")]
    with pytest.raises(SourceError, match="cannot read"):
        alerts_in_logs("r-1", (tmp_path / "missing.log",))
