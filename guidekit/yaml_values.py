"""The values YAML parsing gives (see yaml_lines), and its error: types alone, without PyYAML,
so that a build process that parses nothing (a rebuild after an edit: a worker parses the
file changed) reads them without loading PyYAML (10 ms)."""
from __future__ import annotations


class LineMap(dict):
    """A YAML mapping; `key_lines[key]` is the 1-based line where the key was written."""

    line = 0
    key_lines: dict


class LineList(list):
    """A YAML sequence; `item_lines[i]` is the 1-based line of item i."""

    line = 0
    item_lines: list


class YamlError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message
