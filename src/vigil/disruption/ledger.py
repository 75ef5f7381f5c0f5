"""PodDisruptionBudget statuses during a sequence of evictions.

The Eviction API reads each PDB's stored status and, when it allows an eviction that uses the
budget, writes the status back with one disruption fewer and the pod in ``disruptedPods``; the
disruption controller later recomputes the status from the pods that exist. A `BudgetLedger`
plays both parts over a working `Cluster`: `evict` decides (`decide_eviction`) and applies the
decision (the pod is deleted; its graceful termination is taken as immediate), `sync` is the
controller catching up. A status recorded in the input is used until the first `sync`; a PDB
without one gets the status the controller would compute.
"""

from __future__ import annotations

from dataclasses import replace

from vigil.cluster.cluster import Cluster
from vigil.cluster.disruption_budget import (
    BudgetStatus,
    compute_status,
    controller_lookup,
    recorded_status,
)
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget
from vigil.disruption.eviction import EvictionDecision, decide_eviction


class BudgetLedger:
    """Eviction decisions over a working store, with the PDB statuses they change."""

    def __init__(self, cluster: Cluster, *, policy_override: str | None = None) -> None:
        self.cluster = cluster
        self.policy_override = policy_override
        self._statuses: dict[str, BudgetStatus] = {}
        self._recorded = True
        self._lookup = controller_lookup(cluster)

    def status(self, pdb: PodDisruptionBudget) -> BudgetStatus:
        """The status the Eviction API reads for ``pdb`` now."""
        key = pdb.metadata.key
        found = self._statuses.get(key)
        if found is None:
            found = recorded_status(pdb) if self._recorded else None
            if found is None:
                pods = self.cluster.pods_in_namespace(pdb.metadata.namespace)
                found = compute_status(pdb, pods, self._lookup)
            self._statuses[key] = found
        return found

    def decide(self, pod: Pod, *, policy_override: str | None = None) -> EvictionDecision:
        """The Eviction API's answer for ``pod``, without applying it."""
        pdbs = self.cluster.pdbs_for(pod)
        status = self.status(pdbs[0]) if len(pdbs) == 1 else None
        return decide_eviction(
            pod, pdbs, status, policy_override=policy_override or self.policy_override
        )

    def evict(self, pod: Pod) -> EvictionDecision:
        """Decide, and when allowed use the budget and delete the pod from the store."""
        decision = self.decide(pod)
        if not decision.allowed:
            return decision
        if decision.uses_budget and decision.pdb is not None:
            st = self._statuses[decision.pdb]
            self._statuses[decision.pdb] = replace(
                st,
                disruptions_allowed=st.disruptions_allowed - 1,
                disrupted_pods={**st.disrupted_pods, pod.name: None},
            )
        self.cluster.delete(pod)
        return decision

    def sync(self) -> None:
        """The disruption controller recomputes every status from the pods that exist."""
        self._statuses.clear()
        self._recorded = False
