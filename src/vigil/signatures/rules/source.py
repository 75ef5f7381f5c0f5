"""Reading a rule file: YAML in, a validated :class:`RuleFile` out, errors with file and line.

PyYAML's composer keeps where every node starts; the loader keeps those marks beside the data, so
a validation error on ``rules[3].require.regex`` is reported as
``rules.yaml:14: rules[3].require.regex: invalid RE2 pattern: missing )`` and the operator goes
straight to the line. Duplicate keys, which PyYAML would silently collapse, are errors here, and
so are duplicate rule ids. Reading is bounded: a file over :data:`MAX_FILE_BYTES` is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from vigil.signatures.rules.schema import API_VERSION, RuleFile

MAX_FILE_BYTES = 8 << 20
"""Largest rule file read (8 MiB)."""

Location = tuple[str | int, ...]


class RulesError(ValueError):
    """A rule file that cannot be used; the message names the file, the line and the field.

    ``problems`` lists every problem found (one line each); the message is the first.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0])
        self.problems = problems


class _Loader(yaml.SafeLoader):
    """A safe loader that leaves dates as text, so the schema parses them with a located error."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _lines(node: yaml.Node, where: Location, out: dict[Location, int], problems: list[str]) -> None:
    out[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                problems.append(
                    f"{key.start_mark.line + 1}: {_dotted((*where, name))}: duplicate key"
                )
            seen.add(name)
            out[(*where, name)] = key.start_mark.line + 1
            _lines(value, (*where, name), out, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*where, index), out, problems)


def _dotted(where: Location) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def _line_of(where: Location, lines: dict[Location, int]) -> int | None:
    for end in range(len(where), -1, -1):
        line = lines.get(where[:end])
        if line is not None:
            return line
    return None


def parse_rules(text: str, source: str = "<rules>") -> RuleFile:
    """Validate rule-file ``text``; ``source`` names it in errors."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data: Any = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or exc
        raise RulesError([f"{source}{where}: invalid YAML: {reason}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError(
            [f"{source}:1: expected a mapping with apiVersion {API_VERSION} and kind Rules"]
        )
    lines: dict[Location, int] = {}
    problems: list[str] = []
    if node is not None:
        _lines(node, (), lines, problems)
    problems = [f"{source}:{p}" for p in problems]
    problems.extend(_duplicate_ids(data, lines, source))
    if problems:
        raise RulesError(problems)
    try:
        return RuleFile.model_validate(data)
    except ValidationError as exc:
        located: dict[str, str] = {}
        for error in exc.errors():
            where, message = _located(error, lines, source)
            located.setdefault(where, f"{where}: {message}")
        raise RulesError(list(located.values())) from None


def _located(error: Any, lines: dict[Location, int], source: str) -> tuple[str, str]:
    where = tuple(p for p in error["loc"] if isinstance(p, (str, int)))
    if len(where) > 1 and where[-1] in {"date", "datetime"}:
        where = where[:-1]
    line = _line_of(where, lines)
    message = str(error["msg"]).removeprefix("Value error, ")
    prefix = f"{source}:{line}" if line is not None else source
    return f"{prefix}: {_dotted(where)}", message


def _duplicate_ids(data: dict[str, Any], lines: dict[Location, int], source: str) -> list[str]:
    rules = data.get("rules")
    if not isinstance(rules, list):
        return []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            line = _line_of(("rules", index, "id"), lines)
            problems.append(
                f"{source}:{line}: rules[{index}].id: {rule_id!r} is already the id of rules[{seen[rule_id]}]"
            )
        else:
            seen[rule_id] = index
    return problems


def load_rules(path: str | Path) -> RuleFile:
    """Read and validate a rule file; errors name the file, the line and the field."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RulesError([f"{path}: cannot read: {exc.strerror}"]) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise RulesError([f"{path}: larger than {MAX_FILE_BYTES} bytes"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesError([f"{path}: not UTF-8 (byte {exc.start})"]) from None
    return parse_rules(text, str(path))
