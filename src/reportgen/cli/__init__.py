"""The ``reportgen`` command: thin commands over plain functions.

This package is the one place where errors become messages and exit codes (``main``).
Each command group has its own module and declares only its own flags; ``present``
prints what they print. Heavy modules are imported inside the commands, so ``--help``
and ``validate`` start fast.
"""

from __future__ import annotations

import sys

import click

from reportgen._version import __version__
from reportgen.cli import batch, build, doctor, history, new, schedule, serve, translations
from reportgen.cli import validate as checking
from reportgen.cli.present import interrupted, print_report, stderr
from reportgen.errors import ExitStatus, InvalidInput, ReportgenError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="reportgen")
def cli() -> None:
    """Turn checked, dated profiles of cities into briefing packs and proposals."""


for command in (
    checking.validate,
    checking.schema,
    new.new,
    new.init,
    build.build,
    doctor.doctor,
    batch.batch,
    schedule.schedule,
    schedule.status,
    history.history,
    serve.serve,
    translations.translations,
):
    cli.add_command(command)


def _wants_debug(argv: list[str]) -> bool:
    return "--debug" in argv


def main(argv: list[str] | None = None) -> None:
    """Entry point: run a command and turn every error into a message and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = _wants_debug(args)
    try:
        cli.main(args=args, prog_name="reportgen", standalone_mode=False)
    except InvalidInput as exc:
        if debug:
            raise
        print_report(exc.report)
        stderr().print(f"[red]error:[/] {exc}")
        sys.exit(exc.exit_status)
    except ReportgenError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_status)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            interrupted()
        click.echo("aborted", err=True)
        sys.exit(ExitStatus.FAILURE)
    except KeyboardInterrupt:
        interrupted()
    except SystemExit:
        raise
    except Exception as exc:
        if debug:
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(ExitStatus.FAILURE)
    sys.exit(ExitStatus.OK)
