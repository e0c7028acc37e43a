"""One error hierarchy for every stage.

Stages raise these at the boundary where bad input is found; the CLI and the API print them in
one place as a readable message (never a traceback for user input).
"""

from __future__ import annotations

from pathlib import Path


class DekningError(Exception):
    """Base class of every error dekning raises on purpose."""


class ConfigError(DekningError):
    """The configuration file or a parameter is wrong (unknown key, wrong type, absurd value)."""


class InputError(DekningError):
    """An input file is wrong.

    Parameters
    ----------
    message
        What is wrong and, where possible, what to do about it.
    file
        The file that was read.
    row
        1-based data row number (the header is row 0), if the problem is in one row.
    field
        The column (field) name, if the problem is in one field.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class RuleError(DekningError):
    """A rule profile (eligibility or co-funding) is missing or inconsistent."""


class PlanningError(DekningError):
    """The planning problem has no sensible answer (e.g. a budget smaller than any area)."""


class ReconciliationError(DekningError):
    """Figures that must add up do not (e.g. cost ≠ the sum of its funding parts).

    This is a defect in dekning, never bad input: the API answers it with 500.
    """
