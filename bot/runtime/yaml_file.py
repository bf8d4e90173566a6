"""Reading an operator's YAML file (POLICY_FILE, FLEET_FILE) so that any failure is one line."""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.reader import ReaderError


class YamlFileError(ValueError):
    """The file cannot be read or parsed; the message is one line (line and column for a YAML error)."""


def read_yaml(path: Path) -> object:
    """The document in `path`; unreadable, undecodable or malformed YAML raises a one-line YamlFileError.

    PyYAML's own message spans several lines (the mark, a quote of the line, a caret); an operator
    reading a start-up failure needs the line, the column and what is wrong.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise YamlFileError(error.strerror or str(error)) from None
    except UnicodeDecodeError as error:
        raise YamlFileError(f"byte {error.start}: not UTF-8 ({error.reason})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise YamlFileError(yaml_problem(error, text)) from None


def yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """`line L, column C: what is wrong` (1-based, as editors count) for a YAML error in `text`."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        what = error.problem or "invalid YAML"
        if error.context:
            what = f"{what} ({error.context})"
        return f"line {mark.line + 1}, column {mark.column + 1}: {_one_line(what)}"
    if isinstance(error, ReaderError):  # a control character: PyYAML gives an offset, not a line
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        return f"line {line}, column {column}: character {int(error.character):#06x}: {error.reason}"
    return _one_line(str(error))


def _one_line(text: str) -> str:
    return " ".join(text.split())
