"""``vigil taint-evictions``: which pods the taint eviction controller deletes, and when.

For every pod bound to a node with NoExecute taints: deleted at once (a taint no toleration
matches), after the smallest ``tolerationSeconds`` of the tolerations used, or never.
"""

from __future__ import annotations

import json

import click

from vigil.cli.cluster_input import InputError, load_cluster
from vigil.cli.text import table
from vigil.disruption import taint_evictions


@click.command(name="taint-evictions")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table, or a JSON list with one object per pod on a node with NoExecute taints.",
)
@click.option("--node", "nodes", multiple=True, metavar="NODE", help="Only these nodes.")
def command(files: tuple[str, ...], output: str, nodes: tuple[str, ...]) -> None:
    """List the pods of FILE... (manifests, exports, `-`) on nodes with NoExecute taints, and
    what the taint eviction controller does with each."""
    cluster = load_cluster(files)
    for name in nodes:
        if cluster.node(name) is None:
            raise InputError(f"no node {name} in the input")
    found = taint_evictions(cluster, nodes or None)
    if output == "json":
        click.echo(json.dumps([e.as_dict() for e in found], indent=2))
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
    for line in table(rows):
        click.echo(line)
