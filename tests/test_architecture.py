"""The shape of the code: stages in order, no import cycle, small modules, an output added locally."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import pytest
from conftest import ROOT, build_quietly
from make_book.build import BuildRequest, build
from make_book.model import OutputFile
from make_book.render import REGISTRY, RenderJob

PACKAGE = ROOT / "src" / "make_book"
# The stages, earliest first: a module may import from its own layer or an earlier one, never a later.
LAYERS = [
    {"errors", "schema", "output", "syntax", "paths", "linebreak", "measure", "workers", "html_tree"},
    {"config"},
    {"model"},
    {"sources", "templates", "styles", "fonts", "cover"},
    {"normalize", "normalize.hygiene", "normalize.typography"},
    {"manuscript"},
    {"assemble"},
    {"typeset"},
    {"book_html", "fetcher", "weasyprint_hooks", "layout"},
    {"late_numbers", "chunks", "folios", "font_merge", "join", "chunked_layout"},
    {"render", "render.base", "render.epub", "render.pdf"},
    {"cache", "release"},
    {"build", "check", "fmt", "new", "watch"},
    {"cli", "__main__"},
]
LAYER_OF = {module: number for number, layer in enumerate(LAYERS) for module in layer}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def imports(path: Path) -> set[str]:
    """The package's modules that `path` imports at run time (not those only named for type checkers)."""
    tree = ast.parse(path.read_text())
    type_checking = {id(node) for guard in ast.walk(tree) if isinstance(guard, ast.If)
                     and getattr(guard.test, "id", "") == "TYPE_CHECKING" for node in ast.walk(guard)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("make_book"):
            base = node.module.removeprefix("make_book").lstrip(".")
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                found.add(candidate if candidate in LAYER_OF else base)
    return {name for name in found if name}


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}
GRAPH = {name: imports(path) for name, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    assert set(MODULES) - {"__init__"} == set(LAYER_OF)


def test_no_stage_imports_from_a_later_stage() -> None:
    later = [(module, target) for module, targets in GRAPH.items() if module in LAYER_OF
             for target in targets if target in LAYER_OF and LAYER_OF[target] > LAYER_OF[module]]
    assert later == []


def test_the_import_graph_has_no_cycle() -> None:
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH.get(module, ())):
            assert state.get(target) != "open", f"import cycle: {' -> '.join(path + [target])}"
            if target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_400_lines(name: str) -> None:
    assert len(MODULES[name].read_text().splitlines()) <= 400


class PlainTextRenderer:
    """A throwaway output: each edition's texts as plain text, registered by this test alone."""

    name, suffix, label = "txt", ".txt", "le texte brut"
    needs_layout, for_printer, validator, weight = False, False, "", 1

    def selected(self, formats: tuple[str, ...], pdf: object) -> bool:
        return self.name in formats

    def render(self, job: RenderJob) -> tuple[OutputFile, ...]:
        text = "\n\n".join(f"{placed.text.title}\n" + "\n".join(p.plain for p in placed.text.paragraphs)
                           for placed in job.edition.texts)
        return (OutputFile(job.stem + self.suffix, text.encode()),)


def test_a_new_output_is_one_renderer_in_the_registry(monkeypatch: pytest.MonkeyPatch, small_project: Path,
                                                      tmp_path: Path) -> None:
    monkeypatch.setitem(REGISTRY, "txt", PlainTextRenderer())
    out = tmp_path / "build"
    result = build_quietly(small_project, out, formats=("txt",))
    written = sorted(path.name for path in out.glob("*.txt"))
    assert written == ["petit-livre-tome-1.txt", "petit-livre-tome-2.txt"]
    first_title = (small_project / "tome-1" / "1-premier.txt").read_text().splitlines()[0]
    assert (out / written[0]).read_text().startswith(first_title)
    sums = (out / "SHA256SUMS").read_text()
    for name in written:
        assert f"{hashlib.sha256((out / name).read_bytes()).hexdigest()}  {name}" in sums
    manifest = {entry["file"]: entry for entry in json.loads((out / "manifest.json").read_text())["files"]}
    assert {manifest[name]["format"] for name in written} == {"txt"}
    assert "le texte brut" in (out / "index.html").read_text()
    assert len(result.artifacts) == 2
    # Cached like the others: a second build renders nothing and leaves the files as they were.
    mtimes = {name: (out / name).stat().st_mtime_ns for name in written}
    lines: list[str] = []
    build(BuildRequest(small_project, out, formats=("txt",)), say=lines.append, warn=lambda _: None)
    assert "tome 1: up to date" in lines and "tome 2: up to date" in lines
    assert {name: (out / name).stat().st_mtime_ns for name in written} == mtimes
