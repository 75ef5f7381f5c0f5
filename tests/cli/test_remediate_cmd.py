"""``vigil remediate`` on the multi-team export and alert lines as the gates log them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.fixture import EXPORT, run, run_json

ALERTS = str(Path(EXPORT).parent / "alerts.jsonl")


def test_plan_for_the_multi_team_cluster() -> None:
    data = run_json("remediate", "--alerts", ALERTS, "--cluster", EXPORT)
    actions = {p["pod"]: p["action"] for p in data["pods"]}
    assert actions == {
        "payments/api-7f9c6d8b5-d4h8s": "watch",
        "shop/web-5d8f7b9c44-r7d2l": "evict-and-replace",
        "shop/web-5d8f7b9c44-m8v4x": "watch",
        "shop/web-5d8f7b9c44-kq2nt": "watch",
        "batch/report-20260302": "quarantine",
    }
    api = data["pods"][0]
    assert (api["wanted"], api["pdb"], api["belowBudget"]) == (
        "evict-and-replace",
        "payments/api",
        False,
    )
    assert data["unknownPods"] == ["shop/web-5d8f7b9c44-old99"]
    assert data["now"] == "2026-03-02T10:05:30+00:00"
    assert data["summary"] == "1 evict-and-replace, 1 quarantine, 3 watch"


def test_unhealthy_eviction_goes_below_the_budget_and_says_so() -> None:
    data = run_json("remediate", "--alerts", ALERTS, "--cluster", EXPORT, "--unhealthy-eviction")
    api = next(p for p in data["pods"] if p["pod"].startswith("payments/"))
    assert (api["action"], api["belowBudget"]) == ("evict-and-replace", True)
    assert "below its PodDisruptionBudget" in api["reason"]


def test_text_window_and_errors(tmp_path: Path) -> None:
    code, out, err = run("remediate", "--alerts", ALERTS, "--cluster", EXPORT)
    assert code == 0
    assert out.splitlines()[-1] == "1 evict-and-replace, 1 quarantine, 3 watch"
    assert "note: 1 line(s) that are not JSON skipped" in err
    assert max(len(line) for line in out.splitlines()) <= 120
    data = run_json(
        "remediate", "--alerts", ALERTS, "--cluster", EXPORT, "--now", "2026-03-02T09:01:00Z"
    )
    assert [p["pod"] for p in data["pods"]] == ["shop/web-5d8f7b9c44-kq2nt"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"event": "alert", "timestamp": "2026-03-02T10:00:00Z", "severity": "high"}\n')
    code, _, err = run("remediate", "--alerts", str(bad), "--cluster", EXPORT)
    assert code == 2
    assert err.strip().startswith(f"Error: {bad}: line 1: pod: missing")
    assert run("remediate", "--alerts", ALERTS, "--cluster", EXPORT, "--window", "ten")[0] == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    code, out, _ = run("remediate", "--alerts", str(empty), "--cluster", EXPORT)
    assert (code, out.strip()) == (0, "no alerts")


def test_options_out_of_range_are_usage_errors() -> None:
    for option, value in [
        ("--window", "²m"),
        ("--window", "99999999999999999999999d"),
        ("--disruption-window", "٣h"),
        ("--max-disruptions", "-1"),
        ("--quarantine-score", "-5"),
        ("--evict-score", "0"),
        ("--now", "2026-13-01T00:00:00Z"),
    ]:
        code, _, err = run("remediate", "--alerts", ALERTS, "--cluster", EXPORT, option, value)
        assert code == 2, (option, value)
        assert "Traceback" not in err
        assert option in err, err


def test_a_file_without_alert_events_says_what_it_skipped(tmp_path: Path) -> None:
    """JSON lines that are not the gate's ``alert`` events are not an empty alert stream in
    silence: the user learns that the file held other JSON."""
    other = tmp_path / "other.jsonl"
    other.write_text('{"pod": "shop/web-1"}\n[1]\n{"event": "access"}\n')
    code, out, err = run("remediate", "--alerts", str(other), "--cluster", EXPORT)
    assert (code, out.strip()) == (0, "no alerts")
    assert (
        'note: 3 JSON line(s) are not alert events ({"event": "alert", ...} as the gate logs '
        "them): skipped"
    ) in err
