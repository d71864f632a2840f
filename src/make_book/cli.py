"""The command line: thin wrappers that parse options, call one stage function and report."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from make_book import __version__
from make_book.build import BuildRequest, build
from make_book.errors import BuildAbandoned
from make_book.render import format_choices
from make_book.fmt import format_files, format_stream

CLEAR_LINE = "\r\x1b[2K"
COMPLETE_VARIABLE = "_MAKE_BOOK_COMPLETE"


def _remember_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    """`-v` on any command: kept in the contexts' shared `meta`, where `main` looks after an error."""
    if value:
        ctx.meta["make_book.verbose"] = True
    return value


manuscript_option = click.option("--manuscript", "manuscript_dir", type=click.Path(path_type=Path),
                                 default=Path("manuscript"), show_default=True,
                                 help="Folder holding book.toml and the tome folders.")
verbose_option = click.option("-v", "--verbose", is_flag=True, callback=_remember_verbose, expose_value=False,
                              is_eager=True, help="Show tracebacks of errors.")

# `make-book` alone is `make-book build`, so the group takes the build options too.
BUILD_OPTIONS = [
    manuscript_option,
    click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
                 help="Output folder."),
    click.option("--tome", "tomes", type=int, multiple=True, help="Build only this tome (repeatable)."),
    click.option("--edition", "editions", multiple=True,
                 help="Build only this edition: tome-1, integrale… (repeatable; a CI job per edition)."),
    click.option("--format", "formats", type=click.Choice(format_choices()), multiple=True,
                 help="Build only this format (repeatable)."),
    click.option("--strict", is_flag=True, help="Fail on any warning."),
    click.option("--check", "then_check", is_flag=True, help="Check the files after building them."),
    click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
                 help="Worker processes; 0 uses every available core."),
    click.option("-q", "--quiet", is_flag=True, help="Print nothing but warnings and errors."),
    verbose_option,
]


