"""Read a YAML register (data/sources.yaml, data/claims.yaml) with the line of every field, so
an error names the file, the line and the field instead of a parser traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ictstats.errors import IctstatsError

Lines = dict[tuple[Any, ...], int]  # ("sources", 3, "url") -> line of that key (1-based)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps a date-like scalar which is no real date (2024-13-01) as text, so
    the register's own check reports it with its line instead of a bare ValueError."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read(path: Path, error: type[IctstatsError]) -> tuple[Any, Lines]:
    """The document and the line of every mapping key and sequence item; a syntax error or a
    key given twice in one mapping stops with `error` naming file, line and column."""
    text = Path(path).read_text("utf-8")
    try:
        root = yaml.compose(text, Loader=_Loader)
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}: not valid YAML{at}: {problem}; fix the syntax there") from exc
    lines: Lines = {}
    if root is not None:
        _walk(path, root, (), lines, error)
    return document, lines


def _walk(path: Path, node: yaml.Node, key: tuple, lines: Lines, error: type) -> None:
    lines.setdefault(key, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for name_node, value in node.value:
            name = name_node.value
            if key + (name,) in lines:
                # PyYAML keeps the last of two equal keys silently; an edit would be lost
                raise error(
                    f"{path}, line {name_node.start_mark.line + 1}: field {name!r} appears twice "
                    f"in one entry (first at line {lines[key + (name,)]}); keep one"
                )
            lines[key + (name,)] = name_node.start_mark.line + 1
            _walk(path, value, key + (name,), lines, error)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(path, item, key + (index,), lines, error)
