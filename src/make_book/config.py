"""book.toml: each key declared once (schema.py), validated once, every problem reported with its key
and line."""

from __future__ import annotations

import dataclasses
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
from make_book.paths import confined
from make_book.schema import Key, key, key_line, keys_of, type_error

CONFIG_NAME = "book.toml"
SPACES = {"narrow": "\u202f", "nbsp": "\u00a0", "none": ""}
SPACE_CHOICES = tuple(SPACES)


@dataclass(frozen=True, kw_only=True)
class BookMeta:
    """The top-level keys."""

    title: str = key(doc="The book's title.")
    subtitle: str = key("", "Shown on the title page and in the metadata.")
    slug: str = key("", "Base of the output file names: `612-rencontres` gives `612-rencontres-tome-1.epub`.",
                    default_text="derived from the title")
    language: str = key("fr", "BCP 47 language tag of the text (EPUB `dc:language`, `xml:lang`, PDF `/Lang`).")
    editor: str = key(doc="Who edited the collection: the EPUB's creator, the PDF's author.")
    publisher: str = key("", "The publisher.", default_text="the editor")
    date: dt.date = key(doc="Publication date, a TOML date: `date = 2026-11-27`.")
    edition: str = key("Première édition", "Edition statement on the copyright page.")
    rights: str = key("Tous droits réservés.", "Rights statement (EPUB `dc:rights`, copyright page).")
    description: str = key("", "A short description for stores, the PDF's subject and the download page.")
    subjects: tuple[str, ...] = key([], "Subjects: EPUB `dc:subject`, PDF keywords.")
    identifier: str = key("", "The book's stable identity (a URL or URN). A tome without an ISBN gets a UUID "
                              "derived from it and the tome number, the same in every build.",
                          default_text="the title")
    cover_color: str = key("#1d3557", "Background of generated covers and accent of the download page "
                                      "(`#rrggbb`).")
    styles: Path = key("../styles", "Folder of `book.css`, `print.css` and `fonts/`.")


@dataclass(frozen=True, kw_only=True)
class TypographyOptions:
    """`[typography]`: the house style, as book.toml names it."""

    space_before_high_punctuation: str = key("narrow", "Space before `;` `!` `?` (U+202F, U+00A0 or none: "
                                                       "Québec usage).", SPACE_CHOICES)
    space_before_colon: str = key("nbsp", "Space before `:`.", SPACE_CHOICES)
    space_inside_guillemets: str = key("narrow", "Space inside `« »`.", SPACE_CHOICES)
    dialogue_hyphen: bool = key(False, "Treat a line starting with `- ` as a dialogue dash (`— `). `--`, `–` "
                                       "and `—` always are.")


@dataclass(frozen=True, kw_only=True)
class PdfOptions:
    """`[pdf]`: the print edition."""

    page_size: str = key("A5", "Trim size, any CSS page size: `\"A5\"`, `\"148mm 210mm\"`, `\"6in 9in\"`.")
    text_start: str = key("recto", "Whether each text starts on a right-hand page (a blank verso is added "
                                   "when needed).", ("recto", "any"))
    variant: str = key("pdf/ua-1", "PDF variant: tagged PDF/UA for accessibility, PDF/A-3b for archiving.",
                       ("pdf/ua-1", "pdf/a-3b", "none"))
    print_variant: bool = key(False, "Also write `SLUG-tome-N-print.pdf` for a printer: the same pages with "
                                     "bleed and crop marks.")
    bleed: str = key("3mm", "Bleed of the printer's PDF, a CSS length.")
    line_breaking: str = key("total-fit", "How paragraphs are broken into lines: `total-fit` chooses all the "
                                          "breaks of a paragraph together (Knuth–Plass, as TeX), `greedy` "
                                          "leaves it to WeasyPrint, one line at a time.",
                             ("total-fit", "greedy"))
    chunks: int = key(0, "How many pieces a tome's PDF is laid out in, in parallel processes, then joined "
                         "(texts must start on rectos): `0` chooses from the tome's length, about 120 pages "
                         "a piece; `1` lays the tome out whole. Each piece is cached: an edit lays out "
                         "again only its own.")