def build_options(command: Callable) -> Callable:
    for option in reversed(BUILD_OPTIONS):
        command = option(command)
    return command


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="make-book")
@build_options
@click.pass_context
def cli(ctx: click.Context, **options: object) -> None:
    """Build the book in manuscript/ into build/: EPUB 3 and PDF for each tome.

    With no command, runs `make-book build`: every build option works without the word `build`
    (`make-book --tome 1 --format pdf`).
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(build_command, **options)
        return
    given = [param.opts[0] for param in ctx.command.params
             if param.name in options and ctx.get_parameter_source(param.name) != click.core.ParameterSource.DEFAULT]
    if given:
        raise click.UsageError(f"{', '.join(given)} goes after the command: make-book "
                               f"{ctx.invoked_subcommand} {' '.join(given)} …")


@cli.command("build")
@build_options
def build_command(manuscript_dir: Path, out_dir: Path, tomes: tuple[int, ...], editions: tuple[str, ...],
                  formats: tuple[str, ...], strict: bool, then_check: bool, jobs: int, quiet: bool) -> None:
    """Build the tomes into EPUB and PDF."""
    request = BuildRequest(manuscript_dir, out_dir, tomes, formats, editions, strict, jobs)
    say, status = _progress(quiet)
    result = build(request, say=say, warn=lambda line: click.echo(line, err=True), status=status)
    say(f"built {len(result.artifacts)} file(s) in {out_dir}")
    if then_check:
        _check((out_dir,), strict, require_ace=False)


def _progress(quiet: bool) -> tuple[Callable[[str], None], Callable[[str], None] | None]:
    """Plain lines when the output is not a terminal (CI); on a terminal, also a status line that
    counts the seconds while tomes render, each line replacing it."""
    if quiet:
        return (lambda line: None), None
    if not sys.stdout.isatty():
        return click.echo, None
    return (lambda line: click.echo(CLEAR_LINE + line)), (lambda line: click.echo(CLEAR_LINE + line, nl=False))


@cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--require-ace", is_flag=True, envvar="MAKE_BOOK_REQUIRE_ACE",
              help="Fail when Ace by DAISY is not installed (CI sets this).")
@verbose_option
def check_command(paths: tuple[Path, ...], strict: bool, require_ace: bool) -> None:
    """Validate built files (default: build/): EPUBCheck, Ace, PDF structure, checksums."""
    _check(paths or (Path("build"),), strict, require_ace)


def _check(paths: tuple[Path, ...], strict: bool, require_ace: bool) -> None:
    from make_book.check import ERROR, WARNING, check_files, table  # pikepdf: only when checking

    findings = check_files(paths, require_ace)
    click.echo(table(findings))
    failing = {ERROR, WARNING} if strict else {ERROR}
    bad = [finding for finding in findings if finding.status in failing]
    if bad:
        raise click.ClickException(f"{len(bad)} check(s) failed")


@cli.command("release")
@click.argument("parts", nargs=-1, required=True, type=click.Path(path_type=Path, file_okay=False))
@manuscript_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Where the release goes.")
@verbose_option
def release_command(parts: tuple[Path, ...], manuscript_dir: Path, out_dir: Path) -> None:
    """Assemble the output folders of separate builds (a CI job per edition) into one release:
    the files, SHA256SUMS, manifest.json and index.html, as one build of everything gives them."""
    from make_book.config import load_config
    from make_book.release import merge_parts
    from make_book.styles import read_styles

    config = load_config(manuscript_dir)
    files = merge_parts(parts, out_dir, config, read_styles(config.styles_dir, config.fonts.fallback))
    click.echo(f"released {len(files)} file(s) in {out_dir}")


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@manuscript_option
@click.option("--check", is_flag=True, help="Exit 1 if any file would change (for CI and pre-commit).")
@click.option("--write", is_flag=True, help="Rewrite the files in place, as UTF-8.")
@verbose_option
def fmt_command(paths: tuple[Path, ...], manuscript_dir: Path, check: bool, write: bool) -> None:
    """Show, check or apply what normalization changes in manuscript files.

    With no PATHS, every text of the book. `make-book fmt -` reads standard input and writes the
    normalized text to standard output.
    """
    if check and write:
        raise click.UsageError("--check and --write go separately")
    if paths == (Path("-"),):
        format_stream(sys.stdin, sys.stdout, manuscript_dir, warn=lambda line: click.echo(line, err=True))
        return
    changed = format_files(paths, manuscript_dir, write=write, show=click.echo,
                           warn=lambda line: click.echo(line, err=True))
    if check and changed:
        click.echo(f"{len(changed)} file(s) would change; run `make-book fmt --write`", err=True)
        sys.exit(1)


@cli.command("new")
@click.argument("folder", type=click.Path(path_type=Path))
@verbose_option
def new_command(folder: Path) -> None:
    """Create a ready-to-build book project in FOLDER (never overwrites anything)."""
    import datetime as dt

    from make_book.new import create_project

    create_project(folder, dt.date.today())
    click.echo(f"created {folder}: run `make-book` there to build it")


@cli.command("watch")
@manuscript_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@verbose_option
def watch_command(manuscript_dir: Path, port: int) -> None:
    """Serve a live HTML preview of each tome, refreshed as you edit."""
    from make_book.watch import serve

    serve(manuscript_dir, port, report=lambda line: click.echo(line, err=line.startswith("Error")))


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors print one message and exit 1; `-v` adds the traceback."""
    args = sys.argv[1:] if argv is None else argv
    if COMPLETE_VARIABLE in os.environ:  # a shell asking for completions: click answers and exits
        cli.main(args=args, prog_name="make-book", complete_var=COMPLETE_VARIABLE)
    ctx = None
    try:
        with cli.make_context("make-book", list(args)) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        if _verbose(ctx):
            traceback.print_exc()
        exc.show()
        if isinstance(exc, BuildAbandoned):  # its workers left as they were
            _exit_now(exc.exit_code)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted: files already in the output folder are unchanged.", err=True)
        _exit_now(130)
    except Exception as exc:  # a bug, not a user error: still one clear line unless -v
        if _verbose(ctx):
            traceback.print_exc()
        click.echo(f"Error: internal error: {type(exc).__name__}: {exc} (run with -v for the traceback)",
                   err=True)
        sys.exit(1)


def _exit_now(status: int) -> None:
    """Ended at once: Python's own exit would wait for the worker pool's thread, which a worker ended
    while it sent a result leaves waiting for ever (workers._abandon)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _verbose(ctx: click.Context | None) -> bool:
    return bool(ctx and ctx.meta.get("make_book.verbose"))
