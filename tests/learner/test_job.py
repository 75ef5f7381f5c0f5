"""One learning run against a real store: fold, learn on support, publish atomically."""

from __future__ import annotations

import random
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.learner.builders import sample
from vigil.behavior.learn import LearnSettings
from vigil.behavior.wire import encode_batch
from vigil.learner import job as job_module
from vigil.learner import store
from vigil.learner.config import Bounds
from vigil.learner.ingest import check_batch
from vigil.learner.job import LearnJob, run_learn_job

T0 = 1_700_000_000.0
SETTINGS = LearnSettings(min_clients=3, min_windows=2, window_seconds=60.0)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    job_module._CACHE.clear()


def database(tmp_path: Path) -> Path:
    path = tmp_path / "learner.db"
    store.open_store(path)
    return path


def post(path: Path, samples: list[Any], batch_id: str, service: str = "users") -> None:
    checked = check_batch(encode_batch(service, samples), service, Bounds(), batch_id)
    connection = store.connect(path)
    store.store_batch(
        connection,
        service,
        batch_id=checked.batch_id,
        gate="g",
        count=checked.count,
        dropped=0,
        body=checked.stored,
        now=T0,
    )
    connection.close()


def learn(path: Path, relearn: bool = True, **kw: Any) -> job_module.JobResult:
    return run_learn_job(
        LearnJob(database=str(path), service="users", relearn=relearn, settings=SETTINGS, **kw)
    )


def benign(clients: range, windows: int, name: str = "alice") -> list[Any]:
    return [sample(client=c, time=T0 + 60 * w, name=name) for w in range(windows) for c in clients]


def published(path: Path) -> dict[str, Any]:
    connection = store.connect(path)
    row = store.latest_policy(connection, "users")
    connection.close()
    assert row is not None
    return dict(orjson.loads(row.policy))


def test_a_run_folds_learns_and_publishes_in_one_commit(tmp_path: Path) -> None:
    path = database(tmp_path)
    post(path, benign(range(1, 6), 2), "batch-0001")
    result = learn(path)
    assert result.published
    assert result.version == 1
    assert (result.folded, result.pending) == (10, 0)
    policy = published(path)
    assert policy["version"] == 1
    assert policy["service"] == "users"
    assert "query.username" in policy["routes"]["GET /users"]["fields"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM batches WHERE body IS NULL").fetchone() == (
            1,
        )
        assert connection.execute("SELECT cursor FROM statistics").fetchone()[0] > 0
        assert connection.execute("SELECT pending FROM services").fetchone() == (0,)


def test_one_client_never_teaches_a_route(tmp_path: Path) -> None:
    path = database(tmp_path)
    for part in range(2):
        attack = [
            sample("GET /admin", client=666, time=T0 + part * 1000 + i, name="x' OR 1=1")
            for i in range(1000)
        ]
        post(path, attack, f"attack-000{part}")
    result = learn(path)
    assert not result.published
    assert result.version is None
    assert "GET /admin" in result.unpublished


def test_nothing_new_publishes_nothing_new(tmp_path: Path) -> None:
    path = database(tmp_path)
    post(path, benign(range(1, 6), 2), "batch-0001")
    learn(path)
    again = learn(path, relearn=False)
    assert not again.published
    assert again.version == 1


def test_a_run_folds_at_most_per_run_observations(tmp_path: Path) -> None:
    path = database(tmp_path)
    for i in range(3):
        post(path, benign(range(1, 6), 2), f"batch-000{i}")
    result = learn(path, per_run=15)
    assert (result.folded, result.pending) == (10, 20)
    result = learn(path, per_run=100)
    assert (result.folded, result.pending) == (20, 0)


