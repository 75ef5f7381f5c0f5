"""Judging the comparison's request sets: vigil in process, other systems by their answers.

Every system judges the same bytes. vigil reads each request's bytes with the gate's parser
(:meth:`~vigil.evaluation.compare.Judges.wire`); another system (ModSecurity + CRS behind Apache
in ``benchmarks/crs_compare.py``) is sent the bytes and judged by its HTTP status, read here by
:func:`status_verdict`: 403 is a block, 400 a refusal before inspection, anything else passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from vigil.evaluation.compare import Judges, LabelledSet, Outcome, Progress, Verdict, describe
from vigil.evaluation.compare_sets import RequestSet

NO_ANSWER = 0
"""The status recorded for a request that got no answer (a connection error or a timeout)."""
PROGRESS_EVERY = 5000
"""Requests between two progress reports."""


def status_verdict(status: int) -> Verdict:
    """A system's verdict read from its HTTP status (:data:`NO_ANSWER`: passed, not stopped)."""
    if status == 403:
        return Verdict(Outcome.BLOCKED, "403")
    if status == 400:
        return Verdict(Outcome.REFUSED, "400 before inspection")
    reason = "no answer" if status == NO_ANSWER else ""
    return Verdict(Outcome.PASSED, reason)


def _describe_raw(raw: bytes) -> str:
    return raw.split(b"\r\n", 1)[0][:160].decode("latin-1")


def judge_set(
    judges: Judges,
    request_set: RequestSet,
    others: Mapping[str, Sequence[int]] | None = None,
    progress: Progress | None = None,
) -> LabelledSet:
    """The tallies of ``request_set``: vigil's configurations judge every request's bytes, and
    each of ``others`` (a system name and its status per request, in order) is read from its
    answers."""
    others = others or {}
    for system, statuses in others.items():
        if len(statuses) != len(request_set.items):
            raise ValueError(
                f"{system}: {len(statuses)} statuses for {len(request_set.items)} requests"
            )
    spec = request_set.spec
    labelled = spec.labelled(tuple(others))
    for index, (klass, raw) in enumerate(request_set.items):
        verdicts, request = judges.wire(raw, spec.learned)
        for system, statuses in others.items():
            verdicts[system] = status_verdict(statuses[index])
        line = partial(describe, request) if request is not None else partial(_describe_raw, raw)
        labelled.add(klass, verdicts, line)
        if progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            progress(spec.name, index + 1)
    return labelled
