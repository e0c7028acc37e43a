"""Read an operator's answers to a challenge round: the list dekning sent them
(``<operator>.xlsx`` or ``<operator>.csv``, see
:func:`dekning.coverage.application.challenges.operator_lists`) with ``Svar`` and
``Begrunnelse`` filled in, or any CSV/XLSX file with at least the columns ``Utfordring`` and
``Svar``.

Each answer is ``godtar`` (the operator accepts the challenge: its data were wrong) or
``bestrider`` (it disputes the challenge); common synonyms are accepted
(:data:`ANSWER_WORDS`). A row with an empty ``Svar`` is not answered yet and is left out.
Anything else is an :class:`~dekning.errors.InputError` naming the file, the line as a
spreadsheet shows it (header line 1) and the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from dekning.errors import InputError, data_line
from dekning.io import read_table, require_columns, sniff_delimiter, sniff_encoding
from dekning.textsafe import from_spreadsheet_text

WHAT = "tilbyderens svar"
"""Names the file in errors."""
ANSWER_WORDS: dict[str, tuple[str, ...]] = {
    "godtar": ("godtar", "godtatt", "enig", "ja", "accept"),
    "bestrider": ("bestrider", "bestridt", "uenig", "nei", "dispute"),
}
"""The two answers and every word (trimmed, any case) read as each of them."""
ANSWER_LABELS = {
    "godtar": "Tilbyderen godtar utfordringen (dataene var feil)",
    "bestrider": "Tilbyderen bestrider utfordringen",
}
"""What each answer means, in bokmål (for notes and instructions)."""
ID_HEADER = "Utfordring"
ADRID_HEADER = "Adresse-ID"
ANSWER_HEADER = "Svar"
REASON_HEADER = "Begrunnelse"
OPERATOR_HEADER = "Tilbyder"
COLUMNS = {
    "id": (ID_HEADER, "Utfordring-ID", "Utfordrings-ID", "Utfordringsnummer", "id"),
    "svar": (ANSWER_HEADER, "Answer"),
}
"""Required fields and the headers (any case and spacing) accepted for each."""
OPTIONAL = {
    "begrunnelse": (REASON_HEADER, "Kommentar", "Reason"),
    "operator": (OPERATOR_HEADER, "Operatør", "Operator"),
    "adrid": (ADRID_HEADER, "AdresseID", "adrid"),
}
"""Optional fields and their accepted headers."""
HEADERS_ATTR = "overskrifter"
"""Key in the answers' ``attrs``: each field's header as the file writes it (``id``, ``svar``
and those of :data:`OPTIONAL` the file has), for errors that name the file's column."""
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
OUT_COLUMNS = ["rad", "id", "svar", "begrunnelse", "operator", "adrid"]
_WORD_OF = {word: answer for answer, words in ANSWER_WORDS.items() for word in words}
_WHOLE = re.compile(r"^\+?\d+(?:[.,]0)?$")
"""A whole number as a file holds it: ``7``, ``7.0`` (a workbook's number), ``7,0``; never
``1.000`` (a thousand or one?)."""