def test_statistics_survive_a_restart(tmp_path: Path) -> None:
    path = database(tmp_path)
    post(path, [sample(client=c, time=T0) for c in (1, 2, 3)], "batch-0001")
    first = learn(path)
    assert first.version is None
    job_module._CACHE.clear()
    post(path, [sample(client=c, time=T0 + 60) for c in (4, 5, 6)], "batch-0002")
    second = learn(path)
    assert second.published
    assert "GET /users" in published(path)["routes"]


def test_a_cursor_moved_during_the_run_makes_it_give_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = database(tmp_path)
    post(path, benign(range(1, 6), 2), "batch-0001")
    learn(path)
    post(path, benign(range(6, 9), 2, name="bob"), "batch-0002")
    fold = job_module._fold

    def fold_then_race(*args: Any) -> tuple[int, int]:
        folded = fold(*args)
        with sqlite3.connect(path) as other:
            other.execute("UPDATE statistics SET cursor = cursor + 100")
        return folded

    monkeypatch.setattr(job_module, "_fold", fold_then_race)
    raced = learn(path)
    assert raced.reason == "raced"
    assert not raced.published
    assert not job_module._CACHE
    with sqlite3.connect(path) as connection:
        assert connection.execute(
            "SELECT COUNT(*) FROM batches WHERE body IS NOT NULL"
        ).fetchone() == (1,)


def test_old_versions_are_pruned(tmp_path: Path) -> None:
    path = database(tmp_path)
    for i in range(4):
        post(path, benign(range(1, 6), 2, name=f"user{i}x"), f"batch-{i:04d}")
        learn(path, policies_kept=2)
    connection = store.connect(path)
    versions = [v for v, *_ in store.policy_versions(connection, "users")]
    connection.close()
    assert len(versions) == 2
    assert versions[0] == max(versions)


def test_a_stored_batch_that_cannot_be_read_is_skipped(tmp_path: Path) -> None:
    path = database(tmp_path)
    post(path, benign(range(1, 6), 2), "batch-0001")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO batches (service, batch_id, gate, received, count, body) "
            "VALUES ('users', 'broken-01', 'g', 1, 7, X'1f8b00')"
        )
        connection.execute("UPDATE services SET pending = pending + 7")
    post(path, benign(range(1, 6), 2, name="bob"), "batch-0002")
    result = learn(path)
    assert result.published
    assert (result.folded, result.pending) == (27, 0)


one_sample = st.builds(
    lambda route, client, window, name, fields: sample(
        route, client=client, time=T0 + 60 * window, name=name, fields=fields
    ),
    st.sampled_from(["GET /users", "GET /items", "POST /users"]),
    st.integers(1, 6),
    st.integers(0, 3),
    st.sampled_from(["alice", "bob", "x' OR 1=1", "carol7"]),
    st.integers(1, 3),
)


def timeless(value: Any) -> Any:
    """A published document without the wall-clock times of the run that learned it."""
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k not in {"changed_at", "mode_since"}}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def learned_routes(samples_per_batch: list[list[Any]]) -> tuple[Any, ...]:
    with tempfile.TemporaryDirectory() as directory:
        path = database(Path(directory))
        for i, samples in enumerate(samples_per_batch):
            if samples:
                post(path, samples, f"batch-{i:04d}")
        job_module._CACHE.clear()
        result = learn(path)
        routes = timeless(published(path)["routes"]) if result.version is not None else {}
        job_module._CACHE.clear()
    return result.version, routes, result.unpublished


@settings(max_examples=25, deadline=None)
@given(st.lists(one_sample, max_size=60), st.integers(1, 8), st.randoms(use_true_random=False))
def test_batches_of_many_gates_in_any_order_learn_the_policy_of_one_place(
    samples: list[Any], gates: int, shuffle: random.Random
) -> None:
    parts: list[list[Any]] = [[] for _ in range(gates)]
    for i, one in enumerate(samples):
        parts[i % gates].append(one)
    batches = [part[i : i + 7] for part in parts for i in range(0, max(len(part), 1), 7)]
    shuffle.shuffle(batches)
    assert learned_routes(batches) == learned_routes([samples])
