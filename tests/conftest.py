"""Suite-wide test settings.

Hypothesis' per-example deadline measures wall time, which on a shared two-core machine (CI, or
a developer's laptop running other work) says more about the neighbours than about the code;
speed targets live in ``benchmarks/``. Examples are still bounded by their own counts.
``VIGIL_HYPOTHESIS=thorough`` runs ten times more examples per property, for a search before a
release rather than on every commit.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("vigil", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough",
    parent=settings.get_profile("vigil"),
    max_examples=1000,
)
settings.load_profile(os.environ.get("VIGIL_HYPOTHESIS", "vigil"))
