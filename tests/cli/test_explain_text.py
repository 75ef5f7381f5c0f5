"""The explanation of a cycle in words."""

from __future__ import annotations

from vigil.cli.explain_text import explain_lines


def test_attempt_with_tie_and_failed_preemption() -> None:
    obj = {
        "explain": [
            {
                "outcome": "FailedScheduling",
                "node": None,
                "message": "0/1 nodes are available: 1 Insufficient cpu.",
                "nominatedNodeFirst": "n1",
                "nodes": {
                    "n1": {
                        "filter": [
                            {
                                "plugin": "NodeResourcesFit",
                                "code": "Unschedulable",
                                "reasons": ["Insufficient cpu"],
                            }
                        ]
                    }
                },
                "postFilter": {
                    "plugin": "DefaultPreemption",
                    "code": "Unschedulable",
                    "reasons": ["x"],
                },
                "preemption": {
                    "nominatedNode": None,
                    "potentialNodes": [],
                    "offset": 0,
                    "offsetSeeded": 0,
                    "numCandidates": 0,
                    "candidates": [],
                    "rejected": {},
                    "pdbs": [{"pdb": "ns/web", "disruptionsAllowed": 0, "from": "computed"}],
                },
            }
        ]
    }
    assert explain_lines(obj) == [
        "  attempt 1: FailedScheduling (nominated node n1 evaluated first)",
        "    message: 0/1 nodes are available: 1 Insufficient cpu.",
        "    node n1:",
        f"      Filter {'NodeResourcesFit':<34} Unschedulable: Insufficient cpu",
        "    PostFilter DefaultPreemption: Unschedulable: x",
        "      no node is Unschedulable (only those can be helped by preemption)",
        "      PDB ns/web: disruptionsAllowed 0 (computed)",
    ]
