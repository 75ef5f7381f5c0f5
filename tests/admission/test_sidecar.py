"""Gate sidecar injection: JSONPatch, namespaces, opt-out, idempotence."""

from __future__ import annotations

import copy
from typing import Any

from tests.admission.builders import context, pod, request
from vigil.admission import review
from vigil.admission.sidecar import CONTAINER, injection

ON = {
    "admission": {
        "sidecar": {
            "enabled": True,
            "namespaces": ["shop"],
            "image": "vigil:1.0",
            "mode": "enforce",
        }
    }
}


def apply(obj: dict[str, Any], patch: list[dict[str, Any]]) -> dict[str, Any]:
    """A minimal JSONPatch ``add`` for the paths the injector writes."""
    out = copy.deepcopy(obj)
    for op in patch:
        assert op["op"] == "add"
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        target = out
        for part in parts[:-1]:
            target = target[part]
        if parts[-1] == "-":
            target.append(op["value"])
        else:
            target[parts[-1]] = op["value"]
    return out


def test_injection_patch_applies_and_is_idempotent() -> None:
    obj = pod("web", "shop")
    patch, trace = injection(request("Pod", obj, namespace="shop"), context(policy=ON))
    assert trace == "sidecar: injected vigil-gate (vigil:1.0)"
    patched = apply(obj, patch)
    gate = patched["spec"]["containers"][-1]
    assert gate["name"] == CONTAINER
    assert gate["args"] == [
        "gate",
        "--upstream",
        "http://127.0.0.1:8080",
        "--listen",
        "0.0.0.0:8000",
        "--mode",
        "enforce",
    ]
    assert gate["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert patched["metadata"]["annotations"] == {"vigil.dev/injected": "true"}
    again, trace = injection(request("Pod", patched, namespace="shop"), context(policy=ON))
    assert (again, trace) == ([], "sidecar: already injected")


def test_existing_annotations_get_one_more_key() -> None:
    obj = pod("web", "shop")
    obj["metadata"]["annotations"] = {"team": "a"}
    patch, _ = injection(request("Pod", obj, namespace="shop"), context(policy=ON))
    assert apply(obj, patch)["metadata"]["annotations"] == {
        "team": "a",
        "vigil.dev/injected": "true",
    }


def test_when_nothing_is_injected() -> None:
    ctx = context(policy=ON)
    assert injection(request("Pod", pod("w", "other"), namespace="other"), ctx)[1] == (
        "sidecar: namespace other is not injected"
    )
    opted = pod("w", "shop")
    opted["metadata"]["annotations"] = {"vigil.dev/inject": "false"}
    assert injection(request("Pod", opted, namespace="shop"), ctx)[1].startswith(
        "sidecar: the pod opts out"
    )
    assert (
        injection(request("Pod", pod("w", "shop"), namespace="shop"), context())[1]
        == "sidecar: injection disabled"
    )
    update = request(
        "Pod", pod("w", "shop"), operation="UPDATE", old=pod("w", "shop"), namespace="shop"
    )
    assert injection(update, ctx)[1] == "sidecar: only pods being created get the gate"


def test_mutate_mode_patches_without_judging_and_validate_mode_never_patches() -> None:
    obj = pod("web", "shop", tolerations=[{"operator": "Exists"}])
    req = request("Pod", obj, namespace="shop")
    mutated = review(req, context(policy=ON), "mutate")
    assert mutated.decision.allowed
    assert mutated.patch
    validated = review(req, context(policy=ON), "validate")
    assert not validated.decision.allowed
    assert validated.patch == []


def test_a_container_merely_named_vigil_gate_is_replaced_by_the_gate() -> None:
    """A pod author cannot skip the gate by shipping their own container named vigil-gate: only
    a container running vigil's image with vigil's arguments and security context counts as
    injected; any other is replaced by the gate (a JSONPatch ``replace``)."""
    obj = pod("web", "shop")
    obj["spec"]["containers"].append({"name": CONTAINER, "image": "evil:1", "args": ["sleep"]})
    patch, trace = injection(request("Pod", obj, namespace="shop"), context(policy=ON))
    assert trace == "sidecar: replaced a container named vigil-gate that is not vigil's gate"
    assert patch[0]["op"] == "replace"
    assert patch[0]["path"] == "/spec/containers/1"
    assert patch[0]["value"]["image"] == "vigil:1.0"
    tampered = pod("web", "shop")
    patched_once, _ = injection(request("Pod", tampered, namespace="shop"), context(policy=ON))
    good = apply(tampered, patched_once)
    good["spec"]["containers"][-1]["securityContext"] = {"privileged": True}
    patch, trace = injection(request("Pod", good, namespace="shop"), context(policy=ON))
    assert [op["op"] for op in patch][:1] == ["replace"]


def test_the_policy_can_make_the_gate_mandatory() -> None:
    """``allowOptOut: false``: the pod's opt-out annotation no longer skips injection."""
    obj = pod("web", "shop")
    obj["metadata"]["annotations"] = {"vigil.dev/inject": "false"}
    patch, trace = injection(request("Pod", obj, namespace="shop"), context(policy=ON))
    assert (patch, trace) == ([], 'sidecar: the pod opts out (vigil.dev/inject: "false")')
    strict = {"admission": {"sidecar": {**ON["admission"]["sidecar"], "allowOptOut": False}}}
    patch, trace = injection(request("Pod", obj, namespace="shop"), context(policy=strict))
    assert trace == "sidecar: injected vigil-gate (vigil:1.0)"
    assert patch[0]["value"]["name"] == CONTAINER
