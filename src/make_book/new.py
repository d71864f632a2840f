"""`make-book new DIR`: a ready-to-build book project, every config key written out and explained."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

from make_book.config import CONFIG_NAME, OPTIONAL_TABLES, TABLES, BookMeta, TomeConfig
from make_book.errors import MakeBookError
from make_book.schema import keys_of, toml_value

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


def _lines(cls: type, values: dict[str, object]) -> list[str]:
    lines = []
    for declared in keys_of(cls):
        status = "required" if declared.required else f"default {toml_value(declared.default)}"
        choices = f"; one of {', '.join(declared.declaration.choices)}" if declared.declaration.choices else ""
        lines += [f"# {line}" for line in textwrap.wrap(f"{declared.declaration.doc} ({status}{choices})", 96)]
        value = values.get(declared.name, declared.default)
        lines += [f"{declared.name} = {toml_value(value)}", ""]
    return lines


def book_toml(today: dt.date) -> str:
    lines = ["# The book's configuration: every key, with what it does. docs/configuration.md has more.", ""]
    lines += _lines(BookMeta, EXAMPLE_VALUES | {"date": today, "slug": "mon-livre"})
    for name, cls in TABLES.items():
        lines += [f"[{name}]", ""] + _lines(cls, {})
    for name, cls in OPTIONAL_TABLES.items():  # written out, commented: uncomment the table to use it
        lines += [f"# {cls.__doc__}", ""] + [f"# {line}" if line and not line.startswith("#") else line
                                              for line in [f"[{name}]", ""] + _lines(cls, {})]
    for number in (1, 2):
        lines += ["[[tomes]]", ""] + _lines(TomeConfig, {"number": number, "title": f"Tome {number}",
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
