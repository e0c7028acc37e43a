"""Read a survey export with a column mapping, and validate every row.

A mapping (TOML) says which export column holds which of dekning's fields and which answers
mean what (see ``surveys/mappings/*.toml`` and the README). Rows with impossible or unknown
answers, or no address, are rejected with the reason; the good rows go on.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from dekning.errors import ConfigError, InputError
from dekning.io import read_table

FIELDS = (
    "id",
    "submitted",
    "address",
    "postnummer",
    "lat",
    "lon",
    "dwelling",
    "technology",
    "operator",
    "down_mbps",
    "up_mbps",
    "satisfaction",
    "interest_fibre",
    "willingness_to_pay",
    "comment",
)
CODED = ("technology", "dwelling", "interest_fibre", "willingness_to_pay")
SHIPPED = ("nettskjema", "microsoft_forms")
MAX_MBPS = 10_000.0
"""Faster than 10 Gbit/s is not a home connection: such a speed is rejected as impossible."""


@dataclass(frozen=True)
class Mapping:
    """Which export column holds which field, and what the answers mean."""

    tool: str
    columns: dict[str, str]
    mobile: dict[str, str]
    """``<operator>_<inne|ute>`` → column."""
    answers: dict[str, dict[str, str]]
    """field → normalised answer → code ("" = no answer)."""
    source: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def _norm_answer(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip().lower()


def _codes(values: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """The code of every answer (None when the answer is in no list), each distinct answer
    normalised once."""
    keys, uniques = pd.factorize(values.to_numpy(dtype=object))
    mapped = np.array([lookup.get(_norm_answer(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[keys], index=values.index)


def load_mapping(spec: str | Path) -> Mapping:
    """Load a mapping: a path to a TOML file, or the name of a shipped one (``nettskjema``,
    ``microsoft_forms``).

    Raises
    ------
    ConfigError
        Unknown keys, fields or answers that are not lists of strings.
    """
    name = str(spec)
    if name in SHIPPED:
        text = (
            resources.files("dekning.surveys")
            .joinpath("mappings", f"{name}.toml")
            .read_text(encoding="utf-8")
        )
        source = f"shipped mapping '{name}'"
    else:
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"{path}: mapping file not found (shipped mappings: {', '.join(SHIPPED)})"
            ) from None
        source = str(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: not valid TOML: {err}") from None
    unknown = set(raw) - {"tool", "columns", "answers"}
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
    cols = dict(raw.get("columns", {}))
    mobile = cols.pop("mobile", {})
    bad = set(cols) - set(FIELDS)
    if bad:
        raise ConfigError(
            f"{source}: unknown field(s) in [columns]: {', '.join(sorted(bad))}; known: {', '.join(FIELDS)}"
        )
    if "address" not in cols and not {"lat", "lon"} <= set(cols):
        raise ConfigError(f"{source}: [columns] needs 'address' (or 'lat' and 'lon')")
    for key in mobile:
        if not re.fullmatch(r"[a-z0-9]+_(inne|ute)", key):
            raise ConfigError(
                f"{source}: [columns.mobile] key {key!r} must look like 'telenor_inne' or 'ice_ute'"
            )
    answers: dict[str, dict[str, str]] = {}
    for fld, table in raw.get("answers", {}).items():
        if fld not in (*CODED, "mobile"):
            raise ConfigError(
                f"{source}: [answers.{fld}] is not a coded field ({', '.join((*CODED, 'mobile'))})"
            )
        lookup: dict[str, str] = {}
        for code, words in table.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ConfigError(f"{source}: [answers.{fld}] {code!r} must be a list of strings")
            for w in words:
                lookup[_norm_answer(w)] = str(code)
        answers[fld] = lookup
    return Mapping(
        str(raw.get("tool", "")),
        {k: str(v) for k, v in cols.items()},
        {k: str(v) for k, v in mobile.items()},
        answers,
        source,
    )


def parse_speed(text: object) -> tuple[float | None, str | None]:
    """A typed speed in Mbit/s (``"12,5"``, ``"ca 10"``, ``"100 Mbit/s"``) → (value, problem).

    Empty answers and "vet ikke" are no answer (None, None). Text with no number is a problem.
    """
    t = _norm_answer(text)
    if t in ("", "vet ikke", "vet ikkje", "-", "ukjent"):
        return None, None
    m = re.fullmatch(
        r"(?:ca\.?|cirka|omtrent|~|<|>|under|over)?\s*(\d+(?:[.,]\d+)?)\s*(?:mbit/s|mbps|mb/s|mbit|mb)?",
        t,
    )
    if not m:
        return None, f"not a speed: {text!r}"
    value = float(m.group(1).replace(",", "."))
    if value > MAX_MBPS:
        return None, f"impossible speed {value:g} Mbit/s (over {MAX_MBPS:g}; typed in kbit/s?)"
    return value, None


@dataclass
class SurveyRead:
    """Validated answers and rejected rows of one export."""

    answers: pd.DataFrame
    """One row per accepted answer: ``row`` (1-based data row in the file) and dekning's fields;
    mobile columns ``mob_<op>_<inne|ute>`` hold 0 (none), 2 (weak), 3 (good) or NaN."""
    rejected: pd.DataFrame
    """``row``, ``field``, ``value``, ``reason`` for every rejected row (one line per problem)."""
    total: int
    file: str


def read_survey(path: str | Path, mapping: Mapping) -> SurveyRead:
    """Read and validate a survey export (CSV with ``;`` or ``,``, UTF-8 or Windows-1252, or XLSX).

    Raises
    ------
    InputError
        The file cannot be read, or a column the mapping names is missing.
    """
    path = Path(path)
    df = read_table(path, what="survey export")
    missing = [
        c for c in [*mapping.columns.values(), *mapping.mobile.values()] if c not in df.columns
    ]
    if missing:
        raise InputError(
            f"column(s) named in the mapping ({mapping.source}) are missing: {', '.join(repr(m) for m in missing)}; "
            f"the export has: {', '.join(repr(c) for c in df.columns[:30])}",
            file=path,
        )
    n = len(df)
    out = pd.DataFrame({"row": np.arange(1, n + 1)})
    problems: list[tuple[int, str, str, str]] = []

    def col(fld: str) -> pd.Series:
        name = mapping.columns.get(fld)
        return df[name].fillna("").astype(str) if name else pd.Series([""] * n)

    for fld in ("id", "submitted", "address", "postnummer", "operator", "comment"):
        out[fld] = col(fld).str.strip().to_numpy()
    out["postnummer"] = out["postnummer"].str.extract(r"(\d{4})", expand=False).fillna("")
    for fld in ("lat", "lon"):
        if fld in mapping.columns:
            out[fld] = pd.to_numeric(col(fld).str.replace(",", ".", regex=False), errors="coerce")
    for fld in CODED:
        if fld not in mapping.columns:
            continue
        lookup = mapping.answers.get(fld, {})
        values = col(fld)
        codes = _codes(values, lookup)
        for i in np.flatnonzero(codes.isna().to_numpy()):
            problems.append(
                (
                    i + 1,
                    mapping.columns[fld],
                    values.iat[i],
                    f"unknown answer {values.iat[i]!r} for {fld}",
                )
            )
        out[fld] = codes.fillna("").to_numpy()
    if "willingness_to_pay" in out:
        out["willingness_to_pay"] = pd.to_numeric(out["willingness_to_pay"].replace("", np.nan))
    for fld in ("down_mbps", "up_mbps"):
        if fld not in mapping.columns:
            continue
        parsed = [parse_speed(v) for v in col(fld)]
        out[fld] = [v for v, _ in parsed]
        for i, (_, problem) in enumerate(parsed):
            if problem:
                problems.append((int(i) + 1, mapping.columns[fld], col(fld).iat[i], problem))
    if "satisfaction" in mapping.columns:
        sat = pd.to_numeric(col("satisfaction").str.strip().replace("", np.nan), errors="coerce")
        raw = col("satisfaction")
        bad = (raw.str.strip() != "") & (sat.isna() | ~sat.isin([1, 2, 3, 4, 5]))
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                (
                    i + 1,
                    mapping.columns["satisfaction"],
                    raw.iat[i],
                    f"satisfaction must be 1-5, got {raw.iat[i]!r}",
                )
            )
        out["satisfaction"] = sat.where(~bad).to_numpy()
    lookup = mapping.answers.get("mobile", {})
    for key, name in mapping.mobile.items():
        values = df[name].fillna("").astype(str)
        codes = _codes(values, lookup)
        for i in np.flatnonzero(codes.isna().to_numpy()):
            problems.append(
                (
                    i + 1,
                    name,
                    values.iat[i],
                    f"unknown answer {values.iat[i]!r} for mobile coverage",
                )
            )
        out[f"mob_{key}"] = pd.to_numeric(codes.replace("", np.nan), errors="coerce").to_numpy()
    has_coords = "lat" in out and "lon" in out
    no_address = (out["address"] == "") & (
        ~(out["lat"].notna() & out["lon"].notna()) if has_coords else True
    )
    for i in np.flatnonzero(np.asarray(no_address)):
        problems.append(
            (int(i) + 1, mapping.columns.get("address", "address"), "", "empty address")
        )

    rejected = pd.DataFrame(problems, columns=["row", "field", "value", "reason"]).sort_values(
        ["row", "field"], kind="stable"
    )
    good = out[~out["row"].isin(rejected["row"])].reset_index(drop=True)
    return SurveyRead(good, rejected.reset_index(drop=True), n, str(path))
