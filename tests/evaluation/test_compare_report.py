"""The comparison's tables: each says what its rows are, in text and JSON."""

from __future__ import annotations

from vigil.evaluation.compare import LabelledSet, Outcome, SetKind, Verdict
from vigil.evaluation.compare_report import json_report, text_report

SYSTEMS = ("CRS PL1", "model", "signatures", "both")
STOP = Verdict(Outcome.BLOCKED)
PASS = Verdict(Outcome.PASSED)
REFUSE = Verdict(Outcome.REFUSED)


def labelled(
    name: str,
    kind: SetKind,
    rows: list[tuple[str, dict[str, Verdict]]],
    systems: tuple[str, ...] = SYSTEMS,
) -> LabelledSet:
    out = LabelledSet(name, kind, f"what {name} is", label=f"{name} row", systems=systems)
    for klass, verdicts in rows:
        out.add(klass, verdicts, lambda: "GET /x")
    return out


def everyone(verdict: Verdict, **others: Verdict) -> dict[str, Verdict]:
    return {s: others.get(s.replace(" ", "_"), verdict) for s in SYSTEMS}


def sets() -> list[LabelledSet]:
    return [
        labelled(
            "attacks",
            SetKind.DETECTION,
            [
                ("sqli", everyone(STOP)),
                ("sqli", everyone(PASS, signatures=STOP, both=STOP)),
                ("xss", everyone(STOP, CRS_PL1=PASS)),
                ("scanner", everyone(PASS)),
            ],
        ),
        labelled(
            "normal",
            SetKind.BENIGN,
            [("n", everyone(PASS))] * 3 + [("n", everyone(PASS, CRS_PL1=REFUSE))],
        ),
        labelled(
            "near",
            SetKind.NEAR_MISS,
            [("sqli", {"CRS PL1": STOP, "signatures": PASS})],
            systems=("CRS PL1", "signatures"),
        ),
    ]


def test_three_tables_each_saying_what_it_measures() -> None:
    text = "\n".join(text_report(sets(), SYSTEMS))
    assert "DETECTION: share of attacks stopped (higher is better)" in text
    assert "FALSE POSITIVES: share of requests known to be benign that were stopped" in text
    assert "NEAR-MISSES (mixed: one CRS rule must not fire" in text
    assert "neither a false-positive nor a detection rate" in text
    assert text.index("DETECTION") < text.index("FALSE POSITIVES") < text.index("NEAR-MISSES")


def test_rows_per_family_with_the_headline_over_payload_families() -> None:
    lines = text_report(sets(), SYSTEMS)
    row = {line.split()[0]: line.split() for line in lines if line.startswith("    ")}
    assert row["sqli"] == ["sqli", "2", "50.00%", "50.00%", "100.00%", "100.00%"]
    assert row["xss"] == ["xss", "1", "0.00%", "100.00%", "100.00%", "100.00%"]
    families = next(line for line in lines if "all payload families" in line).split()
    assert families[3:] == ["3", "33.33%", "66.67%", "100.00%", "100.00%"]


def test_false_positives_show_counts_and_refusals_apart() -> None:
    lines = text_report(sets(), SYSTEMS)
    normal = next(line for line in lines if line.startswith("  normal row"))
    assert normal.split()[2:] == [
        "4",
        "25.000%",
        "(1)",
        "0.000%",
        "(0)",
        "0.000%",
        "(0)",
        "0.000%",
        "(0)",
    ]
    assert "    normal: CRS PL1 1" in lines


def test_systems_that_do_not_apply_are_marked() -> None:
    near = next(line for line in text_report(sets(), SYSTEMS) if line.startswith("  near row"))
    assert near.split()[2:] == ["1", "100.00%", "n/a", "0.00%", "n/a"]


def test_the_legend_and_examples() -> None:
    lines = text_report(sets(), SYSTEMS, examples=1)
    assert "  normal: what normal is" in lines
    assert "normal: CRS PL1 false positives (first ones):" in lines
    assert "attacks: CRS PL1 missed (first ones):" in lines
    assert "near: CRS PL1 flagged (first ones):" in lines


def test_json_keeps_kind_systems_and_counts() -> None:
    report = json_report(sets())
    assert report["near"]["kind"] == "near-miss"
    assert report["normal"]["classes"]["n"]["refused"]["CRS PL1"] == 1
    assert report["attacks"]["classes"]["sqli"]["flagged"] == {
        "CRS PL1": 1,
        "model": 1,
        "signatures": 2,
        "both": 2,
    }
