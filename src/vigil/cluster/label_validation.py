"""Label keys and values as the API server validates them (``IsQualifiedName``,
``IsValidLabelValue`` in ``apimachinery/pkg/util/validation``), with its exact messages.

A label key is an optional DNS-subdomain prefix (lower case, at most 253 characters) and ``/``,
then a name of at most 63 alphanumeric characters, ``-``, ``_`` or ``.``. Keys are matched byte
for byte everywhere (NodeRestriction, selectors, vigil's isolation), so ``Node-Restriction.
kubernetes.io/isolation`` is not the protected key; it is not a valid key either, and the API
server refuses an object carrying it (422) after admission. Checking it here lets the admission
emulation answer as the API server does instead of letting such a label through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import re2

from vigil.cluster.priority_classes import (
    DNS1123_SUBDOMAIN_ERROR,
    DNS1123_SUBDOMAIN_MAX_LENGTH,
    FieldProblem,
    go_quote,
)

QUALIFIED_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_QUALIFIED_NAME = re2.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE = re2.compile(_LABEL_VALUE_FMT)
_DNS1123_SUBDOMAIN = re2.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """``RegexError``, with upstream's punctuation (``'a',  or 'b'``)."""
    text = message + " (e.g. "
    for i, example in enumerate(examples):
        if i:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


QUALIFIED_NAME_ERROR = _regex_error(
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character",
    _QUALIFIED_NAME_FMT,
    "MyName",
    "my.name",
    "123-abc",
)
LABEL_VALUE_ERROR = _regex_error(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character",
    _LABEL_VALUE_FMT,
    "MyValue",
    "my_value",
    "12345",
)


def _max_len(limit: int) -> str:
    return f"must be no more than {limit} characters"


def qualified_name_errors(key: str) -> list[str]:
    """``IsQualifiedName``: what is wrong with a label key (empty when valid)."""
    parts = key.split("/")
    errors: list[str] = []
    if len(parts) > 2:
        return [
            "a qualified name "
            + QUALIFIED_NAME_ERROR
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if len(prefix) > DNS1123_SUBDOMAIN_MAX_LENGTH:
                errors.append("prefix part " + _max_len(DNS1123_SUBDOMAIN_MAX_LENGTH))
            if _DNS1123_SUBDOMAIN.fullmatch(prefix) is None:
                errors.append("prefix part " + DNS1123_SUBDOMAIN_ERROR)
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + _max_len(QUALIFIED_NAME_MAX_LENGTH))
    if _QUALIFIED_NAME.fullmatch(name) is None:
        errors.append("name part " + QUALIFIED_NAME_ERROR)
    return errors


def label_value_errors(value: str) -> list[str]:
    """``IsValidLabelValue``: what is wrong with a label value (empty when valid)."""
    errors = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        errors.append(_max_len(LABEL_VALUE_MAX_LENGTH))
    if value and _LABEL_VALUE.fullmatch(value) is None:
        errors.append(LABEL_VALUE_ERROR)
    return errors


def validate_labels(labels: Mapping[str, str], path: str = "metadata.labels") -> list[FieldProblem]:
    """``ValidateLabels``, key by key in sorted order (upstream walks a Go map)."""
    problems: list[FieldProblem] = []
    for key in sorted(labels):
        problems.extend(
            FieldProblem(path, "Invalid value", m, go_quote(key))
            for m in qualified_name_errors(key)
        )
        value = labels[key]
        problems.extend(
            FieldProblem(path, "Invalid value", m, go_quote(value))
            for m in label_value_errors(value)
        )
    return problems


def invalid_label_keys(keys: Iterable[str]) -> list[str]:
    """The keys of ``keys`` that are not valid label keys."""
    return [k for k in keys if qualified_name_errors(k)]
