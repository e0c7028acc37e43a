"""The command line's own words in bokmål: the usage line, the help option and the messages of
wrong usage (unknown option, missing value, bad value), which typer's bundled click writes in
English.

:class:`BokmalGroup` and :class:`BokmalCommand` are the typer classes of ``dekning``'s app and
commands: they word the help option and the usage line in bokmål and translate a usage error's
message (:func:`bokmal_usage_message`) before typer prints it. Typer's own panel titles and
hints are its documented module settings (:func:`word_typer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer.rich_utils
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup

HELP_TEXT = "Vis denne hjelpen og avslutt."
USAGE = "Bruk: "

MESSAGES: Sequence[tuple[re.Pattern[str], str]] = (
    (re.compile(r"^No such option: (.*?)(?: \(Possible options: (.*)\))?$", re.S), "ukjent valg"),
    (re.compile(r"^No such command '(.*)'\.$"), "ukjent kommando"),
    (re.compile(r"^Missing option '(.*)'\.?(.*)$", re.S), "mangler valget"),
    (re.compile(r"^Missing argument '(.*)'\.?$"), "mangler argumentet"),
    (re.compile(r"^Option '(.*)' requires an argument\.$"), "valget trenger en verdi"),
    (re.compile(r"^Option '(.*)' does not take a value\.$"), "valget tar ingen verdi"),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), "uventet argument"),
    (re.compile(r"^Invalid value for (.*?): (.*)$", re.S), "ugyldig verdi for"),
    (re.compile(r"^Invalid value: (.*)$", re.S), "ugyldig verdi"),
)
"""click's usage messages and their bokmål head; the rest of the message is kept."""

VALUE_MESSAGES: Sequence[tuple[re.Pattern[str], str]] = (
    (re.compile(r"^Path '(.*)' does not exist\.$"), "stien {0} finnes ikke"),
    (re.compile(r"^File '(.*)' does not exist\.$"), "fila {0} finnes ikke"),
    (re.compile(r"^Directory '(.*)' does not exist\.$"), "mappa {0} finnes ikke"),
    (re.compile(r"^'(.*)' is not a valid integer\.?$"), "{0} er ikke et heltall"),
    (re.compile(r"^'(.*)' is not a valid float\.?$"), "{0} er ikke et tall"),
    (re.compile(r"^Value (.*) is not a valid (.*)\.$"), "{0} er ikke gyldig ({1})"),
    (re.compile(r"^Input should be a valid integer.*$", re.S), "må være et heltall"),
    (re.compile(r"^Input should be a valid number.*$", re.S), "må være et tall"),
    (re.compile(r"^Input should be a valid boolean.*$", re.S), "må være true eller false"),
)
"""Messages about a value (after "Invalid value for X:")."""


def _value(text: str) -> str:
    """A value message in bokmål when it is one click writes, else as it is."""
    for pattern, words in VALUE_MESSAGES:
        found = pattern.match(text.strip())
        if found:
            return words.format(*found.groups())
    return text


def bokmal_usage_message(message: str) -> str:
    """click's message of wrong usage in bokmål (``No such option: --x`` → ``ukjent valg:
    --x``); a message it does not know is returned as it is."""
    for pattern, head in MESSAGES:
        found = pattern.match(message)
        if not found:
            continue
        parts = [g for g in found.groups() if g]
        if head == "ukjent valg":
            text = f"{head}: {parts[0]}"
            return text + (f" (mulige valg: {parts[1]})" if len(parts) > 1 else "")
        if head == "ugyldig verdi for":
            return f"{head} {parts[0]}: {_value(parts[1])}"
        if head == "ugyldig verdi":
            return f"{head}: {_value(parts[0])}"
        if head == "mangler valget":
            return f"{head} '{parts[0]}'"
        return f"{head}: {parts[0]}" if parts else head
    return message


def word_typer() -> None:
    """Typer's own words (its documented module settings) in bokmål."""
    r = typer.rich_utils
    r.ARGUMENTS_PANEL_TITLE = "Argumenter"
    r.OPTIONS_PANEL_TITLE = "Valg"
    r.COMMANDS_PANEL_TITLE = "Kommandoer"
    r.ERRORS_PANEL_TITLE = "Feil"
    r.ABORTED_TEXT = "Avbrutt."
    r.DEFAULT_STRING = "[standard: {}]"
    r.REQUIRED_LONG_STRING = "[påkrevd]"
    r.ENVVAR_STRING = "[miljøvariabel: {}]"
    r.DEPRECATED_STRING = "(utgått) "
    r.RICH_HELP = "Skriv [blue]'{command_path} {help_option}'[/] for hjelp."


class _Bokmal:
    """What :class:`BokmalGroup` and :class:`BokmalCommand` share."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def get_usage(self, ctx: Any) -> str:
        return str(super().get_usage(ctx)).replace("Usage: ", USAGE, 1)  # type: ignore[misc]

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _in_bokmal():
            return super().make_context(*args, **kwargs)  # type: ignore[misc]

    def invoke(self, ctx: Any) -> Any:
        with _in_bokmal():
            return super().invoke(ctx)  # type: ignore[misc]


@contextmanager
def _in_bokmal() -> Iterator[None]:
    """A usage error raised inside, with its message in bokmål (:func:`bokmal_usage_message`)."""
    try:
        yield
    except UsageError as e:
        english = e.format_message  # click words some messages only when it prints them
        e.format_message = lambda: bokmal_usage_message(english())  # type: ignore[method-assign]
        raise


class BokmalGroup(_Bokmal, TyperGroup):
    """The app: its help, usage line and usage errors in bokmål."""


class BokmalCommand(_Bokmal, TyperCommand):
    """A command: its help, usage line and usage errors in bokmål."""


__all__ = ["BokmalCommand", "BokmalGroup", "bokmal_usage_message", "word_typer"]
