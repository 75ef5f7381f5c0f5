"""Judging a response against what its route normally answers.

A route's learned response criteria are its statuses, its body size, its latency and the
schema of its JSON body (paths and their kinds); anything else in a response is new. Response
alerts are low or medium by design: a response cannot be un-sent by the client that caused it,
and the policy decides whether an enforcing route withholds it.
"""

from __future__ import annotations

from vigil.behavior.alerts import Alert, Severity, redact
from vigil.behavior.compiled import CompiledRoute
from vigil.inspection.observation import Observation

FAR_LARGER_FACTOR = 8
FAR_LARGER_BYTES = 64 * 1024
"""A response is far larger than its route's (a medium alert, which withholds it on an enforcing
route) past this factor of the learned size plus these bytes: a dump of a table, not a customer
with more orders than the learning traffic showed (a low alert)."""


def judge_response(route: CompiledRoute, obs: Observation) -> list[Alert]:
    """The alerts of a profiled response on ``route`` (which has learned responses)."""
    key = route.key
    alerts: list[Alert] = []
    if route.statuses and obs.status not in route.statuses:
        sev = Severity.MEDIUM if obs.status >= 500 else Severity.LOW
        alerts.append(
            Alert(
                "V130",
                key,
                "response.status",
                "|".join(map(str, sorted(route.statuses))),
                str(obs.status),
                sev,
            )
        )
    if obs.body_size > route.response_size:
        far = FAR_LARGER_FACTOR * route.response_size + FAR_LARGER_BYTES
        sev = Severity.MEDIUM if obs.body_size > far else Severity.LOW
        alerts.append(
            Alert(
                "V131",
                key,
                "response.size",
                f"<= {route.response_size} bytes",
                str(obs.body_size),
                sev,
            )
        )
    if route.latency_ms_max is not None and obs.latency_ms > route.latency_ms_max:
        alerts.append(
            Alert(
                "V132",
                key,
                "response.latency_ms",
                f"<= {route.latency_ms_max}",
                f"{obs.latency_ms:.1f}",
                Severity.LOW,
            )
        )
    checks, accepts = route.response_checks, route.response_accepts
    for value in obs.fields:
        if (value.path, value.kind) in accepts:
            continue
        check = checks.get(value.path)
        if check is None:
            alerts.append(
                Alert(
                    "V110",
                    key,
                    f"response.{value.path}",
                    "a known field",
                    redact(value.path, 64),
                    Severity.LOW,
                )
            )
        elif value.kind != "value" and check.kinds is not None and value.kind not in check.kinds:
            alerts.append(
                Alert(
                    "V125",
                    key,
                    f"response.{value.path}",
                    "|".join(sorted(check.kinds)),
                    value.kind,
                    Severity.LOW,
                )
            )
    return alerts
