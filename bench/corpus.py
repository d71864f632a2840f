"""A deterministic generated manuscript in make-book's format, with contributors' typical defects.

    python bench/corpus.py OUT_DIR [--texts 612] [--seed 612]

writes OUT_DIR/manuscript (book.toml, tome-1/, tome-2/) and OUT_DIR/styles (a copy of styles/).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = ["Anthony", "Claire", "Mathieu", "Sophie", "Karim", "Élodie", "Jean-Luc", "Inès", "Thomas", "Chloé",
         "François", "Léa", "Nicolas", "Aurélie", "Julien", "Maëlle", "Hugo", "Zoé", "Benoît", "Océane"]
LAST = ["Contat", "Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Roux", "Fournier",
        "Mercier", "Blanc", "Guérin", "Faure", "Chevalier", "Lambert", "Bonnet", "François", "Legrand"]
WORDS = ("réseau social rencontre collaboratif entreprise client partenaire idée projet échange groupe "
         "message confiance communauté valeur temps parole avenir réunion équipe conseil métier avis "
         "question réponse sujet lien profil ami collègue travail sens monde information partage "
         "découverte aventure chance hasard nouvelle histoire manière façon souvenir début").split()
GLUE = ("le la les un une des du de et ou mais donc car qui que dans sur avec pour par sans entre "
        "vers chez comme très plus aussi alors puis ensuite toujours jamais souvent").split()
VERBS = ("découvre rencontre partage construit change raconte apprend propose trouve devient écrit "
         "suit répond crée ouvre").split()
DEFECTS = [
    lambda rng: f"Pourquoi{rng.choice(['', ' ', ' '])}?",
    lambda rng: "C'est l'histoire d'une rencontre",
    lambda rng: f"il faut le dire{rng.choice(['', ' '])}: c'est simple",
    lambda rng: "Et puis... plus rien",
    lambda rng: f"\"{rng.choice(WORDS)} {rng.choice(WORDS)}\"",
    lambda rng: f"«{rng.choice(WORDS)}»",
    lambda rng: "les contacts, les messages, etc...",
    lambda rng: f"la {rng.randint(2, 9)}ème fois",
    lambda rng: f"{rng.randint(10, 99)}000 abonnés",
    lambda rng: f"{rng.randint(2, 95)}% des membres",
    lambda rng: "Quelle surprise!",
    lambda rng: "Il est venu - je crois - hier",
    lambda rng: "au XXIème siècle",
    lambda rng: "un lien vers https://exemple.fr/page?id=3",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(GLUE + WORDS) for _ in range(rng.randint(4, 14))]
    words.insert(rng.randint(1, len(words)), rng.choice(VERBS))
    if rng.random() < 0.35:
        words.append(rng.choice(DEFECTS)(rng))
    text = " ".join(words)
    if rng.random() < 0.1:
        text = text.replace(" ", "  ", 1)  # sloppy double space
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", " !", "?", " ;"][:4])


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))


def text_file(rng: random.Random, author: str, number: int) -> str:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).capitalize()
    author_line = rng.choice([f"Texte de {author}", f"Par {author}", f"Auteur : {author}"])
    separator = "_" * rng.randint(3, 50)
    header = rng.choice([[separator, author_line, separator, title], [title, author_line],
                         [author_line, title, separator]])
    target = min(6000, max(1000, int(rng.gammavariate(2.2, 1050))))  # mean ≈ 2,400 characters
    paragraphs: list[str] = []
    while sum(map(len, paragraphs)) < target:
        paragraphs.append(paragraph(rng)[:target - sum(map(len, paragraphs)) + 200].rstrip(" ,;") + ".")
        if rng.random() < 0.05:
            paragraphs.append("***")
    blank_lines = rng.random() < 0.5
    body = ("\n\n" if blank_lines else "\n").join(paragraphs)
    text = "\n".join(header) + ("\n\n" if blank_lines else "\n") + body + "\n"
    if number % 17 == 0:
        text = text.replace("\n", "\r\n")  # a Windows editor
    if number % 29 == 0:
        text = text.replace(" fois", "\tfois ")  # tabs and trailing spaces
    return text


def set_pdf_option(manuscript: Path, key: str, value: str) -> None:
    """Sets a `[pdf]` key of the manuscript's book.toml to a string value (the benchmarks and the tests
    compare line breakings and layouts in chunks or whole)."""
    config = manuscript / "book.toml"
    text = re.sub(rf"\n{key} = [^\n]+", "", config.read_text(encoding="utf-8"))
    literal = value if value.isdigit() or value in ("true", "false") else f'"{value}"'
    config.write_text(text.replace("[pdf]\n", f"[pdf]\n{key} = {literal}\n"), encoding="utf-8")


def generate(out: Path, texts: int = 612, seed: int = 612) -> Path:
    """Write the corpus; returns its manuscript folder. The same (texts, seed) give the same bytes."""
    rng = random.Random(seed)
    manuscript = out / "manuscript"
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(max(1, texts * 5 // 6))]
    half = (texts + 1) // 2
    for tome, count in ((1, half), (2, texts - half)):
        folder = manuscript / f"tome-{tome}"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(1, count + 1):
            number = (tome - 1) * half + index
            content = text_file(rng, rng.choice(authors), number)
            (folder / f"{index:03d}-texte.txt").write_bytes(content.encode("utf-8"))
    (manuscript / "book.toml").write_text((ROOT / "manuscript" / "book.toml").read_text(encoding="utf-8")
                                          .replace('slug = "612-rencontres"', 'slug = "corpus"'),
                                          encoding="utf-8")
    if not (out / "styles").exists():
        shutil.copytree(ROOT / "styles", out / "styles")
    return manuscript


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--texts", type=int, default=612)
    parser.add_argument("--seed", type=int, default=612)
    arguments = parser.parse_args()
    print(generate(arguments.out, arguments.texts, arguments.seed))