# Shipped in styles/fonts/fallback/: Noto Naskh Arabic and Noto Serif Hebrew (OFL, serif like the book
# font) and Symbola (monochrome emoji up to Unicode 9, free for any use), from Debian's packages.
DEFAULT_FALLBACK = ["fallback/NotoNaskhArabic-Regular.ttf", "fallback/NotoSerifHebrew-Regular.ttf",
                    "fallback/Symbola.ttf"]


@dataclass(frozen=True, kw_only=True)
class FontOptions:
    """`[fonts]`: what sets the characters the book font lacks."""

    fallback: tuple[str, ...] = key(DEFAULT_FALLBACK, "Fallback fonts, in order, for characters the book font "
                                                      "lacks (emoji, Arabic, Hebrew…): files in the styles "
                                                      "folder's `fonts/`. Each use is a warning; a character "
                                                      "no font has stops the build.")


@dataclass(frozen=True, kw_only=True)
class TomeConfig:
    """`[[tomes]]`: one table per tome."""

    number: int = key(doc="The tome's number, unique.")
    title: str = key(doc="The tome's title (`\"Tome 1\"`).")
    folder: Path = key(doc="Folder of the tome's text files.")
    isbn: str = key("", "The tome's ISBN; its EPUB identifier becomes `urn:isbn:…`.")
    cover_image: Path | None = key("", "A PNG or JPEG cover (at least 1600 × 2560 pixels is best); when "
                                       "empty, one is generated from the title, the tome and `cover_color`.",
                                   default_text="generated")
    identifier: str  # derived: urn:isbn, or a UUID from the book's identity and the number


@dataclass(frozen=True, kw_only=True)
class OmnibusConfig:
    """`[omnibus]`: when the table is there (even empty), every tome in one EPUB and one PDF too."""

    title: str = key("Intégrale", "The omnibus edition's title, on its cover, title page and in its metadata.")
    isbn: str = key("", "Its ISBN; its EPUB identifier becomes `urn:isbn:…`.")
    cover_image: Path | None = key("", "A PNG or JPEG cover; when empty, one is generated from the title and "
                                       "this edition's title.", default_text="generated")
    identifier: str  # derived: urn:isbn, or a UUID from the book's identity, different from every tome's


OMNIBUS_NAME = "integrale"  # in its file names (SLUG-integrale.epub), the cache and the manifest
TABLES: dict[str, type] = {"typography": TypographyOptions, "pdf": PdfOptions, "fonts": FontOptions}
OPTIONAL_TABLES: dict[str, type] = {"omnibus": OmnibusConfig}  # present: that edition is built
ARRAYS: dict[str, type] = {"tomes": TomeConfig}


@dataclass(frozen=True)
class HouseStyle:
    """The characters the typography rules insert: the one place to change the house style."""

    high_punctuation_space: str = "\u202f"
    colon_space: str = "\u00a0"
    guillemet_space: str = "\u202f"
    dialogue_hyphen: bool = False

    @classmethod
    def from_options(cls, options: TypographyOptions) -> HouseStyle:
        return cls(SPACES[options.space_before_high_punctuation], SPACES[options.space_before_colon],
                   SPACES[options.space_inside_guillemets], options.dialogue_hyphen)


@dataclass(frozen=True)
class EditionConfig:
    """One set of output files, as book.toml plans it: a tome, or the omnibus of every tome."""

    name: str                   # "tome-1", "integrale": in file names, the cache and the manifest
    title: str                  # "Tome 1", "Intégrale"
    number: int | None          # the position in the series; None for the omnibus (it is the series)
    tomes: tuple[int, ...]
    isbn: str
    cover_image: Path | None
    identifier: str


