"""Read a survey export with a column mapping, and validate every row.

A mapping (TOML) says which export column holds which of dekning's fields and which answers
mean what (see ``surveys/mappings/*.toml`` and the README). Rows with impossible or unknown
answers, or no address, are rejected with the reason; the good rows go on. All checks are
whole-column operations: no answer is looked at row by row in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dekning.errors import InputError
from dekning.io import read_table
from dekning.surveys.mapping import CODED, Mapping, normalise_answers

TEXT = ("id", "submitted", "address", "postnummer", "operator", "comment")
SPEEDS = ("down_mbps", "up_mbps")
MAX_MBPS = 10_000.0
"""Faster than 10 Gbit/s is not a home connection: such a speed is rejected as impossible."""
NO_SPEED = ("", "vet ikke", "vet ikkje", "-", "ukjent")
"""Typed speeds that mean "no answer"."""
SPEED_PATTERN = (
    r"^(?:ca\.?|cirka|omtrent|~|<|>|under|over)?\s*(\d+(?:[.,]\d+)?)\s*"
    r"(?:mbit/s|mbps|mb/s|mbit|mb)?$"
)
"""A typed speed in Mbit/s after normalisation: ``12,5``, ``ca 10``, ``100 mbit/s``."""
PROBLEM_COLUMNS = ["row", "field", "value", "reason"]
"""Columns of the rejected rows; ``row`` is the line as a spreadsheet shows it (header line 1)."""


def _codes(values: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """The code of every answer; missing (NaN) when the answer is in no list."""
    return normalise_answers(values).map(lookup)


def _quoted(values: pd.Series) -> pd.Series:
    """``repr`` of every value, each distinct value formatted once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    return pd.Series(np.array([repr(u) for u in uniques], dtype=object)[codes], index=values.index)


