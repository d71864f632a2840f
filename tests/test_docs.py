"""The docs and the code say the same thing; `make-book new` gives a project that builds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from conftest import ROOT, run_cli
from make_book.config import ARRAYS, OPTIONAL_TABLES, TABLES, BookMeta
from make_book.new import book_toml
from make_book.schema import keys_of, markdown_table

CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"
# Each table of the docs, generated from the declarations: (dataclass, key prefix)
DOCUMENTED = [(BookMeta, "")] + [(cls, f"{name}.") for name, cls in (TABLES | OPTIONAL_TABLES).items()] + \
    [(cls, f"{name}[].") for name, cls in ARRAYS.items()]


def schema_keys() -> set[str]:
    return {f"{prefix}{declared.name}" for cls, prefix in DOCUMENTED for declared in keys_of(cls)}


def test_every_config_key_is_documented_and_every_documented_key_exists() -> None:
    text = CONFIGURATION_DOC.read_text()
    documented = set(re.findall(r"^\| `([\w.\[\]]+)` \|", text, re.MULTILINE))
    assert documented == schema_keys()


def test_the_key_tables_in_the_docs_are_the_ones_the_declarations_give(update_golden: bool) -> None:
    """docs/configuration.md's tables are generated from the declarations; `--update-golden` rewrites them."""
    text = CONFIGURATION_DOC.read_text()
    table = re.compile(r"^\| key \|.*?\n(?:\|.*\n)*", re.MULTILINE)
    generated = [markdown_table(cls, prefix) + "\n" for cls, prefix in DOCUMENTED]
    if update_golden:
        replacements = iter(generated)
        CONFIGURATION_DOC.write_text(table.sub(lambda _: next(replacements), text))
    else:
        assert table.findall(text) == generated


def test_the_readme_links_the_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in readme, page.name


def test_new_writes_every_key_and_refuses_to_overwrite(tmp_path: Path) -> None:
    text = book_toml(__import__("datetime").date(2026, 1, 1))
    assert "[omnibus]" not in tomllib.loads(text)  # written out commented: the book has no omnibus yet
    config = tomllib.loads(re.sub(r"^# (\[\w+\]|\w+ = .*)$", r"\1", text, flags=re.MULTILINE))
    tables = TABLES | OPTIONAL_TABLES
    written = set(config) - {"tomes", *tables} | {f"{t}.{k}" for t in tables for k in config[t]} \
        | {f"tomes[].{key}" for key in config["tomes"][0]}
    assert written == schema_keys()
    project = tmp_path / "livre"
    assert run_cli("new", str(project)).returncode == 0
    again = run_cli("new", str(project))
    assert again.returncode == 1 and "never overwrites" in again.stderr


def test_a_new_project_builds_at_once(tmp_path: Path) -> None:
    project = tmp_path / "livre"
    assert run_cli("new", str(project)).returncode == 0
    result = run_cli(cwd=project)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (project / "build").glob("*.*pub")) == ["mon-livre-tome-1.epub",
                                                                                 "mon-livre-tome-2.epub"]
    assert result.stderr == ""  # the example texts give no warning
