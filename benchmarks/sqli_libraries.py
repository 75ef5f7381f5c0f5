"""vigil's SQL injection and XSS detectors against libinjection, on the same values.

libinjection (the C library behind ModSecurity's ``@detectSQLi``/``@detectXSS``) has a Python
binding on PyPI, ``libinjection-python`` (an sdist: it builds with a C compiler; last release
2022). This script reads values from the CRS regression corpus (the SQLi and XSS rule families,
attacks and benign near-misses, values decoded as the gate decodes them) and from CSIC 2010's
normal test traffic (every profiled value, benign), and prints, for each detector, the share of
attack tests it flags (all of them, and apart the dev half, odd test ids, and the holdout half,
even test ids, so that a detector tuned while looking at dev cases is also judged on cases
nobody looked at), the share of benign values it flags, and the microseconds per value.

libinjection is optional: without it (``pip install libinjection-python==1.1.6`` into the
environment that runs this script) only vigil's detectors are measured.

Usage: python benchmarks/sqli_libraries.py [--csic-limit 5000]
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [
    p for p in sys.path if str(Path(p or ".").resolve()) != _HERE
]  # benchmarks/inspect.py would shadow the standard library's inspect

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from vigil.behavior.profile import profile_request  # noqa: E402
from vigil.evaluation.crs_corpus import DEFAULT_CRS, read_corpus  # noqa: E402
from vigil.evaluation.rawhttp import read_capture  # noqa: E402
from vigil.http.model import Request  # noqa: E402
from vigil.signatures.detection import Attack  # noqa: E402
from vigil.signatures.scan import detect, path_fields  # noqa: E402
from vigil.signatures.sqli import detect_sqli  # noqa: E402
from vigil.signatures.xss import detect_xss  # noqa: E402

CSIC = Path("../shared/data/csic2010")
Check = Callable[[str], bool]


def values_of(request: Request) -> list[str]:
    """The values the gate's detectors read: path, query, form, JSON, cookies, User-Agent."""
    fields = path_fields(request) + profile_request(request).fields
    keep = (
        "query.",
        "form.",
        "json.",
        "multipart.",
        "cookie.",
        "body",
        "path",
        "header.user-agent",
        "header.referer",
    )
    return [f.text for f in fields if f.path.startswith(keep) and f.text and not f.text.isalnum()]


def checks() -> dict[str, dict[str, Check]]:
    found: dict[str, dict[str, Check]] = {
        "sqli": {
            "vigil (routed)": lambda v: detect(Attack.SQLI, v) is not None,
            "vigil (unrouted)": lambda v: detect_sqli(v) is not None,
        },
        "xss": {
            "vigil (routed)": lambda v: detect(Attack.XSS, v) is not None,
            "vigil (unrouted)": lambda v: detect_xss(v) is not None,
        },
    }
    try:
        import libinjection  # type: ignore[import-not-found]
    except ImportError:
        print("libinjection not importable: measuring vigil only", file=sys.stderr)
        return found
    found["sqli"]["libinjection"] = lambda v: bool(libinjection.is_sql_injection(v)["is_sqli"])
    found["xss"]["libinjection"] = lambda v: bool(libinjection.is_xss(v)["is_xss"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csic-limit", type=int, default=5000, help="CSIC normal requests read")
    parser.add_argument("--crs", type=Path, default=DEFAULT_CRS)
    args = parser.parse_args()
    families = {"sqli": "sqli", "xss": "xss"}
    attacks: dict[str, list[list[str]]] = {k: [] for k in families}
    dev: dict[str, list[list[str]]] = {k: [] for k in families}
    holdout: dict[str, list[list[str]]] = {k: [] for k in families}
    near_misses: dict[str, list[list[str]]] = {k: [] for k in families}
    traffic: list[list[str]] = []
    for case in read_corpus(args.crs):
        if case.response is not None:
            continue
        if case.family == "benign-traffic":
            traffic.append(values_of(case.request))
        for kind, family in families.items():
            if case.family == family:
                values = values_of(case.request)
                (attacks if case.attack else near_misses)[kind].append(values)
                if case.attack:
                    (dev if case.test_id % 2 else holdout)[kind].append(values)
    csic: list[str] = []
    for count, request in enumerate(read_capture(CSIC / "normalTrafficTest.txt.gz")):
        if count >= args.csic_limit:
            break
        csic.extend(values_of(request))
    print(
        f"values: CSIC normal {len(csic)} (from {args.csic_limit} requests), CRS benign traffic tests {len(traffic)}"
    )
    for kind, detectors in checks().items():
        print(
            f"\n{kind}: attack tests {len(attacks[kind])} (dev {len(dev[kind])}, holdout "
            f"{len(holdout[kind])}), near-miss tests {len(near_misses[kind])}"
        )
        print(
            f"  {'detector':18s} {'attacks':>9s} {'dev':>7s} {'holdout':>8s} {'near-miss':>10s}"
            f" {'CRS 999':>9s} {'CSIC FP':>9s} {'us/value':>9s}"
        )
        for name, check in detectors.items():

            def share(tests: list[list[str]], check: Check = check) -> float:
                return sum(any(check(v) for v in vals) for vals in tests) / max(1, len(tests))

            hit = share(attacks[kind])
            miss = share(near_misses[kind])
            benign = sum(any(check(v) for v in vals) for vals in traffic)
            started = time.perf_counter()
            flagged = sum(check(v) for v in csic)
            per_value = (time.perf_counter() - started) / max(1, len(csic)) * 1e6
            print(
                f"  {name:18s} {hit:9.1%} {share(dev[kind]):7.1%} {share(holdout[kind]):8.1%}"
                f" {miss:10.1%} {benign:9d} {flagged / max(1, len(csic)):9.3%} {per_value:9.2f}"
            )


if __name__ == "__main__":
    main()
