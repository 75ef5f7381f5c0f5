"""The self-contained demo: a vulnerable sample service behind the gate."""
