"""User-facing errors and warnings, each pointing at a file and a line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


def location(path: Path | str | None, line: int | None = None, col: int | None = None) -> str:
    """`file:line:col`, leaving out what is unknown."""
    if path is None:
        return ""
    parts = [str(path)]
    if line is not None:
        parts.append(str(line))
        if col is not None:
            parts.append(str(col))
    return ":".join(parts)


@dataclass(frozen=True)
class Diagnostic:
    """Something the build noticed but could fix or ignore; `--strict` turns it into an error."""

    message: str
    path: Path | str | None = None
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        where = location(self.path, self.line, self.col)
        return f"{where}: {self.message}" if where else self.message

    def as_json(self) -> list:
        return [self.message, None if self.path is None else str(self.path), self.line, self.col]

    @classmethod
    def from_json(cls, value: list) -> Diagnostic:
        message, path, line, col = value
        return cls(message, path, line, col)

    def at(self, path: Path | str, line_offset: int = 0) -> Diagnostic:
        """The same diagnostic, placed in a file (line numbers shifted by `line_offset`)."""
        line = None if self.line is None else self.line + line_offset
        return Diagnostic(self.message, path, line, self.col)


class MakeBookError(click.ClickException):
    """A problem with the user's input or environment: printed as one message, exit status 1."""

    exit_code = 1

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 col: int | None = None) -> None:
        where = location(path, line, col)
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.line = line


class BuildAbandoned(MakeBookError):
    """The build left its worker processes without waiting for them (one died): the process ends with
    this message and without Python's own exit, which would wait for the pool's thread (workers.py)."""


class ConfigError(MakeBookError):
    """One or more problems in book.toml, all reported at once."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str]]) -> None:
        lines = [f"{location(path, line)}: {text}" for line, text in problems]
        click.ClickException.__init__(self, f"{len(problems)} problem(s) in {path}:\n  " + "\n  ".join(lines)
                                      if len(problems) > 1 else lines[0])
        self.path = path
        self.line = problems[0][0]
        self.problems = problems