def tome_edition_name(number: int) -> str:
    return f"tome-{number}"


@dataclass(frozen=True)
class Config:
    path: Path
    project_root: Path
    meta: BookMeta
    typography: TypographyOptions
    pdf: PdfOptions
    fonts: FontOptions
    tomes: tuple[TomeConfig, ...]
    omnibus: OmnibusConfig | None = None

    @property
    def styles_dir(self) -> Path:
        return self.meta.styles

    @property
    def style(self) -> HouseStyle:
        return HouseStyle.from_options(self.typography)

    def editions(self, tomes: tuple[int, ...] = (), names: tuple[str, ...] = ()) -> tuple[EditionConfig, ...]:
        """The editions a build writes, the omnibus first (the largest: it starts first, and the
        download page offers it first). `tomes` selects tomes, the omnibus coming only with them all;
        `names` selects editions by name (a CI job per edition)."""
        selected = tuple(tome for tome in self.tomes if not tomes or tome.number in tomes)
        plans = tuple(EditionConfig(tome_edition_name(tome.number), tome.title, tome.number, (tome.number,),
                                    tome.isbn, tome.cover_image, tome.identifier) for tome in selected)
        if self.omnibus and len(selected) == len(self.tomes):
            omnibus = self.omnibus
            plans = (EditionConfig(OMNIBUS_NAME, omnibus.title, None, tuple(tome.number for tome in self.tomes),
                                   omnibus.isbn, omnibus.cover_image, omnibus.identifier),) + plans
        return tuple(plan for plan in plans if not names or plan.name in names)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "book"


