"""``vigil eval --compare``: the learned model, the built-in detectors and both, per attack class.

Learns from CSIC 2010's normal training traffic, then judges, in enforce mode and with each of
the three configurations: CSIC's anomalous and normal test sets; the OWASP CRS regression
payloads placed into CSIC normal requests (per CRS rule family, and their benign near-misses);
the CRS requests as sent (signatures only: no model knows their made-up routes); and the CRS
response tests with the leak detectors. Prints one table per set, or JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click

from vigil.behavior.engine import Engine
from vigil.evaluation.compare import CONFIGS, PAYLOAD_FAMILIES, Judges, LabelledSet, judge
from vigil.evaluation.crs_corpus import CorpusError, CrsCase, read_corpus
from vigil.evaluation.crs_placement import hosts, place_all
from vigil.evaluation.detection import train
from vigil.evaluation.rawhttp import read_capture

Echo = Callable[[str], None]


def _progress(phase: str, count: int) -> None:
    click.echo(f"  {phase}: {count} requests", err=True)


def _crs_sets(
    judges: Judges, cases: list[CrsCase], carriers_path: Path
) -> tuple[list[LabelledSet], LabelledSet]:
    carriers = hosts(read_capture(carriers_path))
    placed_attacks = LabelledSet("crs-placed-attacks", attack=True)
    placed_benign = LabelledSet("crs-placed-benign", attack=False)
    sent_attacks = LabelledSet("crs-sent-attacks", attack=True, configs=("signatures",))
    sent_benign = LabelledSet("crs-sent-benign", attack=False, configs=("signatures",))
    leaks = LabelledSet("crs-responses", attack=True, configs=("signatures",))
    request_cases = [c for c in cases if c.response is None]
    click.echo(f"judging {len(request_cases)} CRS requests, placed and as sent...", err=True)
    for placed in place_all(request_cases, carriers):
        case = placed.case
        if case.attack and case.family in PAYLOAD_FAMILIES:
            judge(judges, placed_attacks, [(case.family, placed.request)])
        elif not case.attack:
            judge(judges, placed_benign, [(case.family, placed.request)])
    for case in request_cases:
        target = sent_attacks if case.attack else sent_benign
        judge(judges, target, [(case.family, case.request)], learned=False)
    for case in cases:
        if case.response is not None and case.attack:
            verdict = {"signatures": judges.response(case.response)}
            leaks.add(case.family, verdict, partial(str, case.name))
    return [placed_attacks, placed_benign, sent_attacks, sent_benign], leaks


def _rate(value: float, benign: bool) -> str:
    return f"{value:8.3%}" if benign else f"{value:8.2%}"


def _table(labelled: LabelledSet, title: str, headline: tuple[str, ...] | None = None) -> list[str]:
    configs = labelled.configs
    benign = not labelled.attack
    lines = [title, f"  {'class':22s} {'requests':>8s} " + " ".join(f"{c:>10s}" for c in configs)]
    for klass in sorted(labelled.classes, key=lambda k: (-labelled.classes[k].total, k)):
        tally = labelled.classes[klass]
        cells = " ".join(f"{_rate(tally.rate(c), benign):>10s}" for c in configs)
        lines.append(f"  {klass:22s} {tally.total:8d} {cells}")
    total = labelled.overall(headline)
    label = "all payload classes" if headline is not None else "all"
    cells = " ".join(f"{_rate(total.rate(c), benign):>10s}" for c in configs)
    lines.append(f"  {label:22s} {total.total:8d} {cells}")
    if labelled.attack and len(labelled.classes) > 1:
        means = " ".join(f"{_rate(labelled.mean_rate(c, headline), benign):>10s}" for c in configs)
        lines.append(f"  {'mean of classes':22s} {'':8s} {means}")
    flagged = " ".join(f"{total.flagged[c]:>10d}" for c in configs)
    lines.append(f"  {'(requests flagged)':22s} {'':8s} {flagged}")
    return lines


def _set_json(labelled: LabelledSet) -> dict[str, Any]:
    return {
        "attack": labelled.attack,
        "configs": list(labelled.configs),
        "classes": {
            name: {"requests": t.total, "flagged": {c: t.flagged[c] for c in labelled.configs}}
            for name, t in sorted(labelled.classes.items())
        },
        "examples": labelled.examples,
    }


def run_comparison(paths: dict[str, Path], crs_dir: Path, output: str, examples: int) -> None:
    """Learn on CSIC, judge every set with the three configurations and print the tables."""
    started = time.perf_counter()
    engine = Engine()
    click.echo("learning from normal training traffic...", err=True)
    trained = train(engine, read_capture(paths["train"]), _progress)
    judges = Judges(engine.policy)
    click.echo("judging CSIC test traffic with the model, the signatures and both...", err=True)
    anomalous = judge(
        judges,
        LabelledSet("csic-anomalous", attack=True),
        (("anomalous", r) for r in read_capture(paths["anomalous"])),
        _progress,
    )
    normal = judge(
        judges,
        LabelledSet("csic-normal", attack=False),
        (("normal", r) for r in read_capture(paths["normal"])),
        _progress,
    )
    sets = [anomalous, normal]
    leaks: LabelledSet | None = None
    crs_note = ""
    try:
        cases = list(read_corpus(crs_dir))
    except CorpusError as exc:
        cases, crs_note = [], f"CRS corpus skipped: {exc}"
    if cases:
        crs, leaks = _crs_sets(judges, cases, paths["normal"])
        sets.extend(crs)
    seconds = time.perf_counter() - started
    if output == "json":
        tables = {s.name: _set_json(s) for s in sets}
        if leaks is not None:
            tables[leaks.name] = _set_json(leaks)
        report: dict[str, Any] = {
            "trained": trained,
            "seconds": round(seconds, 1),
            "configs": list(CONFIGS),
            "payload_families": list(PAYLOAD_FAMILIES),
            "sets": tables,
        }
        if crs_note:
            report["note"] = crs_note
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    out: list[str] = [
        f"learned from {trained} normal CSIC requests; judged in enforce mode ({seconds:.1f} s)",
        "flagged share per configuration: model = learned policy alone, signatures = built-in",
        "detectors alone, both = the gate's inspector (detectors, then the model)",
        "",
    ]
    out += _table(anomalous, "CSIC 2010 anomalous test set (detection)")
    out += ["", *_table(normal, "CSIC 2010 normal test set (false positives)")]
    by_name = {s.name: s for s in sets}
    if "crs-placed-attacks" in by_name:
        out += [
            "",
            *_table(
                by_name["crs-placed-attacks"],
                "CRS regression payloads placed into CSIC normal requests (detection per CRS rule family)",
                PAYLOAD_FAMILIES,
            ),
        ]
        out += [
            "",
            *_table(
                by_name["crs-placed-benign"],
                "CRS benign near-misses placed into CSIC normal requests (false positives)",
            ),
        ]
        out += [
            "",
            *_table(
                by_name["crs-sent-attacks"],
                "CRS regression requests as sent (signatures only: no model learned their routes)",
                PAYLOAD_FAMILIES,
            ),
        ]
        out += [
            "",
            *_table(by_name["crs-sent-benign"], "CRS benign requests as sent (false positives)"),
        ]
    if leaks is not None:
        out += ["", *_table(leaks, "CRS response tests (leak detectors)")]
    if crs_note:
        out += ["", crs_note]
    if examples:
        for labelled in sets:
            for config, kept in labelled.examples.items():
                if kept:
                    kind = "missed" if labelled.attack else "false positives"
                    out += ["", f"{labelled.name}: {config} {kind} (first ones):"]
                    out += [f"  {line[:160]}" for line in kept[:examples]]
    click.echo("\n".join(out))
