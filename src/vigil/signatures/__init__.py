"""Known-bad knowledge: built-in attack detectors, response leak detectors and operator rules.

The learned model (:mod:`vigil.behavior`) says what a route normally sees; this package says what
is dangerous anywhere, before anything was learned: SQL, script, command, template and JNDI
injection, traversal, SSRF targets, NoSQL operators, header injection, leaks in responses, and
the operator's own virtual patches and signatures from a rule file. Everything here is pure: no
clock, no I/O beyond what a caller hands in.
"""
