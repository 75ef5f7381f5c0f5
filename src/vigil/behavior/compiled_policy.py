"""A whole policy compiled for the hot path: its routes, its route table and how paths resolve.

The inspector resolves every request to a route key through this, once, before any detector
runs; the learned model judges against the compiled routes. A new policy is compiled whole and
swapped in with one assignment, so concurrent readers see either the old or the new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.behavior.compiled import CompiledRoute, compile_route
from vigil.behavior.layers import effective_routes
from vigil.behavior.policy import Policy
from vigil.behavior.routes import OTHER_ROUTE, PARAMS, RouteTable
from vigil.http.body import BodyField
from vigil.inspection.observation import Observation


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a request belongs: its route key, the matched template, and the compiled route."""

    key: str
    template: str | None
    """The policy template the path matched; None when no learned route has this path."""
    route: CompiledRoute | None
    """The compiled route of ``key``; None when the policy has no such method and path."""


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A validated policy and its compiled routes."""

    policy: Policy
    routes: dict[str, CompiledRoute]
    table: RouteTable

    def resolve(self, obs: Observation) -> Resolution:
        """Resolve a profiled request to its route and add its parameter segments as fields.

        A segment where the route's template has a parameter (``{int}``, ``{var}``...) becomes a
        ``path.N`` field, so its value is judged like any other field; on the ``/{other}`` route
        (paths beyond the route bound) every segment does.

        A ``HEAD`` request on a path whose route knows ``GET`` but not ``HEAD`` is judged as that
        ``GET``: every framework answers it with the ``GET`` handler, without the body (RFC 9110,
        9.3.2), so ``curl -I`` is not an unknown method.
        """
        template = self.table.match(obs.typed_path)
        if template is None:
            key = f"{obs.method} {obs.typed_path}"
            resolution = Resolution(key, None, None)
        else:
            key = f"{obs.method} {template}"
            route = self.routes.get(key)
            if route is None and obs.method == "HEAD":
                get = self.routes.get(f"GET {template}")
                if get is not None:
                    key, route = f"GET {template}", get
            resolution = Resolution(key, template, route)
        shape = template if template is not None else obs.typed_path
        if template == OTHER_ROUTE:
            obs.listed.extend(BodyField(f"path.{i}", s) for i, s in enumerate(obs.segments))
        elif "{" in shape:
            segments = obs.segments
            for i, tok in enumerate(shape.split("/")[1:]):
                if tok in PARAMS and i < len(segments):
                    obs.listed.append(BodyField(f"path.{i}", segments[i]))
        return resolution


def compile_policy(policy: Policy, mature_samples: int) -> CompiledPolicy:
    """Compile every route of ``policy`` as judged: the learned layer with the operator's
    decisions applied (:func:`~vigil.behavior.layers.effective_routes`); see
    :func:`compile_route` for ``mature_samples``."""
    judged = effective_routes(policy.routes, policy.operator)
    routes = {key: compile_route(key, spec, policy, mature_samples) for key, spec in judged.items()}
    table = RouteTable(frozenset(key.split(" ", 1)[1] for key in routes))
    return CompiledPolicy(policy, routes, table)
