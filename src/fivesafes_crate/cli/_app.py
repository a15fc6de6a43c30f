"""The ``fivesafes`` application object, its exit codes and its one error line.

Exit codes are decided in one place, :func:`finish`: 0 valid, 1 the report says invalid, 2 anything else
(usage error, unreadable input, any :class:`~fivesafes_crate.errors.FiveSafesError`, or an unexpected
exception, shown as "internal error, please report"; the traceback only with ``--debug``). On exit 2 stdout
stays empty and stderr holds exactly one line. Command modules import :data:`app` and :func:`finish` from
here (never from the package ``__init__``, which imports them to register their commands).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup, TyperOption

try:  # Typer >= 0.24 carries its own copy of Click; its exceptions are the ones raised
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer uses Click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]

from fivesafes_crate import FiveSafesError

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_ERROR = 2

T = TypeVar("T")


class _State:
    debug = False


STATE = _State()


def error_line(message: str) -> None:
    """Write one red ``error: ...`` line to stderr; newlines and other control characters in the message (a
    file name, a crate's words) are shown as escapes (``\\n``), so it stays one line."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from rich.console import Console

    # deferred: start-up (the CLI loads the library only for the command that runs)
    from .render import shown

    console = Console(file=sys.stderr, highlight=False, emoji=False, soft_wrap=True)
    console.print(f"[bold red]error:[/] {shown(message)}")


def _usage_message(exc: click_errors.UsageError) -> str:
    """Click's message for a usage error, without the words of the value validator behind it.

    Typer converts option values with pydantic, whose message for a bad choice reads ``Value error, 'x' is not
    one of 'a', 'b'.``: the user is shown the original error only (``'x' is not one of 'a', 'b'``).
    """
    if isinstance(exc, click_errors.BadParameter):
        errors = getattr(exc.__cause__, "errors", None)
        found = errors() if callable(errors) else []
        original = found[0].get("ctx", {}).get("error") if found else None
        if isinstance(original, ValueError):
            exc.message = str(original).rstrip(".")
    return exc.format_message()


def untyped_flags(command: Any, parent: typer.Context | None = None) -> None:
    """Show no value type after a flag in ``--help`` (``--force``, ``--help``), here and in every subcommand.

    A flag takes no value, but Typer (0.29) prints ``<bool>`` after each, which reads as if it wanted one. An
    empty metavar shows nothing; options that take a value keep theirs.
    """
    ctx = typer.Context(command, parent=parent, info_name=command.name)
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        untyped_flags(sub, ctx)


class OneLineErrors(TyperGroup):
    """A command group that reports usage errors as one line on stderr with exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        untyped_flags(self)
        try:
            result = super().main(*args, **kwargs)
        except click_errors.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(EXIT_ERROR)
        except click_errors.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "fivesafes"
            error_line(f"{_usage_message(exc)} (see '{command} --help')")
            sys.exit(EXIT_ERROR)
        except typer.Exit as exc:
            sys.exit(exc.exit_code)
        except typer.Abort:
            error_line("aborted")
            sys.exit(EXIT_ERROR)
        except click_errors.ClickException as exc:
            error_line(exc.format_message())
            sys.exit(EXIT_ERROR)
        sys.exit(result if isinstance(result, int) else EXIT_VALID)


app = typer.Typer(
    cls=OneLineErrors,
    name="fivesafes",
    help="Build, sign and validate Five Safes RO-Crates, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _show_version(asked: bool) -> None:
    """``--version``: print ``fivesafes <version>`` and stop, before any command runs (what CI recipes check)."""
    if asked:
        from importlib.metadata import version  # deferred: start-up (read only when --version is asked for)

        typer.echo(f"fivesafes {version('fivesafes-crate')}")
        raise typer.Exit(EXIT_VALID)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show a traceback for internal errors."),
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True, expose_value=False,
                                 help="Show the version and exit."),
) -> None:
    """Build, sign and validate Five Safes RO-Crates, offline (no network access, ever)."""
    STATE.debug = debug
    # Libraries log to stderr through logging's last-resort handler; keep stderr to our one line unless
    # --debug asks for everything (rdflib, for one, warns about every odd IRI in a crate).
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.CRITICAL, format="%(levelname)s %(name)s: %(message)s"
    )


def finish(job: Callable[[], T], render: Callable[[T], tuple[str, int]]) -> NoReturn:
    """Run a library call, print what ``render`` makes of its result to stdout, and exit with its code.

    The only place that turns outcomes into exit codes: a :class:`FiveSafesError` (any parent of the tree in
    :mod:`fivesafes_crate.errors`: the input crate, a file given, an argument, the crate's state, a signature,
    a place that cannot be written) is its one line on stderr with exit 2 (a line per problem for an error that
    collects several, such as a spec file's), and so is any other exception ("internal error"), so nothing
    escapes with exit code 1. Commands catch nothing themselves.
    """
    try:
        output, code = render(job())
    except FiveSafesError as exc:
        for line in exc.lines():
            error_line(line)
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        error_line("interrupted")
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:
        if STATE.debug:
            traceback.print_exc()
        error_line(f"internal error, please report: {type(exc).__name__}: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    if output:
        typer.echo(output)
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    app()
