"""Text from the input is data: never a formula, markup or script in an output.

One function per kind of output that could run or interpret text:

- :func:`spreadsheet_text` / :func:`spreadsheet_frame` / :func:`write_spreadsheet_csv` — CSV files bound for a spreadsheet. A
  text that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return would be read as a
  formula by Excel or LibreOffice (OWASP, "CSV Injection"); it gets a leading apostrophe
  (``'=HYPERLINK(...)``), which spreadsheets show as text. Text that already starts with
  apostrophes before one of those characters gets one more, so :func:`from_spreadsheet_text`
  gives back exactly the original text. Only text is touched: numbers (``-2``) stay numbers.

  Every CSV dekning writes follows one convention, for the people who open it in a Norwegian
  Excel or LibreOffice (:data:`CSV_CONVENTION`): UTF-8 with a byte order mark (æøå right on a
  double-click), ``;`` between fields, a decimal comma (``383,6``), no thousands separator,
  numbers as numbers (floats rounded to :data:`FLOAT_DECIMALS` places, so no binary noise such
  as ``383.59999999999997``), booleans as ``ja``/``nei`` and missing values empty.
  :func:`read_spreadsheet_csv` reads such a file back.
- :func:`script_json` — JSON embedded in an HTML ``<script>`` element: ``<``, ``>``, ``&``,
  ``'`` and U+2028/U+2029 are written as ``\\uXXXX`` escapes, so no input text can close the
  element (``</script>``) or start markup.
- :func:`terminal_text` — text printed with rich: a :class:`rich.text.Text`, so markup
  (``[bold]``, ``[link=…]``) is shown as written, and control characters (escape sequences,
  terminal hyperlinks) are shown as ``\\xNN``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from rich.text import Text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet read a CSV cell as a formula (OWASP)."""
