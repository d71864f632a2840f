"""`make-book new DIR`: a ready-to-build book project, every config key written out and explained."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

from make_book.config import BOOK_FIELDS, CONFIG_NAME, PDF_FIELDS, REQUIRED, TOME_FIELDS, TYPOGRAPHY_FIELDS, Field
from make_book.errors import MakeBookError

THEME = Path(__file__).resolve().parent / "theme"  # the default styles and fonts
EXAMPLE_VALUES = {"title": "Mon livre", "editor": "Mon nom", "subtitle": "Un recueil de textes",
                  "description": "Des textes courts, réunis en deux tomes.", "subjects": ["recueil"]}
EXAMPLE_TEXTS = {
    1: ("001-premier-texte.txt", "Le premier texte\nTexte de Camille Martin\n\n"
        "Voici un texte d'exemple. Écrivez comme vous voulez : les espaces avant les points "
        "d'exclamation, les guillemets \"droits\" et les apostrophes seront corrigés à la construction!\n\n"
        "Un deuxième paragraphe, avec un mot *important*.\n"),
    2: ("001-second-texte.txt", "Le second texte\nPar Dominique Petit\n\n"
        "Le second tome commence ici. Ajoutez vos textes dans ce dossier, un fichier par texte.\n"),
}


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, dt.date)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lines(fields: dict[str, Field], values: dict[str, object]) -> list[str]:
    lines = []
    for key, field in fields.items():
        status = "required" if field.default is REQUIRED else f"default {_toml_value(field.default)}"
        choices = f"; one of {', '.join(field.choices)}" if field.choices else ""
        lines += [f"# {line}" for line in textwrap.wrap(f"{field.doc} ({status}{choices})", 96)]
        value = values.get(key, field.default)
        lines += [f"{key} = {_toml_value(value)}", ""]
    return lines


def book_toml(today: dt.date) -> str:
    lines = ["# The book's configuration: every key, with what it does. docs/configuration.md has more.", ""]
    lines += _lines(BOOK_FIELDS, EXAMPLE_VALUES | {"date": today, "slug": "mon-livre"})
    lines += ["[typography]", ""] + _lines(TYPOGRAPHY_FIELDS, {})
    lines += ["[pdf]", ""] + _lines(PDF_FIELDS, {})
    for number in (1, 2):
        lines += ["[[tomes]]", ""] + _lines(TOME_FIELDS, {"number": number, "title": f"Tome {number}",
                                                          "folder": f"tome-{number}"})
    return "\n".join(lines).rstrip() + "\n"


def create_project(folder: Path, today: dt.date) -> None:
    """Create the project; refuse to overwrite anything that exists."""
    manuscript = folder / "manuscript"
    targets = [manuscript, folder / "styles"]
    existing = [path for path in targets if path.exists()]
    if existing:
        raise MakeBookError("already exists: make-book new never overwrites anything", existing[0])
    for number, (name, text) in EXAMPLE_TEXTS.items():
        (manuscript / f"tome-{number}").mkdir(parents=True)
        (manuscript / f"tome-{number}" / name).write_text(text, encoding="utf-8")
    (manuscript / CONFIG_NAME).write_text(book_toml(today), encoding="utf-8")
    shutil.copytree(THEME, folder / "styles")
