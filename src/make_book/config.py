"""book.toml: one schema, validated once, every problem reported with its key and line."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from make_book.errors import ConfigError, MakeBookError

CONFIG_NAME = "book.toml"
REQUIRED = object()


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    is_path: bool = False


# The whole schema. docs/configuration.md documents every key; a test keeps the two in step.
BOOK_FIELDS: dict[str, Field] = {
    "title": Field(str, REQUIRED, "The book's title."),
    "subtitle": Field(str, "", "A subtitle, shown on the title page and in the metadata."),
    "slug": Field(str, "", "Base of the output file names; derived from the title when empty."),
    "language": Field(str, "fr", "BCP 47 language tag of the text."),
    "editor": Field(str, REQUIRED, "Who edited the collection; the EPUB's creator and the PDF's author."),
    "publisher": Field(str, "", "The publisher; the editor when empty."),
    "date": Field(dt.date, REQUIRED, "Publication date (TOML date, 2026-11-27)."),
    "edition": Field(str, "Première édition", "Edition statement on the copyright page."),
    "rights": Field(str, "Tous droits réservés.", "Rights statement."),
    "description": Field(str, "", "A short description for stores and the download page."),
    "subjects": Field(list, [], "Subjects (keywords), a list of strings."),
    "identifier": Field(str, "", "A stable identity of the book (a URL or URN); tomes without an ISBN "
                                 "get a UUID derived from it. The title is used when empty."),
    "cover_color": Field(str, "#1d3557", "Background colour of generated covers (#rrggbb)."),
    "styles": Field(str, "../styles", "Folder of the stylesheets and fonts, relative to book.toml.",
                    is_path=True),
}
TYPOGRAPHY_FIELDS: dict[str, Field] = {
    "space_before_high_punctuation": Field(str, "narrow", "Space before ; ! ?",
                                           choices=("narrow", "nbsp", "none")),
    "space_before_colon": Field(str, "nbsp", "Space before :", choices=("narrow", "nbsp", "none")),
    "space_inside_guillemets": Field(str, "narrow", "Space inside « »", choices=("narrow", "nbsp", "none")),
    "dialogue_hyphen": Field(bool, False, "Treat a line starting with '- ' as a dialogue dash."),
}
PDF_FIELDS: dict[str, Field] = {
    "page_size": Field(str, "A5", "Trim size: a CSS page size (A5, 148mm 210mm, …)."),
    "text_start": Field(str, "recto", "Where each text starts.", choices=("recto", "any")),
    "variant": Field(str, "pdf/ua-1", "PDF variant.", choices=("pdf/ua-1", "pdf/a-3b", "none")),
    "print_variant": Field(bool, False, "Also write SLUG-tome-N-print.pdf, with bleed and crop marks, for a printer."),
    "bleed": Field(str, "3mm", "Bleed of the printer's PDF (a CSS length)."),
}
TOME_FIELDS: dict[str, Field] = {
    "number": Field(int, REQUIRED, "The tome's number, 1, 2, …"),
    "title": Field(str, REQUIRED, "The tome's title (« Tome 1 »)."),
    "folder": Field(str, REQUIRED, "Folder of the tome's texts, relative to book.toml.", is_path=True),
    "isbn": Field(str, "", "The tome's ISBN, if it has one."),
    "cover_image": Field(str, "", "A cover image (PNG or JPEG), relative to book.toml; generated when empty.",
                         is_path=True),
}
TABLES: dict[str, dict[str, Field]] = {"typography": TYPOGRAPHY_FIELDS, "pdf": PDF_FIELDS}
SPACES = {"narrow": "\u202f", "nbsp": "\u00a0", "none": ""}


@dataclass(frozen=True)
class HouseStyle:
    """The characters the typography rules insert: the one place to change the house style."""

    high_punctuation_space: str = "\u202f"
    colon_space: str = "\u00a0"
    guillemet_space: str = "\u202f"
    dialogue_hyphen: bool = False


@dataclass(frozen=True)
class PdfOptions:
    page_size: str = "A5"
    text_start: str = "recto"
    variant: str = "pdf/ua-1"
    print_variant: bool = False
    bleed: str = "3mm"


@dataclass(frozen=True)
class TomeConfig:
    number: int
    title: str
    folder: Path
    isbn: str
    cover_image: Path | None
    identifier: str


@dataclass(frozen=True)
class BookMeta:
    title: str
    subtitle: str
    slug: str
    language: str
    editor: str
    publisher: str
    date: dt.date
    edition: str
    rights: str
    description: str
    subjects: tuple[str, ...]
    cover_color: str


@dataclass(frozen=True)
class Config:
    path: Path
    project_root: Path
    styles_dir: Path
    meta: BookMeta
    style: HouseStyle
    pdf: PdfOptions
    tomes: tuple[TomeConfig, ...]


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "book"


def tome_uuid(book_identity: str, number: int) -> str:
    """A tome identifier that never changes between builds: derived from the book and the number."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'make-book:{book_identity}:tome-{number}')}"


