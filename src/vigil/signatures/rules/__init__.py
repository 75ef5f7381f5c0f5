"""Operator rules: virtual patches and signatures written in a YAML file.

When a CVE is published for a route, the operator protects it in minutes with a targeted
constraint (``on POST /login, form.username must match ^[a-z]{1,32}$``) that replaces what the
learned model knows about that field; when an exploit is published, a signature forbids it. The
file format is :mod:`~vigil.signatures.rules.schema`, read with line numbers by
:mod:`~vigil.signatures.rules.source`, and compiled into one
:class:`~vigil.signatures.rules.ruleset.RuleSet` whose patterns run through one multi-pattern
matcher per service.
"""
