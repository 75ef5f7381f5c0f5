"""Suite-wide test settings.

Hypothesis' per-example deadline measures wall time, which on a shared two-core machine (CI, or
a developer's laptop running other work) says more about the neighbours than about the code;
speed targets live in ``benchmarks/``. Examples are still bounded by their own counts.

The default profile is derandomized: every run of the test command tries the same examples, so a
commit that passed once passes on CI too. ``VIGIL_HYPOTHESIS=thorough`` searches instead: random
examples, ten times more per property; run it before a release and turn what it finds into a fix
and an ``@example``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "vigil",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("vigil"),
    derandomize=False,
    max_examples=1000,
)
settings.load_profile(os.environ.get("VIGIL_HYPOTHESIS", "vigil"))
