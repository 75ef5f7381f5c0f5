"""The checks ``vigil eval`` runs beside the data set's own split.

The real-world benign sets (people of 40 countries placed into the person forms, real clients'
headers on every request) ask whether the model refuses legitimate input its training data never
showed; the half-split check asks whether its criteria were fitted to the test files: it learns
from the first half of the training file only and judges the unseen second half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vigil.behavior.engine import Engine
from vigil.evaluation.benign import BenignResult, Progress, judge_benign
from vigil.evaluation.detection import Confusion, evaluate, train
from vigil.evaluation.realworld.clients import client_requests
from vigil.evaluation.realworld.placement import placed_requests
from vigil.http.model import Request


def benign_sets(
    engine: Engine,
    normal: Sequence[Request],
    *,
    people_per_form: int,
    seed: int,
    progress: Progress | None = None,
    examples: int = 5,
) -> list[BenignResult]:
    """False positives of ``engine`` on the generated people set and the real-client set."""
    people = (
        (request, person.locale)
        for request, person in placed_requests(normal, people_per_form, seed)
    )
    return [
        judge_benign(engine, "people", people, progress, examples),
        judge_benign(engine, "clients", client_requests(normal, seed), progress, examples),
    ]


@dataclass(frozen=True, slots=True)
class HalfSplit:
    """Learned from the first half of the training file, judged on its second half."""

    trained: int
    result: Confusion


def half_split(
    training: Sequence[Request],
    anomalous: Sequence[Request],
    progress: Progress | None = None,
    examples: int = 5,
    seconds_per_request: float = 1.0,
) -> HalfSplit:
    """Learn from the first half of ``training``; false positives on the second half.

    Training requests are stamped ``seconds_per_request`` apart (see
    :func:`~vigil.evaluation.detection.stamp`).
    """
    half = len(training) // 2
    engine = Engine()
    trained = train(engine, training[:half], progress, seconds_per_request)
    return HalfSplit(trained, evaluate(engine, training[half:], anomalous, progress, examples))


BENIGN_TITLES = {
    "people": "people of 40 countries in the person forms",
    "clients": "real clients' headers (tools, browsers, bots)",
}


def benign_report(results: list[BenignResult]) -> list[str]:
    """Text lines for the benign sets."""
    lines = ["real-world benign sets (built at eval time; see evaluation/realworld/SOURCE.md):"]
    for result in results:
        title = BENIGN_TITLES.get(result.name, result.name)
        lines.append(
            f"  {title:46s} {result.total:7d} requests {result.flagged:5d} blocked"
            f"  {result.false_positive_rate:7.3%}"
        )
    for result in results:
        if result.flagged_labels:
            worst = ", ".join(f"{k[:40]} {n}" for k, n in result.flagged_labels.most_common(6))
            lines.append(f"  {result.name} blocked most: {worst}")
        lines += [f"    {x[:200]}" for x in result.examples]
    return lines


def half_split_report(split: HalfSplit) -> list[str]:
    """Text lines for the half-split check."""
    result = split.result
    return [
        "half-split check (learned from the first half of the training file only):",
        f"  false positives on its unseen second half  {result.false_positives} / "
        f"{result.false_positives + result.true_negatives} = {result.false_positive_rate:.3%}",
        f"  detection on the anomalous set             {result.detection_rate:.2%}",
    ]


def benign_json(results: list[BenignResult]) -> list[dict[str, object]]:
    """JSON-ready views of the benign sets."""
    return [
        {
            "name": r.name,
            "total": r.total,
            "blocked": r.flagged,
            "false_positive_rate": r.false_positive_rate,
            "blocked_by_label": dict(r.flagged_labels),
            "codes": dict(r.codes),
        }
        for r in results
    ]