def edition_uuid(book_identity: str, edition: str) -> str:
    """An edition's identifier that never changes between builds: derived from the book and the
    edition's name (`tome-1`, `integrale`)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'make-book:{book_identity}:{edition}')}"


def _identifier(book: dict[str, Any], isbn: str, edition: str) -> str:
    return f"urn:isbn:{isbn}" if isbn else edition_uuid(book.get("identifier") or book.get("title", ""), edition)


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
        self.source = source
        self.problems: list[tuple[int | None, str]] = []
        self.manuscript_dir = path.parent.resolve()
        self.project_root = self.manuscript_dir.parent

    def config(self, data: dict[str, Any]) -> Config:
        book = self.table(data, BookMeta, (), extra=set(TABLES) | set(OPTIONAL_TABLES) | set(ARRAYS))
        tables = {name: self.table(data.get(name, {}), cls, (name,)) for name, cls in TABLES.items()}
        tomes = self.tomes(data.get("tomes"), book)
        omnibus = self.table(data["omnibus"], OmnibusConfig, ("omnibus",)) if "omnibus" in data else None
        if book.get("styles") and "fallback" in tables["fonts"]:
            given = isinstance(data.get("fonts"), dict) and "fallback" in data["fonts"]
            tables["fonts"]["fallback"] = self.fallback_fonts(tables["fonts"]["fallback"], book["styles"], given)
        if self.problems:
            raise ConfigError(self.path, self.problems)
        meta = BookMeta(**book)
        meta = dataclasses.replace(meta, slug=meta.slug or slugify(meta.title),
                                   publisher=meta.publisher or meta.editor)
        return Config(path=self.path, project_root=self.project_root, meta=meta,
                      typography=TypographyOptions(**tables["typography"]), pdf=PdfOptions(**tables["pdf"]),
                      fonts=FontOptions(**tables["fonts"]), tomes=tomes,
                      omnibus=OmnibusConfig(**omnibus, identifier=_identifier(book, omnibus["isbn"], OMNIBUS_NAME))
                      if omnibus is not None else None)

    def table(self, data: Any, cls: type, where: tuple[str | int, ...], extra: set[str] = frozenset()) -> dict:
        """The values of one table, as its dataclass takes them; problems are recorded."""
        if not isinstance(data, dict):
            self.problem(where, f"'{_dotted(where)}' must be a table")
            return {}
        declared = {item.name: item for item in keys_of(cls)}
        for name in data:
            if name not in declared and name not in extra:
                suggestion = difflib.get_close_matches(name, list(declared) + sorted(extra), n=1)
                hint = f" (did you mean '{suggestion[0]}'?)" if suggestion else ""
                self.problem((*where, name), f"unknown key '{_dotted((*where, name))}'{hint}")
        values: dict[str, Any] = {}
        for item in declared.values():
            at = (*where, item.name)
            if item.name not in data:
                if item.required:
                    self.problem(where, f"missing required key '{_dotted(at)}'")
                else:
                    values[item.name] = self.value(item.default, item, at)
                continue
            value = data[item.name]
            error = type_error(value, item.kind)
            if error:
                self.problem(at, f"'{_dotted(at)}' {error}")
            elif item.declaration.choices and value not in item.declaration.choices:
                self.problem(at, f"'{_dotted(at)}' must be one of {', '.join(item.declaration.choices)}, "
                                 f"not '{value}'")
            else:
                values[item.name] = self.value(value, item, at)
        return values

    def value(self, value: Any, item: Key, at: tuple[str | int, ...]) -> Any:
        if item.is_path:
            return self.resolve(value, at) if value else None
        return tuple(value) if isinstance(value, list) else value

    def fallback_fonts(self, names: tuple[str, ...], styles: Path, given: bool) -> tuple[str, ...]:
        """The fallback fonts that are font files in the styles folder's fonts/: one book.toml names
        and that is not there is a problem; a default that is not there (a styles folder made before
        they shipped) is left out."""
        def is_font(name: str) -> bool:
            font = styles / "fonts" / name
            return font.resolve().is_relative_to(styles.resolve()) and font.is_file()
        for name in names if given else ():
            if not is_font(name):
                self.problem(("fonts", "fallback"), f"'fonts.fallback' names '{name}', which is not a font file "
                                                    f"in {styles / 'fonts'}")
        return tuple(name for name in names if is_font(name))

    def tomes(self, data: Any, book: dict[str, Any]) -> tuple[TomeConfig, ...]:
        if data is None:
            self.problem((), "missing required table '[[tomes]]'")
            return ()
        if not isinstance(data, list) or not data:
            self.problem(("tomes",), "'tomes' must be a non-empty array of tables ([[tomes]])")
            return ()
        tomes = []
        for index, item in enumerate(data):
            values = self.table(item, TomeConfig, ("tomes", index))
            if len(values) < len(keys_of(TomeConfig)):
                continue
            identifier = _identifier(book, values["isbn"], tome_edition_name(values["number"]))
            tomes.append(TomeConfig(**values, identifier=identifier))
        numbers = [tome.number for tome in tomes]
        for number in sorted({n for n in numbers if numbers.count(n) > 1}):
            given = [item.get("number") if isinstance(item, dict) else None for item in data]
            index = given.index(number, given.index(number) + 1)
            self.problem(("tomes", index, "number"), f"two tomes have number {number}")
        return tuple(sorted(tomes, key=lambda tome: tome.number))

    def resolve(self, value: str, at: tuple[str | int, ...]) -> Path:
        """A config path, relative to book.toml; refused if it leaves the project folder, links followed."""
        if Path(value).is_absolute():
            self.problem(at, f"'{_dotted(at)}' must be a path relative to {CONFIG_NAME}, not '{value}'")
            return self.project_root
        try:
            return confined(self.manuscript_dir / value, self.project_root, "project folder")
        except MakeBookError:
            self.problem(at, f"'{_dotted(at)}' points outside the project folder: '{value}'")
            return self.project_root

    def problem(self, at: tuple[str | int, ...], message: str) -> None:
        self.problems.append((key_line(self.source, at) if at else None, message))


def _dotted(path: tuple[str | int, ...]) -> str:
    """`tomes[2].title` for ("tomes", 1, "title")."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
