"""What every ``dekning`` command shares: the consoles, the ``--config`` option, reading the
configuration, and printing a :class:`~dekning.errors.DekningError` as one bokmål message."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from dekning.config import Config, load_config, load_default_config
from dekning.errors import DekningError
from dekning.textsafe import terminal_text

# Text from input (names, addresses, file paths) is printed literally: no rich markup, emoji
# codes or highlighting is ever read from it.
err = Console(stderr=True, markup=False, emoji=False, highlight=False)
out = Console(markup=False, emoji=False, highlight=False)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Oppsettsfil (TOML); uten den: det innebygde syntetiske datasettet."
    ),
]


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """A command whose :class:`~dekning.errors.DekningError` is printed as one message in
    bokmål (exit status 2), never as a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DekningError as e:
            err.print(Text.assemble(("Feil: ", "bold red"), terminal_text(e)), soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper


def read_config(path: Path | None) -> Config:
    """The configuration at ``path``, or the embedded default one."""
    return load_config(path) if path is not None else load_default_config()


__all__ = ["ConfigOpt", "err", "friendly", "out", "read_config"]
