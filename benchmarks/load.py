"""Seconds and peak memory to load a 5,000-node, 50,000-pod cluster export, YAML and JSON.

Generates a ``kubectl get nodes,pods,deployments,replicasets,pdb,priorityclasses,namespaces
-A -o yaml|json``-shaped export (`export_gen`: realistic objects with statuses, owner
references, admission tolerations, env, probes, volumes, images), writes it once per format,
then loads it the way the CLI does (`vigil.cli.cluster_input.load_cluster`: yaml-rs or orjson,
decoding into compact objects, workloads checked against their pods, admission) in a fresh
process each, reporting wall time and peak resident memory (``ru_maxrss``). Progress lines from
the loader go to standard error, as in the CLI.

Targets: under 30 s and under 4 GiB per format, on one core. Because the machine is shared
and noisy, a baseline is measured in the same run, also in a fresh process: the bare parse of
the same bytes (``yaml_rs.loads`` / ``orjson.loads`` with the collector paused, nothing
decoded); ``load / parse`` is the cost vigil adds on top of the parser.

Usage: python benchmarks/load.py [--nodes 5000] [--pods 50000] [--formats yaml,json] [--seed 1]
Quick check: python benchmarks/load.py --nodes 500 --pods 5000
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

TARGET_SECONDS = 30.0
TARGET_BYTES = 4 * 1024**3


def _export_gen():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("export_gen", _HERE / "export_gen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_load(path: str) -> dict[str, object]:
    from vigil.cli.cluster_input import load_cluster

    started = time.perf_counter()
    cluster = load_cluster([path])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak": _peak_bytes(),
        "nodes": len(cluster.nodes),
        "pods": len(cluster.pods),
        "workloads": len(cluster.workloads),
        "pdbs": len(cluster.pdbs),
    }


def child_parse(path: str) -> dict[str, object]:
    import orjson
    import yaml_rs

    data = Path(path).read_bytes()
    gc.disable()
    started = time.perf_counter()
    if path.endswith(".json"):
        orjson.loads(data)
    else:
        yaml_rs.loads(data.decode(), parse_datetime=False)
    return {"seconds": time.perf_counter() - started, "peak": _peak_bytes()}


def _run_child(mode: str, path: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, f"--child-{mode}", path],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        timeout=1800,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=50000)
    parser.add_argument("--formats", default="yaml,json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child-load")
    parser.add_argument("--child-parse")
    args = parser.parse_args()
    if args.child_load:
        print(json.dumps(child_load(args.child_load)))
        return
    if args.child_parse:
        print(json.dumps(child_parse(args.child_parse)))
        return
    gen = _export_gen()
    started = time.perf_counter()
    items = gen.generate(args.nodes, args.pods, seed=args.seed)
    print(
        f"generated {len(items):,} objects ({args.nodes:,} nodes, {args.pods:,} pods) in "
        f"{time.perf_counter() - started:.1f}s",
        flush=True,
    )
    writers = {"yaml": gen.to_yaml, "json": gen.to_json}
    ok = True
    with tempfile.TemporaryDirectory(prefix="vigil-load-") as tmp:
        for fmt in args.formats.split(","):
            path = str(Path(tmp) / f"export.{fmt}")
            data = writers[fmt](items)
            Path(path).write_bytes(data)
            size = len(data)
            del data
            print(f"{fmt}: {size / 1e6:.0f} MB; parse baseline ...", flush=True)
            base = _run_child("parse", path)
            print(f"{fmt}: loading ...", flush=True)
            load = _run_child("load", path)
            seconds, peak = float(load["seconds"]), int(load["peak"])  # type: ignore[arg-type]
            base_s = float(base["seconds"])  # type: ignore[arg-type]
            met = seconds < TARGET_SECONDS and peak < TARGET_BYTES
            ok = ok and met
            print(
                f"{fmt}: loaded {load['nodes']:,} nodes, {load['pods']:,} pods, "
                f"{load['workloads']:,} workloads, {load['pdbs']:,} PDBs in {seconds:.1f}s, "
                f"peak {peak / 1024**3:.2f} GiB (targets {TARGET_SECONDS:.0f}s, "
                f"{TARGET_BYTES / 1024**3:.0f} GiB: {'met' if met else 'MISSED'}); "
                f"bare parse {base_s:.1f}s, ratio load/parse = {seconds / base_s:.2f}",
                flush=True,
            )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
