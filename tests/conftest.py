"""Suite-wide test settings.

Hypothesis' per-example deadline measures wall time, which on a shared two-core machine (CI, or
a developer's laptop running other work) says more about the neighbours than about the code;
speed targets live in ``benchmarks/``. Examples are still bounded by their own counts.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("vigil", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("vigil")