def load_config(manuscript_dir: Path) -> Config:
    """Read and validate `manuscript_dir/book.toml`, raising one ConfigError listing every problem."""
    path = manuscript_dir / CONFIG_NAME
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MakeBookError(f"no {CONFIG_NAME} here: a book needs one (see docs/configuration.md)",
                            path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MakeBookError(f"cannot read {CONFIG_NAME}: {exc}", path) from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(match.group(1)) if match else None
        reason = re.sub(r" \(at line.*", "", str(exc))
        raise MakeBookError(f"invalid TOML: {reason}", path, line) from None
    return _Validator(path, source).config(data)


class _Validator:
    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.lines = source.splitlines()
        self.problems: list[tuple[int | None, str]] = []
        self.manuscript_dir = path.parent.resolve()
        self.project_root = self.manuscript_dir.parent

    def config(self, data: dict[str, Any]) -> Config:
        book = self.table(data, BOOK_FIELDS, "", extra=set(TABLES) | {"tomes"})
        tables = {name: self.table(data.get(name, {}), fields, name) for name, fields in TABLES.items()}
        tomes = self.tomes(data.get("tomes"), book)
        styles_dir = self.resolve(book.get("styles"), "styles", "")
        if self.problems:
            raise ConfigError(self.path, self.problems)
        typography = tables["typography"]
        return Config(
            path=self.path,
            project_root=self.project_root,
            styles_dir=styles_dir,
            meta=BookMeta(
                title=book["title"], subtitle=book["subtitle"], slug=book["slug"] or slugify(book["title"]),
                language=book["language"], editor=book["editor"], publisher=book["publisher"] or book["editor"],
                date=book["date"], edition=book["edition"], rights=book["rights"],
                description=book["description"], subjects=tuple(book["subjects"]),
                cover_color=book["cover_color"]),
            style=HouseStyle(
                high_punctuation_space=SPACES[typography["space_before_high_punctuation"]],
                colon_space=SPACES[typography["space_before_colon"]],
                guillemet_space=SPACES[typography["space_inside_guillemets"]],
                dialogue_hyphen=typography["dialogue_hyphen"]),
            pdf=PdfOptions(**tables["pdf"]),
            tomes=tomes,
        )

    def table(self, data: Any, fields: dict[str, Field], prefix: str, extra: set[str] = frozenset(),
              index: int | None = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.problem(prefix, f"'{prefix}' must be a table", index=index)
            return {}
        values: dict[str, Any] = {}
        for key in data:
            if key in fields or key in extra:
                continue
            suggestion = difflib.get_close_matches(key, list(fields) + sorted(extra), n=1)
            hint = f" (did you mean '{suggestion[0]}'?)" if suggestion else ""
            self.problem(prefix, f"unknown key '{self.dotted(prefix, key, index)}'{hint}", key, index)
        for key, field in fields.items():
            name = self.dotted(prefix, key, index)
            if key not in data:
                if field.default is REQUIRED:
                    self.problem(prefix, f"missing required key '{name}'", None, index)
                else:
                    values[key] = field.default
                continue
            value = data[key]
            if not self.has_kind(value, field.kind):
                self.problem(prefix, f"'{name}' must be {self.kind_name(field.kind)}, "
                                     f"not {self.kind_name(type(value))}", key, index)
            elif field.choices and value not in field.choices:
                self.problem(prefix, f"'{name}' must be one of {', '.join(field.choices)}, not '{value}'",
                             key, index)
            elif field.kind is list and not all(isinstance(item, str) for item in value):
                self.problem(prefix, f"'{name}' must be a list of strings", key, index)
            else:
                values[key] = value
        return values

    def tomes(self, data: Any, book: dict[str, Any]) -> tuple[TomeConfig, ...]:
        if data is None:
            self.problem("", "missing required table '[[tomes]]'")
            return ()
        if not isinstance(data, list) or not data:
            self.problem("", "'tomes' must be a non-empty array of tables ([[tomes]])", "tomes")
            return ()
        tomes = []
        for index, item in enumerate(data):
            values = self.table(item, TOME_FIELDS, "tomes", index=index)
            if not {"number", "title", "folder"} <= values.keys():
                continue
            folder = self.resolve(values["folder"], "folder", "tomes", index)
            cover = self.resolve(values["cover_image"], "cover_image", "tomes", index) \
                if values["cover_image"] else None
            identity = book.get("identifier") or book.get("title", "")
            identifier = (f"urn:isbn:{values['isbn']}" if values["isbn"] else
                          tome_uuid(identity, values["number"]))
            tomes.append(TomeConfig(values["number"], values["title"], folder, values["isbn"], cover, identifier))
        numbers = [tome.number for tome in tomes]
        for number in sorted({n for n in numbers if numbers.count(n) > 1}):
            self.problem("tomes", f"two tomes have number {number}", "number")
        return tuple(sorted(tomes, key=lambda tome: tome.number))

    def resolve(self, value: str | None, key: str, prefix: str, index: int | None = None) -> Path:
        """A config path, relative to book.toml; refused if it leaves the project folder."""
        if value is None:
            return self.project_root
        name = self.dotted(prefix, key, index)
        if Path(value).is_absolute():
            self.problem(prefix, f"'{name}' must be a path relative to {CONFIG_NAME}, not '{value}'", key, index)
            return self.project_root
        resolved = (self.manuscript_dir / value).resolve()
        if not resolved.is_relative_to(self.project_root):
            self.problem(prefix, f"'{name}' points outside the project folder: '{value}'", key, index)
            return self.project_root
        return resolved

    @staticmethod
    def has_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
        if kind is int:
            return isinstance(value, int) and not isinstance(value, bool)
        if kind is dt.date:
            return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return isinstance(value, kind)

    @staticmethod
    def kind_name(kind: Any) -> str:
        return {str: "a string", int: "an integer", bool: "true or false", list: "a list",
                dt.date: "a date (2026-11-27)", dict: "a table", float: "a number"}.get(kind, kind.__name__)

    @staticmethod
    def dotted(prefix: str, key: str, index: int | None = None) -> str:
        if not prefix:
            return key
        return f"{prefix}[{index + 1}].{key}" if index is not None else f"{prefix}.{key}"

    def problem(self, prefix: str, message: str, key: str | None = None, index: int | None = None) -> None:
        self.problems.append((self.line_of(prefix, key, index), message))

    def line_of(self, table: str, key: str | None, index: int | None) -> int | None:
        """The line of `key` in `[table]` (or the index-th `[[table]]`), found in the TOML text."""
        start, seen = 0, -1
        if table:
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
            for number, text in enumerate(self.lines):
                if header.match(text):
                    seen += 1
                    if index is None or seen == index:
                        start = number
                        break
            else:
                return None
            if key is None:
                return start + 1
        elif key is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, len(self.lines)):
            text = self.lines[number]
            if number > start and re.match(r"^\s*\[", text) and table:
                break
            if not table and re.match(r"^\s*\[", text):
                break
            if pattern.match(text):
                return number + 1
        return None
