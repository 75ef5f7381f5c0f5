"""The inspection ground: what every detector reads and writes.

The learned model (:mod:`vigil.behavior`) and the rule and signature detectors
(:mod:`vigil.signatures`) sit side by side above this package and never import each other; they
meet here, through the alert they raise, the observation they read and the detector protocol the
inspector drives phase by phase.
"""
