"""``vigil demo``: the gate in front of an intentionally vulnerable service, learning then blocking.

Everything runs on 127.0.0.1 and is stopped at the end (also on Ctrl-C). The exit status is 0
only when every attack was blocked and every benign control passed.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="demo")
@click.option(
    "--requests",
    "requests_",
    type=click.IntRange(min=200, max=200_000),
    default=2000,
    show_default=True,
    help="Benign requests replayed through the gate while it learns.",
)
@click.option(
    "--keep-policy",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Copy the learned policy YAML to FILE (read it with `vigil policy show FILE`).",
)
def command(*, requests_: int, keep_policy: Path | None) -> None:
    """Show the gate stopping attacks on a vulnerable sample service.

    Starts a small SQL-injectable service and `vigil gate` in learn mode in front of it on
    127.0.0.1, replays benign traffic, restarts the gate in enforce mode on the learned policy,
    then sends benign controls and attacks and prints what the gate did with each.
    """
    from vigil.demo.run import DemoOptions, main  # noqa: PLC0415 - keeps `--help` fast

    if keep_policy is not None and not keep_policy.resolve().parent.is_dir():
        raise click.BadParameter(
            f"directory {keep_policy.parent} does not exist", param_hint="--keep-policy"
        )
    raise SystemExit(main(DemoOptions(requests=requests_, keep_policy=keep_policy)))
