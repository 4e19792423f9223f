"""The click classes of mlgrade's commands: every error as one line and its exit code (the one
place they are decided), and help, usage errors and output in the user's language."""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import os
import sys
import traceback

import click

from grader.errors import MlgradeError
from grader.locales import SOURCE_LANGUAGE, Messages, languages, messages
from grader.report.language import choose_language
from grader.results import UNWRITABLE

LANGUAGE_OPTION = "--lang"
# The language of this invocation. Chosen before click parses anything, so that `--help`
# given before `--lang` is still in the language asked for.
_speaking: contextvars.ContextVar[Messages | None] = contextvars.ContextVar(
    "speaking", default=None
)


def speak() -> Messages:
    """The catalogue of the language this command speaks."""
    return _speaking.get() or messages(SOURCE_LANGUAGE)


def _asked_language(args: list[str]) -> str | None:
    """The value of `--lang` in raw arguments, if any (before `--`)."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == LANGUAGE_OPTION and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(LANGUAGE_OPTION + "="):
            return arg.split("=", 1)[1]
    return None


def _choose(args: list[str]) -> Messages:
    asked = _asked_language(args)
    # An unknown --lang value is click's usage error to report, in the environment's language.
    return messages(choose_language(asked if asked in languages() else None))


def language_option(command):
    """--lang: the language of the command's output, help and reports."""
    return click.option(
        LANGUAGE_OPTION,
        "language",
        type=click.Choice(languages()),
        default=None,
        expose_value=False,
        help="Language of the output and reports "
        "(default: $MLGRADE_LANG, else ko when LANG/LC_ALL is Korean, else en).",
    )(command)


def _help_key(ctx: click.Context) -> str:
    """The command's key in a catalogue's help table: its path without the program name."""
    return " ".join(ctx.command_path.split()[1:]) or "mlgrade"


def _translated_help(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """A parameter's help row with its text (and click's "default"/"required") translated."""
    english = getattr(param, "help", None)
    english = inspect.cleandoc(english) if english is not None else None
    said = speak()
    if english is not None:
        # An option shared by several commands has one entry, unless a command words it
        # differently: then that command's own entry ("grade --jobs") is the one used.
        name = max(param.opts, key=len)
        translated = said.help(f"{_help_key(ctx)} {name}", english)
        if translated == english:
            translated = said.help(name, english)
        param.help = translated  # type: ignore[attr-defined]
    try:
        record = param.get_help_record(ctx)
    finally:
        if english is not None:
            param.help = english  # type: ignore[attr-defined]
    if record is None or said.language == SOURCE_LANGUAGE:
        return record
    names, text = record
    text = text.replace("[default: ", f"[{said('cli.default')}: ")
    text = text.replace("; required]", f"; {said('cli.required')}]").replace(
        "[required]", f"[{said('cli.required')}]"
    )
    return names, text


class Command(click.Command):
    """A command whose help speaks the user's language and lists its whole first line."""

    def get_short_help_str(self, limit: int = 45) -> str:
        text = inspect.cleandoc(self.short_help or self.help or "")
        if self.name is not None:
            parent = click.get_current_context(silent=True)
            key = " ".join([*(_help_key(parent).split() if parent else []), self.name])
            key = key.removeprefix("mlgrade ").strip()
            text = speak().help(key, text)
        lines = text.strip().splitlines()
        return lines[0] if lines else ""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=speak()("cli.usage"))

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        english = inspect.cleandoc(self.help or "")
        text = speak().help(_help_key(ctx), english).partition("\f")[0]
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument):
                continue
            record = _translated_help(param, ctx)
            if record is not None:
                rows.append(record)
        if rows:
            with formatter.section(speak()("cli.options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


# A group called without a command: click shows its help, which is not an error line.
_HELP_INSTEAD = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_message(exc: click.UsageError, said: Messages) -> str:
    """Click's usage error in the user's language (click's own English otherwise)."""
    english = " ".join(exc.format_message().split())
    if said.language == SOURCE_LANGUAGE:
        return english
    ctx = exc.ctx
    param = getattr(exc, "param", None)
    hint = param.get_error_hint(ctx) if param is not None and ctx is not None else None
    if isinstance(exc, click.NoSuchOption):
        return said("cli.no_such_option", name=exc.option_name)
    if isinstance(exc, click.MissingParameter):
        argument = isinstance(param, click.Argument) or exc.param_type == "argument"
        kind = "cli.missing_argument" if argument else "cli.missing_option"
        return said(kind, name=hint or exc.param_hint or "")
    if isinstance(exc, click.BadParameter):
        return said("cli.invalid_value", name=hint or exc.param_hint or "", message=exc.message)
    if isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        return said("cli.option_needs_value", name=exc.option_name)
    if exc.message.startswith("Got unexpected extra argument"):
        arguments = exc.message.partition("(")[2].rstrip(")")
        return said("cli.extra_arguments", arguments=arguments)
    return english


def _one_line_usage_error(exc: click.UsageError) -> None:
    """Click's usage errors as the one line the README promises, then exit 2."""
    if isinstance(exc, _HELP_INSTEAD):
        exc.show()
        sys.exit(exc.exit_code)
    said = speak()
    command = exc.ctx.command_path if exc.ctx is not None else "mlgrade"
    click.echo(
        said("cli.usage_error", message=_usage_message(exc, said), command=command), err=True
    )
    sys.exit(exc.exit_code)


class Group(click.Group):
    """Turns the library's named errors into one-line messages and exit codes."""

    command_class = Command
    group_class = type  # subgroups are Group too

    def main(self, args=None, *rest, **kwargs):
        kwargs["standalone_mode"] = False
        args = list(sys.argv[1:] if args is None else args)
        # A candidate's file name or notebook may hold text no terminal encoding can
        # write (a lone surrogate): printed escaped rather than ending the command.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, ValueError):
                stream.reconfigure(errors=UNWRITABLE)
        try:
            token = _speaking.set(_choose(args))
        except MlgradeError as exc:  # a bad $MLGRADE_LANG: said before anything else
            click.echo(f"mlgrade: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        try:
            result = super().main(args, *rest, **kwargs)
        except click.UsageError as exc:
            _one_line_usage_error(exc)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(speak()("cli.interrupted"), err=True)
            sys.exit(130)
        finally:
            _speaking.reset(token)
        if isinstance(result, int) and not isinstance(result, bool):
            sys.exit(result)  # click's Exit(code) in non-standalone mode
        sys.exit(0)

    get_short_help_str = Command.get_short_help_str
    format_usage = Command.format_usage
    format_help_text = Command.format_help_text
    format_options = Command.format_options

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str()))
        if rows:
            with formatter.section(speak()("cli.commands")):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            said = speak()
            if said.language != SOURCE_LANGUAGE:
                ctx.fail(said("cli.no_such_command", name=name))
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        said = speak()
        try:
            return super().invoke(ctx)
        except MlgradeError as exc:
            click.echo(said("cli.error", message=exc.say(said)), err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo(said("cli.interrupted"), err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`mlgrade grade ... | head`); the files are written.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - last resort: never a traceback for users
            if os.environ.get("MLGRADE_DEBUG"):
                traceback.print_exc()
            click.echo(said("cli.internal_error", message=f"{type(exc).__name__}: {exc}"), err=True)
            sys.exit(3)