def parse_speeds(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Typed speeds in Mbit/s (``"12,5"``, ``"ca 10"``, ``"100 Mbit/s"``).

    Returns
    -------
    tuple of pandas.Series
        The speed (float, Mbit/s; NaN for no answer or a problem) and the problem (empty when
        none). Empty answers and "vet ikke" are no answer; text with no number, and speeds
        over :data:`MAX_MBPS`, are problems.
    """
    text = normalise_answers(values)
    number = text.str.extract(SPEED_PATTERN, expand=False)
    speed = pd.to_numeric(number.str.replace(",", ".", regex=False), errors="coerce")
    not_speed = number.isna() & ~text.isin(NO_SPEED)
    too_fast = speed > MAX_MBPS
    problem = pd.Series("", index=values.index, dtype=object)
    problem[not_speed] = "not a speed: " + _quoted(values[not_speed])
    shown = np.char.mod("%g", speed[too_fast].to_numpy(dtype="float64"))
    too_fast_reason = np.char.add(
        np.char.add("impossible speed ", shown), f" Mbit/s (over {MAX_MBPS:g}; typed in kbit/s?)"
    )
    problem[too_fast] = too_fast_reason.astype(object)
    return speed.where(~too_fast).astype("float64"), problem


@dataclass
class SurveyRead:
    """Validated answers and rejected rows of one export."""

    answers: pd.DataFrame
    """One row per accepted answer: ``row`` (the line in the file as a spreadsheet shows it, the
    header being line 1) and dekning's fields;
    mobile columns (:func:`answer_column`) hold 0 (none), 2 (weak), 3 (good) or NaN."""
    rejected: pd.DataFrame
    """``row``, ``field``, ``value``, ``reason`` for every rejected row (one line per problem)."""
    total: int
    file: str


def _problems(bad: pd.Series, field: str, values: pd.Series, reason: pd.Series) -> pd.DataFrame:
    """One problem line per row where ``bad`` holds: ``row`` (the line, header = 1), ``field``, the raw
    ``value`` and the ``reason``."""
    mask = bad.to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "row": np.flatnonzero(mask) + 2,
            "field": field,
            "value": values.to_numpy(dtype=object)[mask],
            "reason": reason.to_numpy(dtype=object)[mask],
        }
    )


class _Export:
    """The export's columns as strings (missing values empty), by dekning field."""

    def __init__(self, df: pd.DataFrame, mapping: Mapping) -> None:
        self.df, self.mapping = df, mapping

    def column(self, name: str) -> pd.Series:
        """An export column by its own name."""
        return self.df[name].fillna("").astype(str)

    def field(self, fld: str) -> pd.Series:
        """The column the mapping names for ``fld`` (all empty when it names none)."""
        name = self.mapping.columns.get(fld)
        return self.column(name) if name else pd.Series("", index=self.df.index, dtype=object)


def _coded(
    export: _Export, lookup: dict[str, str], what: str, source: str
) -> tuple[pd.Series, pd.DataFrame]:
    """Codes of the export column ``source`` ("" for no answer) and the problems of its answers
    that are in no list of ``lookup`` (named ``what`` in the reason)."""
    values = export.column(source)
    codes = _codes(values, lookup)
    reason = "unknown answer " + _quoted(values) + f" for {what}"
    return codes.fillna(""), _problems(codes.isna(), source, values, reason)


def _validate(export: _Export) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Every field of the export, parsed, and the problems found (one frame per check)."""
    mapping, n = export.mapping, len(export.df)
    out = pd.DataFrame({"row": np.arange(2, n + 2)})  # lines: the header is line 1
    problems: list[pd.DataFrame] = []
    for fld in TEXT:
        out[fld] = export.field(fld).str.strip().to_numpy()
    out["postnummer"] = out["postnummer"].str.extract(r"(\d{4})", expand=False).fillna("")
    for fld in ("lat", "lon"):
        if fld in mapping.columns:
            text = export.field(fld).str.replace(",", ".", regex=False)
            out[fld] = pd.to_numeric(text, errors="coerce").to_numpy()
    for fld in (f for f in CODED if f in mapping.columns):
        codes, bad = _coded(export, mapping.answers.get(fld, {}), fld, mapping.columns[fld])
        out[fld] = codes.to_numpy()
        problems.append(bad)
    if "willingness_to_pay" in out:
        wtp = out["willingness_to_pay"].replace("", np.nan)
        out["willingness_to_pay"] = pd.to_numeric(wtp).to_numpy()
    for fld in (f for f in SPEEDS if f in mapping.columns):
        speed, problem = parse_speeds(export.field(fld))
        out[fld] = speed.to_numpy()
        problems.append(_problems(problem != "", mapping.columns[fld], export.field(fld), problem))
    if "satisfaction" in mapping.columns:
        out["satisfaction"], bad = _satisfaction(export)
        problems.append(bad)
    lookup = mapping.answers.get("mobile", {})
    for q in mapping.mobile:
        codes, bad = _coded(export, lookup, "mobile coverage", q.source)
        out[q.column] = pd.to_numeric(codes.replace("", np.nan), errors="coerce").to_numpy()
        problems.append(bad)
    problems.append(_no_address(out, mapping))
    return out, problems


def _satisfaction(export: _Export) -> tuple[np.ndarray, pd.DataFrame]:
    """Satisfaction 1-5 (float; NaN when empty or invalid) and the problems of invalid ones."""
    raw = export.field("satisfaction")
    stripped = raw.str.strip()
    sat = pd.to_numeric(stripped.where(stripped != ""), errors="coerce")
    bad = (stripped != "") & (sat.isna() | ~sat.isin([1, 2, 3, 4, 5]))
    reason = "satisfaction must be 1-5, got " + _quoted(raw)
    field = export.mapping.columns["satisfaction"]
    return sat.where(~bad).to_numpy(), _problems(bad, field, raw, reason)


def _no_address(out: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Problems of answers with neither an address nor both coordinates."""
    no_address = out["address"] == ""
    if "lat" in out and "lon" in out:
        no_address &= ~(out["lat"].notna() & out["lon"].notna())
    empty = pd.Series("", index=out.index, dtype=object)
    field = mapping.columns.get("address", "address")
    return _problems(no_address, field, empty, empty + "empty address")


def read_survey(path: str | Path, mapping: Mapping) -> SurveyRead:
    """Read and validate a survey export (CSV with ``;`` or ``,``, UTF-8 or Windows-1252, or XLSX).

    Raises
    ------
    InputError
        The file cannot be read, or a column the mapping names is missing (``field`` is the
        first missing column).
    """
    path = Path(path)
    df = read_table(path, what="spørreundersøkelsen").reset_index(drop=True)
    named = [*mapping.columns.values(), *(q.source for q in mapping.mobile)]
    missing = [c for c in named if c not in df.columns]
    if missing:
        raise InputError(
            f"kolonne(r) som kolonneoppsettet ({mapping.source}) nevner, mangler: "
            f"{', '.join(repr(m) for m in missing)}; "
            f"eksporten har: {', '.join(repr(c) for c in df.columns[:30])}",
            file=path,
            field=missing[0],
        )
    out, problems = _validate(_Export(df, mapping))
    rejected = _concat_problems(problems)
    good = out[~out["row"].isin(rejected["row"])].reset_index(drop=True)
    return SurveyRead(good, rejected, len(df), str(path))


def _concat_problems(problems: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """All problem lines, by row and then field (checks in field order within a row)."""
    found = [p for p in problems if len(p)]
    if not found:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    rejected = pd.concat(found, ignore_index=True).sort_values(["row", "field"], kind="stable")
    return rejected.reset_index(drop=True)
