"""How a book.toml key is declared, once: on its dataclass field, with its default, choices and one line
of documentation. The validator, `make-book new`'s commented book.toml and the tables in
docs/configuration.md are all derived from these declarations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED = object()


@dataclass(frozen=True)
class KeyDoc:
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    default_text: str = ""  # how the docs describe a default computed from other keys


def key(default: Any = REQUIRED, doc: str = "", choices: tuple[str, ...] = (), default_text: str = "") -> Any:
    """A book.toml key: a dataclass field carrying its declaration. The dataclass itself has no default:
    the validator always passes every value, so a missing key can never slip through."""
    return dataclasses.field(metadata={"key": KeyDoc(default, doc, choices, default_text)})


@dataclass(frozen=True)
class Key:
    name: str
    kind: Any  # the field's type: str, int, bool, dt.date, tuple[str, ...], Path, Path | None
    declaration: KeyDoc

    @property
    def default(self) -> Any:
        return self.declaration.default

    @property
    def required(self) -> bool:
        return self.declaration.default is REQUIRED

    @property
    def is_path(self) -> bool:
        return Path in _members(self.kind)

    @property
    def kind_text(self) -> str:
        if self.declaration.choices:
            quoted = [f'`"{choice}"`' for choice in self.declaration.choices]
            return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
        return _KIND_TEXT.get(self.kind, "path" if self.is_path else str(self.kind))


def keys_of(cls: type) -> tuple[Key, ...]:
    """The declared keys of a config dataclass, in declaration order (fields without a declaration are
    derived values, not keys)."""
    hints = typing.get_type_hints(cls)
    return tuple(Key(field.name, hints[field.name], field.metadata["key"])
                 for field in dataclasses.fields(cls) if "key" in field.metadata)


def _members(kind: Any) -> tuple[Any, ...]:
    return typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)


_KIND_TEXT = {str: "string", int: "integer", bool: "boolean", dt.date: "date", tuple[str, ...]: "list of strings"}
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "a list",
               dt.date: "a date (2026-11-27)", dict: "a table", float: "a number", dt.datetime: "a date and time"}


def type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def type_error(value: Any, kind: Any) -> str | None:
    """Why `value`, as TOML gave it, cannot be a `kind`; None when it can."""
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is dt.date:
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    elif kind == tuple[str, ...]:
        if not isinstance(value, list):
            return f"must be a list, not {type_name(value)}"
        ok = all(isinstance(item, str) for item in value)
        return None if ok else "must be a list of strings"
    elif Path in _members(kind):
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, kind)
    if ok:
        return None
    wanted = "a string" if Path in _members(kind) else _TYPE_NAMES.get(kind, str(kind))
    return f"must be {wanted}, not {type_name(value)}"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, dt.date)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_text(declared: Key) -> str:
    if declared.required:
        return "required"
    return declared.declaration.default_text or f"`{toml_value(declared.default)}`"


def markdown_table(cls: type, prefix: str = "") -> str:
    """The docs' table of a config dataclass's keys."""
    rows = ["| key | type | default | what it is |", "|---|---|---|---|"]
    rows += [f"| `{prefix}{declared.name}` | {declared.kind_text} | {default_text(declared)} | "
             f"{declared.declaration.doc} |" for declared in keys_of(cls)]
    return "\n".join(rows)


def key_line(source: str, path: tuple[str | int, ...]) -> int | None:
    """The line that defines `path` (keys, and indexes into arrays of tables) in a TOML text, whatever
    form it takes: a `[table]`, a dotted key, an inline table, a quoted key, a multi-line value.

    Found by parsing growing prefixes of the text: the first prefix that defines `path` ends on the
    statement that defines it, which starts after the last prefix that parsed without it. Quadratic,
    but only run to report an error, on a file of a few dozen lines."""
    lines = source.splitlines(keepends=True)
    parsed_without = 0
    for end in range(1, len(lines) + 1):
        try:
            data = tomllib.loads("".join(lines[:end]))
        except tomllib.TOMLDecodeError:
            continue  # the prefix ends inside a statement
        if _defines(data, path):
            return _line_in_statement(lines, parsed_without, end, path)
        parsed_without = end
    return None


def _line_in_statement(lines: list[str], start: int, end: int, path: tuple[str | int, ...]) -> int:
    """The line of `path` among lines[start:end], one statement: where the key is written, when it is
    written once there (a key inside a multi-line inline array), else where the statement starts."""
    if isinstance(path[-1], str):
        written = re.compile(rf"""(^|[\s{{,.]){re.escape(path[-1])}["']?\s*=|["']{re.escape(path[-1])}["']\s*=""")
        found = [number for number in range(start, end) if written.search(lines[number])]
        if len(found) == 1:
            return found[0] + 1
    for number in range(start, end):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#"):
            return number + 1
    return end


def _defines(data: Any, path: tuple[str | int, ...]) -> bool:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return False
        elif not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def defaults(cls: type) -> Any:
    """The dataclass with every key at its default (for tables whose keys all have one)."""
    return cls(**{declared.name: tuple(declared.default) if isinstance(declared.default, list) else declared.default
                  for declared in keys_of(cls)})