QUOTE = "'"
"""The prefix that makes a spreadsheet read a cell as text."""
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")
_TEXTUAL = ("string", "mixed", "mixed-integer", "empty")
"""Inferred column types (:func:`pandas.api.types.infer_dtype`) that may hold text."""
SEPARATOR = ";"
DECIMAL = ","
ENCODING = "utf-8-sig"
"""UTF-8 with a byte order mark: Excel then reads æøå right when the file is double-clicked."""
YES, NO = "ja", "nei"
FLOAT_DECIMALS = 6
"""Decimals a float keeps in a CSV: enough for every figure dekning computes (metres to 0.1,
kroner whole, shares), and no binary noise (``383.59999999999997`` is written ``383,6``)."""
CSV_CONVENTION = (
    "UTF-8 with BOM; ';' between fields; decimal comma; no thousands separator; "
    "numbers as numbers, floats rounded to 6 decimals; booleans 'ja'/'nei'; empty: missing"
)
"""The one convention of every CSV dekning writes (see the module)."""
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: a leading ``'`` when it starts (after any
    apostrophes) with a character of :data:`FORMULA_START`; otherwise unchanged.

    >>> spreadsheet_text('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> spreadsheet_text("Storgata 5")
    'Storgata 5'
    """
    return QUOTE + value if _FORMULA.match(value) else value


def from_spreadsheet_text(value: str) -> str:
    """The text :func:`spreadsheet_text` was given (its inverse): one leading ``'`` less
    before a character of :data:`FORMULA_START`; otherwise unchanged."""
    return value[1:] if _QUOTED.match(value) else value


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of ``frame`` that may hold text (object or string dtype)."""
    return [
        str(name)
        for name in frame.columns
        if (pd.api.types.is_object_dtype(frame[name]) or pd.api.types.is_string_dtype(frame[name]))
        and pd.api.types.infer_dtype(frame[name], skipna=True) in _TEXTUAL
    ]


def _map_text(frame: pd.DataFrame, pattern: re.Pattern[str], add: bool) -> pd.DataFrame:
    """A copy of ``frame`` with the string values matching ``pattern`` given a leading
    :data:`QUOTE` (``add``) or one less; vectorised per column."""
    out = frame.copy()
    for name in out.columns:  # text in a categorical column is text too: as plain values
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(object)
    frame = out.copy()
    for name in _text_columns(frame):  # a loop over columns; each is replaced at once
        col = frame[name]
        hit = col.str.match(pattern.pattern).astype(object).fillna(False).astype(bool).to_numpy()
        if hit.any():
            values = col.to_numpy(dtype=object, copy=True)
            texts = col[hit].astype(str)
            values[hit] = (QUOTE + texts if add else texts.str[1:]).to_numpy(dtype=object)
            out[name] = pd.Series(values, index=col.index, name=col.name, dtype=col.dtype)
    return out


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for a CSV file: every text value through :func:`spreadsheet_text`.

    Only string values are touched; numbers, booleans and missing values (also in columns that
    mix them with text) stay as they are.
    """
    return _map_text(frame, _FORMULA, add=True)


def from_spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table read back from a CSV :func:`spreadsheet_frame` wrote: every text value
    through :func:`from_spreadsheet_text`."""
    return _map_text(frame, _QUOTED, add=False)


def _convention(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` as :data:`CSV_CONVENTION` writes it: booleans as ``ja``/``nei``
    (also with gaps), whole numbers with gaps (a float column only because of them) without
    ``,0``, other floats rounded to :data:`FLOAT_DECIMALS` places (no binary noise)."""
    out = frame.copy()
    for name in out.columns:  # a loop over columns; each is replaced at once
        col = out[name]
        if pd.api.types.is_bool_dtype(col) or (
            col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) == "boolean"
        ):
            out[name] = col.map({True: YES, False: NO}).astype(object)
        elif pd.api.types.is_float_dtype(col):
            values = col.to_numpy(dtype="float64")
            known = values[~np.isnan(values)]
            whole = col.isna().any() and bool(np.all(known == np.round(known)))
            out[name] = col.astype("Int64") if whole else col.round(FLOAT_DECIMALS)
    return out


def write_spreadsheet_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as a CSV for Norwegian spreadsheets (:data:`CSV_CONVENTION`), without
    its index: text through :func:`spreadsheet_frame`.

    Lines end in ``\\n``; when a text holds a carriage return the file's lines end in
    ``\\r\\n`` instead, so that such a text is quoted (Python's CSV writer quotes only the
    characters of the line ending) and a spreadsheet does not break the row there.
    """
    safe = _convention(spreadsheet_frame(frame))
    columns = _text_columns(safe)
    has_cr = any(safe[c].str.contains("\r", regex=False).fillna(False).any() for c in columns)
    safe.to_csv(
        path,
        sep=SEPARATOR,
        decimal=DECIMAL,
        index=False,
        encoding=ENCODING,
        lineterminator="\r\n" if has_cr else "\n",
    )


def read_spreadsheet_csv(path: str | Path, text: Sequence[str] = ()) -> pd.DataFrame:
    """Read back a CSV :func:`write_spreadsheet_csv` wrote: numbers with a decimal comma as
    numbers, ``ja``/``nei`` as booleans, the ``text`` columns as text (leading zeros kept,
    missing: ``NaN``), and the protection of formula-like text undone
    (:func:`from_spreadsheet_frame`)."""
    table = pd.read_csv(
        path,
        sep=SEPARATOR,
        decimal=DECIMAL,
        encoding=ENCODING,
        true_values=[YES],
        false_values=[NO],
        dtype=dict.fromkeys(text, str),
    )
    return from_spreadsheet_frame(table)


def script_json(value: object, *, compact: bool = False) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element (see the module);
    ``compact``: without spaces after ``,`` and ``:`` (large map data)."""
    separators = (",", ":") if compact else None
    text = json.dumps(value, ensure_ascii=False, separators=separators)  # NaN stays NaN
    return re.sub("[<>&'\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group(0)], text)


def terminal_text(value: object, style: str = "") -> Text:
    """``str(value)`` as a :class:`rich.text.Text` for printing: never read as rich markup,
    emoji codes or highlighting, whatever the console's settings, and with control characters
    (newline and escape sequences included) shown as ``\\xNN``, so the text can neither
    style the terminal nor make a hyperlink."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))
    return Text(text, style=style)


__all__ = [
    "FORMULA_START",
    "from_spreadsheet_frame",
    "from_spreadsheet_text",
    "read_spreadsheet_csv",
    "script_json",
    "spreadsheet_frame",
    "spreadsheet_text",
    "terminal_text",
    "write_spreadsheet_csv",
]
