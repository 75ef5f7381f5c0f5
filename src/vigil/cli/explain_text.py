"""``vigil schedule --explain`` in words: per attempt, per node and per plugin.

Renders the data of `vigil.scheduling.explain` (the JSON ``explain`` list), so the text and the
JSON say the same; lines are wrapped to 120 columns by the caller.
"""

from __future__ import annotations

from typing import Any


def _verdict(v: dict[str, Any]) -> str:
    reasons = ", ".join(v["reasons"])
    return f"{v['code']}: {reasons}" if reasons else str(v["code"])


def explain_lines(obj: dict[str, Any]) -> list[str]:
    """The ``explain`` list of one pod's JSON object, in words (one block per attempt)."""
    lines: list[str] = []
    for i, attempt in enumerate(obj["explain"], start=1):
        head = f"  attempt {i}: {attempt['outcome']}"
        if attempt["node"]:
            head += f" to {attempt['node']}"
        if attempt["nominatedNodeFirst"]:
            head += f" (nominated node {attempt['nominatedNodeFirst']} evaluated first)"
        lines.append(head)
        if attempt["message"]:
            lines.append(f"    message: {attempt['message']}")
        for node, entry in attempt["nodes"].items():
            total = f"  total score {entry['total']}" if "total" in entry else ""
            lines.append(f"    node {node}:{total}")
            lines.extend(f"      Filter {v['plugin']:<34} {_verdict(v)}" for v in entry["filter"])
            lines.extend(
                f"      Score  {name:<34} raw {s['raw']:>4}  normalized {s['normalized']:>3}"
                f"  weighted {s['weighted']:>4}"
                for name, s in entry.get("scores", {}).items()
            )
            lines.extend(
                f"      Score  {name:<34} skipped (PreScore returned Skip)"
                for name in entry.get("scoreSkipped", ())
            )
        if attempt["node"] and len([n for n in attempt["nodes"].values() if "total" in n]) == 0:
            lines.append("    one feasible node: scoring skipped, as upstream")
        if "tie" in attempt:
            tie = attempt["tie"]
            lines.append(
                f"    tie: {', '.join(tie['candidates'])} all scored {tie['score']}; chose "
                f"{tie['chosen']} with the seeded generator (--seed {tie['seed']}); upstream "
                "picks one of them at random"
            )
        if "postFilter" in attempt:
            pf = attempt["postFilter"]
            lines.append(f"    PostFilter {pf['plugin'] or '-'}: {_verdict(pf)}")
        if "preemption" in attempt:
            lines.extend(_preemption_lines(attempt["preemption"]))
    return lines


def _preemption_lines(pre: dict[str, Any]) -> list[str]:
    lines = []
    if pre["potentialNodes"]:
        lines.append(
            f"      dry run over {len(pre['potentialNodes'])} potential node(s) "
            f"({', '.join(pre['potentialNodes'])}), starting at offset {pre['offset']} "
            f"(seeded, --seed {pre['offsetSeeded']}), looking for {pre['numCandidates']} "
            "candidate(s)"
        )
    else:
        lines.append("      no node is Unschedulable (only those can be helped by preemption)")
    lines.extend(
        f"      PDB {b['pdb']}: disruptionsAllowed {b['disruptionsAllowed']} ({b['from']})"
        for b in pre["pdbs"]
    )
    for name, status in pre["rejected"].items():
        lines.append(f"      node {name}: no candidate: {_verdict(status)}")
    for c in pre["candidates"]:
        victims = ", ".join(f"{v['pod']} (priority {v['priority']})" for v in c["victims"])
        lines.append(
            f"      candidate {c['node']}: victims {victims}; PDB violations {c['pdbViolations']}"
        )
    if pre["nominatedNode"]:
        lines.append(f"      chose {pre['nominatedNode']}: {pre['chosenBy']}")
        if "tie" in pre:
            lines.append(
                f"      tie after every criterion between {', '.join(pre['tie']['candidates'])}: "
                f"took the first in the seeded dry-run order; upstream's choice is arbitrary"
            )
        chosen = next(c for c in pre["candidates"] if c["node"] == pre["nominatedNode"])
        deleted = ", ".join(v["pod"] for v in chosen["victims"])
        lines.append(
            f"      preempted {deleted} on {pre['nominatedNode']}; the simulator "
            "deletes victims at once (graceful termination modelled as immediate) and retries "
            "the pod"
        )
    return lines
