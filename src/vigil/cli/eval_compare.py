"""``vigil eval --compare``: the learned model, the built-in detectors and both, per set and class.

Learns from CSIC 2010's normal training traffic, then judges in enforce mode, with each of the
three configurations, the comparison's request sets (:mod:`vigil.evaluation.compare_sets`): the
same sets, as the same bytes, that ``benchmarks/crs_compare.py`` sends to ModSecurity + CRS.
Prints the detection, false-positive and near-miss tables
(:mod:`vigil.evaluation.compare_report`) and the CRS response tests judged by the leak
detectors, or all of it as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from vigil.behavior.engine import Engine
from vigil.evaluation.compare import CONFIGS, PAYLOAD_FAMILIES, Judges, LabelledSet
from vigil.evaluation.compare_report import json_report, text_report
from vigil.evaluation.compare_run import judge_set
from vigil.evaluation.compare_sets import Sources, build_sets
from vigil.evaluation.crs_corpus import CorpusError, CrsCase, Label, read_corpus
from vigil.evaluation.detection import train
from vigil.evaluation.rawhttp import read_capture


def _progress(phase: str, count: int) -> None:
    click.echo(f"  {phase}: {count} requests", err=True)


def _leaks(judges: Judges, cases: list[CrsCase]) -> tuple[int, int]:
    responses = [c.response for c in cases if c.response is not None and c.label is Label.ATTACK]
    return len(responses), sum(judges.response(r) for r in responses)


def _read_cases(crs_dir: Path) -> tuple[list[CrsCase], str]:
    try:
        return list(read_corpus(crs_dir)), ""
    except CorpusError as exc:
        return [], f"CRS corpus skipped: {exc}"


def run_comparison(
    paths: dict[str, Path],
    crs_dir: Path,
    output: str,
    examples: int,
    *,
    people_per_form: int = 3,
    seed: int = 7,
) -> None:
    """Learn on CSIC, judge every set with the three configurations and print the tables."""
    started = time.perf_counter()
    engine = Engine()
    click.echo("learning from normal training traffic...", err=True)
    trained = train(engine, read_capture(paths["train"]), _progress)
    judges = Judges(engine.policy)
    cases, crs_note = _read_cases(crs_dir)
    sources = Sources(
        normal=list(read_capture(paths["normal"])),
        anomalous=list(read_capture(paths["anomalous"])),
        cases=[c for c in cases if c.response is None],
        people_per_form=people_per_form,
        seed=seed,
    )
    click.echo("building the request sets...", err=True)
    request_sets, notes = build_sets(sources)
    notes = [*notes, crs_note] if crs_note else notes
    sets: list[LabelledSet] = []
    for request_set in request_sets:
        click.echo(f"judging {request_set.spec.name} ({len(request_set.items)})...", err=True)
        sets.append(judge_set(judges, request_set, progress=_progress))
    leaks, leaks_found = _leaks(judges, cases)
    seconds = time.perf_counter() - started
    if output == "json":
        report: dict[str, Any] = {
            "trained": trained,
            "seconds": round(seconds, 1),
            "configs": list(CONFIGS),
            "payload_families": list(PAYLOAD_FAMILIES),
            "sets": json_report(sets),
            "crs_responses": {"cases": leaks, "leaks_found": leaks_found},
            "notes": notes,
        }
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    out = [
        f"learned from {trained} normal CSIC requests; judged in enforce mode ({seconds:.1f} s)",
        "systems: model = learned policy alone, signatures = built-in detectors alone,",
        "both = the gate's inspector (detectors, then the model); 'stopped' = blocked, or refused",
        "with 400 by the gate's HTTP parser before any inspection",
        "",
        *text_report(sets, CONFIGS, examples),
    ]
    if leaks:
        out += [
            "",
            f"CRS response tests (a leak rule must fire), leak detectors: {leaks_found} of "
            f"{leaks} found ({leaks_found / leaks:.2%})",
        ]
    out += ["", *notes] if notes else []
    click.echo("\n".join(out))
