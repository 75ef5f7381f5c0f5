"""Evaluation on labelled traffic: data-set readers and detection metrics."""