def _read(path: Path) -> pd.DataFrame:
    """Every cell as a string ("" when empty), one row per spreadsheet row below the header
    (blank rows kept, so positions give the line a spreadsheet shows)."""
    if not path.exists():
        raise InputError(f"fant ikke fila ({WHAT})", file=path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"kan ikke lese {WHAT} fra en {suffix or 'fil uten endelse'}-fil; lagre den som "
            ".xlsx eller .csv",
            file=path,
        )
    if suffix in (".xlsx", ".xlsm"):
        table = read_table(path, what=WHAT)
        return table.astype(object).where(table.notna(), "").astype(str)
    raw = path.read_bytes()
    encoding = sniff_encoding(raw)
    lines = raw.decode(encoding, errors="replace").lstrip("\ufeff").strip().splitlines()
    if not lines:
        raise InputError(f"fila er tom ({WHAT})", file=path)
    first = lines[0]
    try:  # pandas, not pyarrow: a quoted text may hold a line break
        return pd.read_csv(
            path,
            sep=sniff_delimiter(first),
            encoding=encoding,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (ValueError, pd.errors.ParserError) as err:
        raise InputError(f"kan ikke lese {WHAT}: {err}", file=path) from None


def _text(values: pd.Series) -> pd.Series:
    """Trimmed text with the protection of formula-like text undone (``'=1+1`` → ``=1+1``)."""
    return values.astype(str).str.strip().map(from_spreadsheet_text)


def _whole_numbers(
    values: pd.Series, *, path: Path, field: str, what: str, required: bool
) -> pd.Series:
    """Whole numbers (Int64; empty: missing unless ``required``); an InputError at the first
    value that is not one."""
    text = values.astype(str).str.strip().str.replace("\u00a0", "", regex=False)
    text = text.str.replace(" ", "", regex=False)
    empty = text == ""
    bad = ~text.str.match(_WHOLE.pattern) & (~empty | required)
    if bad.any():
        at = values.index[int(np.flatnonzero(bad.to_numpy())[0])]
        shown = values[at].strip()
        problem = f"mangler {what}" if not shown else f"{what} må være et heltall; fant {shown!r}"
        raise InputError(problem, file=path, line=data_line(at), field=field)
    whole = text.str.replace(r"[.,]0$", "", regex=True).str.lstrip("+")
    numbers = [int(v) if v else None for v in whole.where(~empty, "")]
    return pd.Series(numbers, index=values.index, dtype="Int64")


def read_operator_answers(path: str | Path) -> pd.DataFrame:
    """An operator's answers to the challenges it was sent.

    Parameters
    ----------
    path
        A CSV (``;`` or ``,``, UTF-8 or Windows-1252) or XLSX file (first sheet) with the
        columns ``Utfordring`` and ``Svar`` and optionally ``Begrunnelse``, ``Tilbyder`` and
        ``Adresse-ID`` (headers in any case and spacing; see :data:`COLUMNS` and
        :data:`OPTIONAL`).

    Returns
    -------
    pandas.DataFrame
        One row per answered challenge, in file order: ``rad`` (the line a spreadsheet shows,
        header line 1), ``id`` (int64), ``svar`` (``godtar`` or ``bestrider``),
        ``begrunnelse`` (str), ``operator`` (str; "" without a ``Tilbyder`` column) and
        ``adrid`` (Int64; missing for an area challenge or without the column). Rows with an
        empty ``Svar`` are left out (not answered yet); a challenge listed twice with the
        same answer and reason is kept once. ``attrs[HEADERS_ATTR]`` maps each field the file
        has to its header as written there (:data:`HEADERS_ATTR`).

    Raises
    ------
    InputError
        The file is missing, unreadable or lacks a required column; a ``Svar`` that is not
        one of :data:`ANSWER_WORDS`; an answered row whose ``Utfordring`` or ``Adresse-ID`` is
        not a whole number; a challenge answered twice differently. The error names the
        file, the line and the column.
    """
    path = Path(path)
    table = _read(path)
    table.columns = pd.Index([re.sub(r"\s+", " ", str(c)).strip() for c in table.columns])
    table = table.reset_index(drop=True)
    cols = require_columns(table, COLUMNS, file=path, what=WHAT)
    optional = _optional(table)
    word = _text(table[cols["svar"]])
    answered = table[word != ""]
    word = word[answered.index]
    answer = word.str.casefold().map(_WORD_OF)
    unknown = answer.isna()
    if unknown.any():
        at = int(word.index[int(np.flatnonzero(unknown.to_numpy())[0])])
        accepted = "; ".join(f"{a}: {', '.join(w)}" for a, w in ANSWER_WORDS.items())
        raise InputError(
            f"ukjent svar {word[at]!r}; skriv godtar eller bestrider (ord som leses: {accepted})",
            file=path,
            line=data_line(at),
            field=cols["svar"],
        )
    ids = _whole_numbers(
        answered[cols["id"]],
        path=path,
        field=cols["id"],
        what="utfordringens nummer",
        required=True,
    )
    if "adrid" in optional:
        adrid = _whole_numbers(
            answered[optional["adrid"]],
            path=path,
            field=optional["adrid"],
            what="adresse-ID",
            required=False,
        )
    else:
        adrid = pd.Series([None] * len(answered), index=answered.index, dtype="Int64")
    empty = pd.Series("", index=answered.index, dtype=object)
    out = pd.DataFrame(
        {
            "rad": [data_line(int(i)) for i in answered.index],
            "id": ids.astype("int64"),
            "svar": answer.astype(str),
            "begrunnelse": _text(answered[optional["begrunnelse"]])
            if "begrunnelse" in optional
            else empty,
            "operator": _text(answered[optional["operator"]]) if "operator" in optional else empty,
            "adrid": adrid,
        },
        index=answered.index,
    )
    out["rad"] = out["rad"].astype("int64")
    result = _without_repeats(out, path, cols, optional).reset_index(drop=True)[OUT_COLUMNS]
    result.attrs[HEADERS_ATTR] = {**cols, **optional}
    return result


def _optional(table: pd.DataFrame) -> dict[str, str]:
    """The file's column of each optional field it has."""
    found = {}
    lower = {str(c).casefold(): str(c) for c in table.columns}
    for name, headers in OPTIONAL.items():
        hit = next((lower[h.casefold()] for h in headers if h.casefold() in lower), None)
        if hit is not None:
            found[name] = hit
    return found


def _without_repeats(
    out: pd.DataFrame, path: Path, cols: dict[str, str], optional: dict[str, str]
) -> pd.DataFrame:
    """``out`` with exact repeats of an answer dropped; an InputError at the first challenge
    answered twice differently."""
    same = ["id", "svar", "begrunnelse", "operator"]
    exact = out.duplicated(subset=[*same], keep="first")
    rest = out[~exact]
    clash = rest["id"].duplicated(keep="first")
    if clash.any():
        second = rest[clash].iloc[0]
        first = rest[rest["id"] == second["id"]].iloc[0]
        if first["svar"] != second["svar"]:
            field = cols["svar"]
        elif first["begrunnelse"] != second["begrunnelse"]:
            field = optional["begrunnelse"]
        else:
            field = optional["operator"]
        raise InputError(
            f"utfordring {second['id']} er besvart to ganger, ulikt (også på linje "
            f"{first['rad']}); behold ett svar",
            file=path,
            line=int(second["rad"]),
            field=field,
        )
    return rest


__all__ = [
    "ADRID_HEADER",
    "ANSWER_HEADER",
    "ANSWER_LABELS",
    "ANSWER_WORDS",
    "HEADERS_ATTR",
    "ID_HEADER",
    "OPERATOR_HEADER",
    "REASON_HEADER",
    "read_operator_answers",
]
