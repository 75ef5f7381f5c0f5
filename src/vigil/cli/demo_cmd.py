"""``vigil demo``: a learner and two gates in front of a vulnerable service, learning then blocking.

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
    help="Benign requests replayed through the two gates while the learner learns.",
)
@click.option(
    "--keep-policy",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the policy the learner published to FILE (read it with `vigil policy show FILE`).",
)
def command(*, requests_: int, keep_policy: Path | None) -> None:
    """Show two gates and a learner stopping attacks on a vulnerable sample service.

    Starts two replicas of a small SQL-injectable service on 127.0.0.1, `vigil learner serve`
    and two `vigil gate` processes (one per replica) that post what they observe to the
    learner. Benign traffic is replayed through both gates; the learner merges it into one
    policy, the demo switches its routes to enforce at the learner (the gates follow without a
    restart), then sends benign controls and attacks and prints what the gates did with each.
    """
    from vigil.demo.run import DemoOptions, main  # noqa: PLC0415 - keeps `--help` fast

    if keep_policy is not None and not keep_policy.resolve().parent.is_dir():
        raise click.BadParameter(
            f"directory {keep_policy.parent} does not exist", param_hint="--keep-policy"
        )
    raise SystemExit(main(DemoOptions(requests=requests_, keep_policy=keep_policy)))
