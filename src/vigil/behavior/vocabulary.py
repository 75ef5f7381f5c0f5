"""Names a policy file may use, checked where the file is read.

A policy (learned or written by an operator) names character classes, encodings, sequences,
shapes, grammars and dangerous structures by word. A misspelt word must fail when the file is
loaded, with the list of known words, rather than silently admit or forbid nothing. The
annotated types here carry that check, so every policy model field that holds such names
validates them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

from vigil.behavior.grammars import kind_named
from vigil.behavior.structure import dangers_from_names
from vigil.behavior.values import SEQUENCES, SHAPES, classes_from_names
from vigil.http.urlcodec import flags_from_names


def _within(known: tuple[str, ...], what: str) -> Callable[[list[str]], list[str]]:
    ordered = list(known)

    def check(value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ordered))
        if unknown:
            raise ValueError(f"unknown {what}(s) {unknown}; known: {ordered}")
        return value

    return check


def _classes(value: list[str]) -> list[str]:
    classes_from_names(value)
    return value


def _encodings(value: list[str]) -> list[str]:
    flags_from_names(value)
    return value


def _dangers(value: list[str]) -> list[str]:
    dangers_from_names(value)
    return value


def _grammar(value: str | None) -> str | None:
    if value is not None:
        kind_named(value)
    return value


ClassNames = Annotated[list[str], AfterValidator(_classes)]
"""Character class names (``lower``, ``digit``...)."""
EncodingNames = Annotated[list[str], AfterValidator(_encodings)]
"""Encoding anomaly names (``crlf``, ``nul-byte``...)."""
SequenceNames = Annotated[list[str], AfterValidator(_within(SEQUENCES, "sequence"))]
"""Risky character sequence names."""
ShapeNames = Annotated[list[str], AfterValidator(_within(SHAPES, "shape"))]
"""Value shape names (``uuid``, ``int``...)."""
DangerNames = Annotated[list[str], AfterValidator(_dangers)]
"""Dangerous structure names (``markup``, ``sql``...)."""
GrammarName = Annotated[str | None, AfterValidator(_grammar)]
"""A field kind's grammar (``name``, ``email``...), or none."""
