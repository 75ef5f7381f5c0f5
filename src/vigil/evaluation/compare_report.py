"""The comparison's tables, in text and JSON, for any list of systems.

``vigil eval --compare`` prints vigil's three configurations; ``benchmarks/crs_compare.py``
prints CRS at two paranoia levels beside them. Both print the same three tables, each saying
what its rows are and what the rates mean:

1. **detection**: the share of attacks stopped, per set and, for the CRS payloads, per CRS
   rule family;
2. **false positives**: the share of requests known to be benign that were stopped, per set;
3. **near-misses**: the flagged share of the CRS tests that one rule must not flag. They mix
   benign look-alikes with attacks of other rules, so the share is neither a false-positive nor
   a detection rate.

"Stopped" counts both blocks (vigil in enforce mode, CRS's 403) and refusals before inspection
(400 from vigil's gate or from Apache); refusals are listed apart under each table. ``n/a``
marks a system that does not apply (vigil's learned model on routes it never learned).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vigil.evaluation.compare import PAYLOAD_FAMILIES, LabelledSet, SetKind, Tally

HEADINGS: dict[SetKind, tuple[str, str]] = {
    SetKind.DETECTION: (
        "DETECTION",
        "share of attacks stopped (higher is better)",
    ),
    SetKind.BENIGN: (
        "FALSE POSITIVES",
        "share of requests known to be benign that were stopped (lower is better)",
    ),
    SetKind.NEAR_MISS: (
        "NEAR-MISSES (mixed: one CRS rule must not fire; benign look-alikes and attacks of "
        "other rules)",
        "share flagged; neither a false-positive nor a detection rate",
    ),
}
LABEL_WIDTH = 44
CELL_WIDTH = 16


def _cell(tally: Tally, system: str, kind: SetKind, applies: bool) -> str:
    if not applies:
        return f"{'n/a':>{CELL_WIDTH}s}"
    if not tally.total:
        return f"{'-':>{CELL_WIDTH}s}"
    rate = tally.rate(system)
    if kind is SetKind.BENIGN:
        return f"{f'{rate:.3%} ({tally.flagged[system]})':>{CELL_WIDTH}s}"
    return f"{rate:>{CELL_WIDTH}.2%}"


def _row(label: str, tally: Tally, labelled: LabelledSet, systems: Sequence[str]) -> str:
    cells = "".join(_cell(tally, s, labelled.kind, s in labelled.systems) for s in systems)
    return f"  {label[:LABEL_WIDTH]:{LABEL_WIDTH}s} {tally.total:8d}{cells}"


def _refusals(labelled: LabelledSet, systems: Sequence[str]) -> str:
    refused = labelled.overall().refused
    parts = [f"{s} {refused[s]}" for s in systems if refused[s]]
    return f"    {labelled.name}: " + ", ".join(parts) if parts else ""


def _set_rows(labelled: LabelledSet, systems: Sequence[str]) -> list[str]:
    label = labelled.label or labelled.name
    if labelled.kind is not SetKind.DETECTION or len(labelled.classes) <= 1:
        return [_row(label, labelled.overall(), labelled, systems)]
    lines = [f"  {label}, per CRS rule family:"]
    order = sorted(labelled.classes, key=lambda k: (-labelled.classes[k].total, k))
    lines += [_row("  " + klass, labelled.classes[klass], labelled, systems) for klass in order]
    families = [k for k in order if k in PAYLOAD_FAMILIES]
    lines.append(_row("  all payload families", labelled.overall(families), labelled, systems))
    means = "".join(
        f"{labelled.mean_rate(s, families):>{CELL_WIDTH}.2%}"
        if s in labelled.systems
        else f"{'n/a':>{CELL_WIDTH}s}"
        for s in systems
    )
    lines.append(f"  {'  mean of the families':{LABEL_WIDTH}s} {'':8s}{means}")
    return lines


def text_report(
    sets: Sequence[LabelledSet], systems: Sequence[str], examples: int = 0
) -> list[str]:
    """The three tables, the legend of every set, refusals and the first examples."""
    header = f"  {'set':{LABEL_WIDTH}s} {'requests':>8s}" + "".join(
        f"{s:>{CELL_WIDTH}s}" for s in systems
    )
    lines: list[str] = []
    for kind in SetKind:
        members = [s for s in sets if s.kind is kind]
        if not members:
            continue
        name, meaning = HEADINGS[kind]
        lines += [f"{name}: {meaning}", header]
        for labelled in members:
            lines += _set_rows(labelled, systems)
        refused = [r for r in (_refusals(s, systems) for s in members) if r]
        if refused:
            lines += ["  of which refused with 400 before any inspection:", *refused]
        lines.append("")
    lines.append("sets:")
    lines += [f"  {s.name}: {s.title}" for s in sets]
    if examples:
        for labelled in sets:
            what = {
                SetKind.DETECTION: "missed",
                SetKind.BENIGN: "false positives",
                SetKind.NEAR_MISS: "flagged",
            }[labelled.kind]
            for system in systems:
                kept = labelled.examples.get(system, [])[:examples]
                if kept:
                    lines += ["", f"{labelled.name}: {system} {what} (first ones):"]
                    lines += [f"  {line[:300]}" for line in kept]
    return lines


def json_report(sets: Sequence[LabelledSet]) -> dict[str, Any]:
    """Every set with its kind, description, systems, counts per class and examples."""
    return {
        s.name: {
            "kind": s.kind.value,
            "title": s.title,
            "systems": list(s.systems),
            "classes": {
                name: {
                    "requests": t.total,
                    "flagged": {system: t.flagged[system] for system in s.systems},
                    "refused": {system: t.refused[system] for system in s.systems},
                }
                for name, t in sorted(s.classes.items())
            },
            "examples": s.examples,
        }
        for s in sets
    }
