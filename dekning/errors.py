"""One error hierarchy for every stage.

Stages raise these at the boundary where bad input is found; the CLI and the API print them in
one place as a readable message (never a traceback for user input).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np


class DekningError(Exception):
    """Base class of every error dekning raises on purpose."""


class ConfigError(DekningError):
    """The configuration file or a parameter is wrong (unknown key, wrong type, absurd value)."""


def data_line(position: int) -> int:
    """The line a spreadsheet or editor shows for the 0-based data row ``position``.

    The header is line 1, so the first data row is line 2.
    """
    return position + 2


class InputError(DekningError):
    """An input file is wrong.

    The message reads ``fil, linje N, felt 'x': melding``.

    Parameters
    ----------
    message
        What is wrong and, where possible, what to do about it.
    file
        The file that was read.
    line
        Line number as the user's spreadsheet or editor shows it (the header is line 1, the
        first data row line 2; see :func:`data_line`), or, for vector files, the 1-based
        feature number, if the problem is in one row.
    field
        The column (field) name, if the problem is in one field.
    feature
        True when ``line`` counts features of a vector file (printed as ``objekt N``).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        feature: bool = False,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        self.feature = feature
        super().__init__(self.__str__())

    @property
    def row(self) -> int | None:
        """Alias of :attr:`line` (kept for callers written before lines were numbered)."""
        return self.line

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"{'objekt' if self.feature else 'linje'} {self.line}")
        if self.field is not None:
            where.append(f"felt '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class RuleError(DekningError):
    """A rule profile (eligibility or co-funding) is missing or inconsistent."""


class PlanningError(DekningError):
    """The planning problem has no sensible answer (e.g. a budget smaller than any area)."""


class NoEligibleAddresses(PlanningError):
    """No address is eligible: nothing to build (a county run gives such a municipality no
    areas, and says so)."""


class ReconciliationError(DekningError):
    """Figures that must add up do not (e.g. cost ≠ the sum of its funding parts).

    This is a defect in dekning, never bad input: the API answers it with 500.
    """


PYDANTIC_BOKMAL = {
    "int_type": "må være et heltall",
    "int_parsing": "må være et heltall",
    "int_from_float": "må være et heltall",
    "float_type": "må være et tall",
    "float_parsing": "må være et tall",
    "finite_number": "må være et endelig tall",
    "bool_type": "må være true eller false",
    "bool_parsing": "må være true eller false",
    "string_type": "må være tekst",
    "dict_type": "må være en tabell",
    "tuple_type": "må være en liste",
    "list_type": "må være en liste",
    "greater_than_equal": "må være minst {ge}",
    "greater_than": "må være større enn {gt}",
    "less_than_equal": "må være høyst {le}",
    "less_than": "må være mindre enn {lt}",
    "literal_error": "må være en av {expected}",
    "string_too_long": "er for lang (høyst {max_length} tegn)",
    "string_too_short": "er for kort (minst {min_length} tegn)",
    "string_pattern_mismatch": "har feil form (mønster {pattern})",
    "too_long": "har for mange elementer (høyst {max_length})",
    "too_short": "har for få elementer (minst {min_length})",
    "path_type": "må være en filsti (tekst)",
    "missing": "mangler",
    "extra_forbidden": "er ikke et kjent felt",
    "enum": "må være en av {expected}",
    "json_invalid": "er ikke gyldig JSON",
    "dict_attributes_type": "må være et objekt",
    "model_attributes_type": "må være et objekt",
}
"""Bokmål for pydantic's error types (``{...}`` filled from the error's context); a type not
listed is shown with pydantic's own message."""


def validation_message(e: Mapping[str, Any]) -> str:
    """One validation error of pydantic (an item of ``ValidationError.errors()``) in bokmål."""
    ctx = e.get("ctx") or {}
    if e["type"] == "value_error":
        return str(ctx.get("error", e["msg"])).removeprefix("Value error, ")
    template = PYDANTIC_BOKMAL.get(e["type"])
    if template is None:
        return str(e["msg"])
    words = {k: str(v).replace(" or ", " eller ") for k, v in ctx.items()}
    try:
        return template.format(**words)
    except (KeyError, IndexError):
        return str(e["msg"])


def fail_at_first(
    bad: Any,
    message: Callable[[int], str],
    file: str | Path,
    field: str,
    *,
    feature: bool = False,
) -> None:
    """Raise :class:`InputError` at the first row where ``bad`` (booleans, one per row in
    file order) holds, naming the file, its line (or, with ``feature``, its 1-based feature
    number) and the field; ``message`` gets the row's 0-based position."""
    hits = np.flatnonzero(np.asarray(bad, dtype=bool))
    if hits.size:
        pos = int(hits[0])
        line = pos + 1 if feature else data_line(pos)
        raise InputError(message(pos), file=file, line=line, field=field, feature=feature)
