"""``vigil eval``: detection and false-positive rates on a labelled HTTP data set.

Learns from the data set's normal training traffic only, then judges its normal test set and
its anomalous set in enforce mode and prints the request-level confusion matrix; then the
real-world benign sets built at eval time and, on request, the half-split check
(:mod:`vigil.evaluation.checks`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from vigil.behavior.engine import Engine
from vigil.behavior.policy import save_policy as write_policy
from vigil.cli.eval_compare import run_comparison
from vigil.evaluation.checks import (
    benign_json,
    benign_report,
    benign_sets,
    half_split,
    half_split_report,
)
from vigil.evaluation.crs_corpus import DEFAULT_CRS
from vigil.evaluation.detection import Confusion, evaluate, train
from vigil.evaluation.rawhttp import CaptureError, read_capture
from vigil.evaluation.realworld.people import MissingGenerator

CSIC_FILES = {
    "train": "normalTrafficTraining.txt.gz",
    "normal": "normalTrafficTest.txt.gz",
    "anomalous": "anomalousTrafficTest.txt.gz",
}
DEFAULT_DATA = Path("../shared/data/csic2010")


def _progress(phase: str, count: int) -> None:
    click.echo(f"  {phase}: {count} requests", err=True)


def _report(result: Confusion, trained: int, seconds: float) -> str:
    lines = [
        f"learned from {trained} normal requests; judged in enforce mode ({seconds:.1f} s)",
        "",
        "                      flagged   passed",
        f"  anomalous (attack)  {result.true_positives:7d}  {result.false_negatives:7d}",
        f"  normal (benign)     {result.false_positives:7d}  {result.true_negatives:7d}",
        "",
        f"detection rate       {result.detection_rate:8.2%}",
        f"false-positive rate  {result.false_positive_rate:8.3%}",
        f"precision            {result.precision:8.2%}",
        "",
        "alert codes on anomalous requests: "
        + ", ".join(f"{c} {n}" for c, n in result.codes_on_anomalous.most_common(8)),
        "alert codes on false positives:    "
        + (", ".join(f"{c} {n}" for c, n in result.codes_on_normal.most_common(8)) or "none"),
    ]
    if result.false_positive_examples:
        lines += ["", "false positives (first ones):"]
        lines += [f"  {x[:160]}" for x in result.false_positive_examples]
    if result.missed_examples:
        lines += ["", "missed (first ones):"]
        lines += [f"  {x[:160]}" for x in result.missed_examples]
    return "\n".join(lines)


@click.command(name="eval")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Folder holding the CSIC 2010 files (normalTrafficTraining.txt.gz, ...).",
)
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--examples",
    type=click.IntRange(0, 1000),
    default=5,
    show_default=True,
    help="Misses and false positives to show.",
)
@click.option(
    "--benign-sets/--no-benign-sets",
    "benign_sets_",
    default=True,
    show_default=True,
    help="Also measure false positives on the real-world benign sets built at eval time.",
)
@click.option(
    "--people-per-form",
    type=click.IntRange(1, 50),
    default=3,
    show_default=True,
    help="Generated people placed into each person-form request of the normal test set.",
)
@click.option(
    "--seed", type=int, default=7, show_default=True, help="Seed of the generated benign sets."
)
@click.option(
    "--half-split",
    "half_split_",
    is_flag=True,
    help="Also learn from the first half of the training file and judge its second half.",
)
@click.option(
    "--save-policy",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the learned policy to this YAML file.",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Judge with the learned model alone, the built-in detectors alone and both the sets "
    "that benchmarks/crs_compare.py sends to ModSecurity + CRS: detection (CSIC anomalous, CRS "
    "attack payloads placed into CSIC requests, per family), false positives on requests "
    "known to be benign (CSIC normal, people, real clients, CRS benign traffic) and the CRS "
    "near-misses apart.",
)
@click.option(
    "--crs",
    "crs_dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_CRS,
    show_default=True,
    help="Folder holding the OWASP CRS regression tests (used with --compare).",
)
def command(
    *,
    data_dir: Path,
    output: str,
    examples: int,
    benign_sets_: bool,
    people_per_form: int,
    seed: int,
    half_split_: bool,
    save_policy: Path | None,
    compare: bool,
    crs_dir: Path,
) -> None:
    """Learn on the CSIC 2010 normal training traffic, then report detection on its anomalous
    set and false positives on its normal test set, with the confusion matrix.

    With --compare, the learned model alone, the built-in detectors alone and both, on the
    request sets of the comparison with ModSecurity + CRS (see docs/signatures.md).

    Example: vigil eval --data ../shared/data/csic2010 --compare
    """
    paths = {role: data_dir / name for role, name in CSIC_FILES.items()}
    for role, path in paths.items():
        if not path.is_file():
            raise click.UsageError(
                f"{path}: {role} file not found (expected the CSIC 2010 files in --data)"
            )
    if compare:
        try:
            run_comparison(
                paths, crs_dir, output, examples, people_per_form=people_per_form, seed=seed
            )
        except CaptureError as exc:
            raise click.UsageError(str(exc)) from None
        return
    started = time.perf_counter()
    engine = Engine()
    try:
        training = list(read_capture(paths["train"]))
        normal = list(read_capture(paths["normal"]))
        anomalous = list(read_capture(paths["anomalous"]))
        click.echo("learning from normal training traffic...", err=True)
        trained = train(engine, training, _progress)
        click.echo("judging test traffic...", err=True)
        result = evaluate(engine, normal, anomalous, _progress, examples)
    except CaptureError as exc:
        raise click.UsageError(str(exc)) from None
    seconds = time.perf_counter() - started
    benign = []
    if benign_sets_:
        click.echo("judging the real-world benign sets...", err=True)
        try:
            benign = benign_sets(
                engine,
                normal,
                people_per_form=people_per_form,
                seed=seed,
                progress=_progress,
                examples=examples,
            )
        except MissingGenerator as exc:
            click.echo(f"benign sets skipped: {exc}", err=True)
    split = None
    if half_split_:
        click.echo("half-split check: learning from the first half...", err=True)
        split = half_split(training, anomalous, _progress, examples)
    if save_policy is not None:
        write_policy(engine.policy, save_policy)
    if output == "json":
        json.dump(
            {
                "trained": trained,
                "true_positives": result.true_positives,
                "false_negatives": result.false_negatives,
                "false_positives": result.false_positives,
                "true_negatives": result.true_negatives,
                "detection_rate": result.detection_rate,
                "false_positive_rate": result.false_positive_rate,
                "precision": result.precision,
                "codes_on_anomalous": dict(result.codes_on_anomalous),
                "codes_on_false_positives": dict(result.codes_on_normal),
                "benign_sets": benign_json(benign),
                "half_split": None
                if split is None
                else {
                    "trained": split.trained,
                    "false_positives": split.result.false_positives,
                    "judged": split.result.false_positives + split.result.true_negatives,
                    "false_positive_rate": split.result.false_positive_rate,
                    "detection_rate": split.result.detection_rate,
                },
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        lines = [_report(result, trained, seconds)]
        if benign:
            lines += ["", *benign_report(benign)]
        if split is not None:
            lines += ["", *half_split_report(split)]
        click.echo("\n".join(lines))
