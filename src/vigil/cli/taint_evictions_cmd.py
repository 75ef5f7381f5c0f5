"""``vigil taint-evictions``: which pods the taint eviction controller deletes, and when.

For every pod bound to a node with NoExecute taints: deleted at once (a taint no toleration
matches), after the smallest ``tolerationSeconds`` of the tolerations used, or never.
"""

from __future__ import annotations

import click

from vigil.cli.cluster_input import cluster_files, load_cluster, output_option, require_node
from vigil.cli.text import echo_json, echo_lines, table
from vigil.disruption import taint_evictions


@click.command(name="taint-evictions")
@cluster_files
@output_option("A table, or a JSON list with one object per pod on a node with NoExecute taints.")
@click.option("--node", "nodes", multiple=True, metavar="NODE", help="Only these nodes.")
def command(files: tuple[str, ...], output: str, nodes: tuple[str, ...]) -> None:
    """List the pods of FILE... (manifests, exports, `-`) on nodes with NoExecute taints, and
    what the taint eviction controller does with each. Exit code 0, or 2 for bad input."""
    cluster = load_cluster(files)
    for name in nodes:
        require_node(cluster, name)
    found = taint_evictions(cluster, nodes or None)
    if output == "json":
        echo_json([e.as_dict() for e in found])
        return
    if not found:
        click.echo("no pod runs on a node with NoExecute taints")
        return
    rows = [["POD", "NODE", "EVICTED", "AFTER", "TAINT", "WHY"]]
    for e in found:
        data = e.as_dict()
        after = data["evictAfterSeconds"]
        rows.append(
            [
                e.pod,
                e.node,
                "yes" if e.evicted else "no",
                "-" if after is None else f"{after}s",
                data["taint"],
                e.reason,
            ]
        )
    echo_lines(table(rows))
