"""The check catalogue in Markdown, generated from the registry (``docs/audit-checks.md``).

Run ``python -m vigil.audit.catalogue > docs/audit-checks.md``; a test fails when the file and
the code disagree, so the documentation cannot drift from the checks.
"""

from __future__ import annotations

from vigil.audit.registry import all_checks

HEADER = """# vigil audit: check catalogue

Generated from the code by `python -m vigil.audit.catalogue`; do not edit by hand.
Each check has pass and fail fixtures in `tests/audit/fixtures/<ID>/`.
"""


def catalogue() -> str:
    """The whole catalogue: a summary table, then one section per check."""
    checks = [e.check for e in all_checks()]
    lines = [HEADER, "| id | name | severity | admission | title |", "|---|---|---|---|---|"]
    lines.extend(
        f"| [{c.id}](#{c.id.lower()}-{c.name}) | `{c.name}` | {c.severity.label} | "
        f"{'deny or warn' if c.admission else '-'} | {c.title} |"
        for c in checks
    )
    for c in checks:
        lines += [
            "",
            f"## {c.id} {c.name}",
            "",
            f"**{c.title}.** Severity: {c.severity.label}."
            + (" Also an admission rule." if c.admission else ""),
            "",
            f"*Why:* {c.rationale}",
            "",
            f"*Fix:* {c.remediation}",
        ]
        if c.references:
            lines += ["", "*References:*", *(f"- <{r}>" for r in c.references)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue(), end="")
