"""Residents' speed tests as evidence of the speed an address really gets (issue 14).

Three steps, each a whole-column operation:

1. :func:`read_speedtests` reads an export of speed tests (one row per test) into
   :data:`SPEEDTEST_COLUMNS`. Two formats are shipped as column mappings
   (``surveys/mappings/speedtest_<format>.toml``): ``nettfart``, an export from Nkom's Nettfart,
   and ``generisk``, any CSV/XLSX with tolerant column names. The layout of a Nettfart export is
   not published (DOMAIN.md §9.4): the ``nettfart`` mapping is an assumed, plausible layout, not
   a verified one.
2. :func:`locate_speedtests` gives every test an address id (the file's own, when the register
   has it, or one found by :func:`~dekning.surveys.geocode.geocode`).
3. :func:`evidence` applies the rules of :class:`~dekning.config.EvidenceConfig` per address:
   several tests on several local days, the median counts, wired before Wi-Fi, mobile tests
   never count as fixed broadband; and compares the median with the best offered download.

Text from the files is data: it is parsed, never evaluated.
"""

from __future__ import annotations

import datetime
import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from dekning.config import EvidenceConfig
from dekning.errors import ConfigError, InputError, data_line, fail_at_first
from dekning.io import find_column, map_values, read_table, require_columns, to_numbers
from dekning.money import decimal, percent, snap, thousands
from dekning.surveys.geocode import geocode
from dekning.surveys.mapping import normalise_answers

SPEEDTEST_COLUMNS: tuple[str, ...] = (
    "rad",
    "tid",
    "ned_mbps",
    "opp_mbps",
    "latens_ms",
    "tilkobling",
    "adresse",
    "postnummer",
    "lat",
    "lon",
    "adrid",
    "kilde",
)
"""Columns of a read speed test: ``rad`` (the line in the file, header = line 1), ``tid``
(tz-aware, Europe/Oslo), speeds in Mbit/s, latency in ms, ``tilkobling`` (:data:`CONNECTIONS`),
address text, postnummer, WGS 84 coordinates, ``adrid`` (Int64, missing when the file has none)
and ``kilde`` (the format read)."""
FORMATS = ("nettfart", "generisk")
"""Shipped formats, in the order :func:`read_speedtests` tries them."""
FIELDS = SPEEDTEST_COLUMNS[1:-1]
"""Fields a format's mapping may name a column for."""
REQUIRED = ("tid", "ned_mbps")
"""Fields every file must have a column for."""
CONNECTIONS = ("kablet", "wifi", "mobil", "ukjent")
CONNECTION_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("kablet", "kabel", "kablet nett", "fast", "ethernet", "lan", "wired", "cable"), "kablet"
    ),
    **dict.fromkeys(
        ("wifi", "wi-fi", "wi fi", "wlan", "trådløst", "trådløs", "tradlost", "wireless"), "wifi"
    ),
    **dict.fromkeys(
        (
            *("mobil", "mobilnett", "mobilt", "mobilt bredbånd", "mobile", "cellular"),
            *("3g", "4g", "4g/lte", "lte", "5g"),
        ),
        "mobil",
    ),
    **dict.fromkeys(("", "ukjent", "unknown", "vet ikke", "-", "annet", "other"), "ukjent"),
}
"""Connection words (normalised as :func:`~dekning.surveys.mapping.normalise_answers`) → code."""
MAX_MBPS = 100_000.0
"""A speed above this (Mbit/s) is not a measurement: the row is rejected."""
OSLO = "Europe/Oslo"
"""Times without a UTC offset are Norwegian local time; days are counted in it."""
WHAT = "fartstestene"
_KBIT = re.compile(r"kbit|kbps|kb/s", re.IGNORECASE)
_DOTTED = r"^\d{1,2}\.\d{1,2}\.\d{4}"
_DOTTED_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")
_WITH_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
EVIDENCE_COLUMNS = (
    "adrid",
    "tester",
    "dager",
    "kun_kablet",
    "median_ned_mbps",
    "median_opp_mbps",
    "tilbudt_ned_mbps",
    "andel",
    "oppfyller_regel",
    "for_treg",
    "begrunnelse",
    "kilder",
)
"""Columns of :func:`evidence`, one row per address."""


@dataclass(frozen=True)
class SpeedtestFormat:
    """A shipped speed-test format: its name and the accepted column headers of each field."""

    name: str
    columns: dict[str, tuple[str, ...]]
    """Field (:data:`FIELDS`) → accepted headers (any case), the first found is used."""


@functools.cache
def load_format(name: str) -> SpeedtestFormat:
    """The shipped format ``name`` (:data:`FORMATS`), from its TOML mapping.

    Raises
    ------
    ConfigError
        An unknown name, or a mapping whose ``[columns]`` are not lists of headers.
    """
    if name not in FORMATS:
        raise ConfigError(f"ukjent format for fartstester: {name!r}; kjente: {', '.join(FORMATS)}")
    text = (
        resources.files("dekning.surveys")
        .joinpath("mappings", f"speedtest_{name}.toml")
        .read_text(encoding="utf-8")
    )
    table = tomllib.loads(text).get("columns", {})
    columns: dict[str, tuple[str, ...]] = {}
    for fld, headers in table.items():
        if fld not in FIELDS or not isinstance(headers, list):
            raise ConfigError(
                f"speedtest_{name}.toml: [columns] {fld} er ukjent eller ikke en liste"
            )
        columns[fld] = tuple(str(h) for h in headers)
    return SpeedtestFormat(name, columns)


def _choose_format(df: pd.DataFrame, fmt: str | None, path: Path) -> SpeedtestFormat:
    """The format asked for, or the first of :data:`FORMATS` whose required columns the file has.

    Raises
    ------
    InputError
        The file lacks a required column of the chosen (or, when detecting, the generic) format.
    """
    names = FORMATS if fmt is None else (fmt.strip().lower(),)
    for name in names:
        spec = load_format(name)
        if all(find_column(df, spec.columns.get(f, ())) for f in REQUIRED):
            return spec
    spec = load_format(names[-1])
    require_columns(df, {f: spec.columns.get(f, ()) for f in REQUIRED}, file=path, what=WHAT)
    raise AssertionError("unreachable: require_columns raises when a column is missing")


def _text(df: pd.DataFrame, column: str | None) -> pd.Series:
    """A column as trimmed strings (missing values and absent columns empty)."""
    if column is None:
        return pd.Series("", index=df.index, dtype=object)
    return df[column].astype(object).where(df[column].notna(), "").astype(str).str.strip()


def parse_times(values: pd.Series) -> pd.Series:
    """Times as tz-aware timestamps in Europe/Oslo (NaT when empty or not a time).

    Accepted: ISO 8601 with or without a UTC offset (``2026-01-15T18:30:00+01:00``,
    ``2026-01-15 18:30``) and ``dd.mm.yyyy HH:MM[:SS]``; times without an offset are Norwegian
    local time (an hour that occurs twice in autumn is the first, summer-time one; one that is
    skipped in spring moves forward).
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(OSLO)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _localise(values)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    dotted = text.str.match(_DOTTED).to_numpy(dtype=bool)
    aware = ~dotted & text.str.contains(_WITH_OFFSET, regex=True).to_numpy(dtype=bool)
    naive = ~dotted & ~aware & (text != "").to_numpy(dtype=bool)
    parts = [
        pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce").dt.tz_convert(
            OSLO
        ),
        _localise(pd.to_datetime(text[naive], format="ISO8601", errors="coerce")),
    ]
    local = pd.Series(pd.NaT, index=text.index[dotted], dtype="datetime64[ns]")
    for form in _DOTTED_FORMATS:
        local = local.fillna(pd.to_datetime(text[dotted], format=form, errors="coerce"))
    parts.append(_localise(local))
    empty = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[ns, {OSLO}]")
    found = [p.dt.as_unit("ns") for p in parts if len(p)]
    return pd.concat([empty[~(dotted | aware | naive)], *found]).reindex(text.index)


def _localise(times: pd.Series) -> pd.Series:
    """Naive local times as Europe/Oslo (ambiguous: the summer-time one; skipped: forward)."""
    return times.astype("datetime64[ns]").dt.tz_localize(
        OSLO, ambiguous=np.ones(len(times), dtype=bool), nonexistent="shift_forward"
    )


def _times(df: pd.DataFrame, column: str, blank: np.ndarray, path: Path) -> pd.Series:
    """The time column parsed (:func:`parse_times`); a row without a valid time fails."""
    raw = _text(df, column)
    times = parse_times(df[column])
    fail_at_first(~blank & (raw == "").to_numpy(), lambda _: "mangler tidspunkt", path, column)
    fail_at_first(
        ~blank & times.isna().to_numpy(),
        lambda pos: (
            f"ikke et tidspunkt: {raw.iloc[pos]!r} "
            "(skriv f.eks. 2026-01-15 18:30 eller 15.01.2026 18:30)"
        ),
        path,
        column,
    )
    return times


def _speed(df: pd.DataFrame, column: str | None, path: Path) -> pd.Series:
    """A speed column in Mbit/s (kbit/s when its header says so); negative or absurd fails."""
    if column is None:
        return pd.Series(np.nan, index=df.index)
    mbps = to_numbers(df[column], file=path, field=column)
    if _KBIT.search(column):
        mbps = mbps / 1000.0
    values = mbps.to_numpy()
    fail_at_first(values < 0, lambda pos: f"negativ hastighet: {values[pos]:g}", path, column)
    fail_at_first(
        values > MAX_MBPS,
        lambda pos: (
            f"urimelig hastighet: {values[pos]:g} Mbit/s (over {thousands(MAX_MBPS)}; "
            "oppgitt i kbit/s? skriv da kbit/s i kolonneoverskriften)"
        ),
        path,
        column,
    )
    return mbps


def _latency(df: pd.DataFrame, column: str | None, path: Path) -> pd.Series:
    """Latency in ms; a negative one fails."""
    if column is None:
        return pd.Series(np.nan, index=df.index)
    ms = to_numbers(df[column], file=path, field=column)
    values = ms.to_numpy()
    fail_at_first(values < 0, lambda pos: f"negativ latens: {values[pos]:g} ms", path, column)
    return ms


def normalise_connections(values: pd.Series, *, file: str | Path, field: str) -> pd.Series:
    """Connection words as codes (:data:`CONNECTIONS`); empty is ``ukjent``.

    Raises
    ------
    InputError
        A word not in :data:`CONNECTION_WORDS`, naming the file, the line and ``field``.
    """
    codes = map_values(normalise_answers(values), CONNECTION_WORDS)
    bad = pd.isna(codes)
    fail_at_first(
        bad,
        lambda pos: (
            f"ukjent tilkobling {values.iloc[pos]!r}; "
            "bruk kablet, wifi, mobil eller la feltet stå tomt"
        ),
        Path(file),
        field,
    )
    return pd.Series(codes, index=values.index, dtype=object)


def _address_ids(df: pd.DataFrame, column: str | None, path: Path) -> pd.Series:
    """Address ids (Int64; missing when empty or no column); a fraction or a negative id fails."""
    if column is None:
        return pd.Series(pd.NA, index=df.index, dtype="Int64")
    ids = to_numbers(df[column], file=path, field=column).to_numpy()
    bad = ~np.isnan(ids) & ((ids < 0) | (ids != np.floor(ids)))
    fail_at_first(bad, lambda pos: f"ikke en adresse-id: {ids[pos]:g}", path, column)
    return pd.Series(ids, index=df.index).astype("Float64").astype("Int64")


def _blank_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (a spreadsheet's trailing ``;;;`` lines)."""
    blank = np.ones(len(df), dtype=bool)
    for column in df.columns:
        blank &= (_text(df, column) == "").to_numpy(dtype=bool)
    return blank


def _postnummer(text: pd.Series) -> pd.Series:
    """Postnummer as four digits (``150`` from a spreadsheet becomes ``0150``)."""
    short = text.str.fullmatch(r"\d{1,3}")
    return text.where(~short, text.str.zfill(4))


def read_speedtests(path: str | Path, fmt: str | None = None) -> pd.DataFrame:
    """Read speed tests (one row per test) from a CSV (``;`` or ``,``) or XLSX file.

    Parameters
    ----------
    path
        The export.
    fmt
        ``"nettfart"`` (assumed layout of a Nettfart export, see the module docstring),
        ``"generisk"`` or None: the first of :data:`FORMATS` whose required columns the file has.

    Returns
    -------
    pandas.DataFrame
        :data:`SPEEDTEST_COLUMNS`, one row per test; rows with every cell empty are skipped.

    Raises
    ------
    InputError
        The file is missing, empty or unreadable; it has no time or download column; or a row
        has no time, no download, no address (text, coordinates or id), an unknown connection,
        a negative or absurd value (naming the file, the line and the field).
    ConfigError
        ``fmt`` is not a known format.
    """
    path = Path(path)
    df = read_table(path, what=WHAT).reset_index(drop=True)
    blank_rows = _blank_rows(df)
    if blank_rows.all():
        raise InputError(
            "ingen fartstester i fila (bare overskrifter eller tomme linjer)", file=path
        )
    spec = _choose_format(df, fmt, path)
    col = {f: find_column(df, spec.columns.get(f, ())) for f in FIELDS}
    ned = _speed(df, col["ned_mbps"], path)
    ned_col = str(col["ned_mbps"])
    fail_at_first(
        ~blank_rows & ned.isna().to_numpy(), lambda _: "mangler nedlastingshastighet", path, ned_col
    )
    out = pd.DataFrame(
        {
            "rad": np.arange(len(df)) + data_line(0),
            "tid": _times(df, str(col["tid"]), blank_rows, path),
            "ned_mbps": ned,
            "opp_mbps": _speed(df, col["opp_mbps"], path),
            "latens_ms": _latency(df, col["latens_ms"], path),
            "tilkobling": normalise_connections(
                _text(df, col["tilkobling"]), file=path, field=col["tilkobling"] or "tilkobling"
            ),
            "adresse": _text(df, col["adresse"]),
            "postnummer": _postnummer(_text(df, col["postnummer"])),
            "lat": _coordinate(df, col["lat"], path),
            "lon": _coordinate(df, col["lon"], path),
            "adrid": _address_ids(df, col["adrid"], path),
            "kilde": spec.name,
        }
    )
    placed = (
        (out["adresse"] != "") | (out["lat"].notna() & out["lon"].notna()) | out["adrid"].notna()
    )
    fail_at_first(
        ~blank_rows & ~placed.to_numpy(dtype=bool),
        lambda _: "mangler adresse (adressetekst, koordinater eller adresse-id)",
        path,
        col["adresse"] or "adresse",
    )
    return out[~blank_rows].reset_index(drop=True)[list(SPEEDTEST_COLUMNS)]


def _coordinate(df: pd.DataFrame, column: str | None, path: Path) -> pd.Series:
    """A coordinate column (degrees, WGS 84; NaN when empty or no column)."""
    if column is None:
        return pd.Series(np.nan, index=df.index)
    return to_numbers(df[column], file=path, field=column)


def locate_speedtests(
    tests: pd.DataFrame,
    classified: pd.DataFrame,
    *,
    boundary: shapely.Geometry | None = None,
    min_score: float = 85.0,
    snap_m: float = 100.0,
) -> pd.DataFrame:
    """Give every test an address id.

    Parameters
    ----------
    tests
        Read tests (:data:`SPEEDTEST_COLUMNS`).
    classified
        The classified addresses or the address register (``adrid``, ``adressenavn``,
        ``nummer``, ``bokstav``, ``postnummer``, point geometry), EPSG:25833.
    boundary, min_score, snap_m
        As :func:`~dekning.surveys.geocode.geocode`.

    Returns
    -------
    pandas.DataFrame
        ``tests`` with ``adrid`` int64: the file's own id when ``classified`` has it, else the
        geocoded address (-1 when none is found).
    """
    out = tests.copy()
    given = pd.to_numeric(out["adrid"], errors="coerce").astype("Float64").fillna(-1)
    adrid = given.astype("int64").to_numpy().copy()
    known = np.isin(adrid, classified["adrid"].to_numpy(dtype="int64"))
    if not known.all():
        todo = out.loc[~known]
        answers = pd.DataFrame(
            {
                "row": todo["rad"].to_numpy(),
                "address": todo["adresse"].fillna("").astype(str).to_numpy(),
                "postnummer": todo["postnummer"].fillna("").astype(str).to_numpy(),
                "lat": pd.to_numeric(todo["lat"], errors="coerce").to_numpy(dtype="float64"),
                "lon": pd.to_numeric(todo["lon"], errors="coerce").to_numpy(dtype="float64"),
            }
        )
        found = geocode(answers, classified, boundary=boundary, min_score=min_score, snap_m=snap_m)
        adrid[~known] = found.answers["adrid"].to_numpy(dtype="int64")
    out["adrid"] = adrid
    return out


def _local_days(times: pd.Series) -> pd.Series:
    """The Norwegian local date of each time (naive midnight; naive times are local already)."""
    t = pd.to_datetime(times)
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_convert(OSLO).dt.tz_localize(None)
    return t.dt.normalize()


def _usable(tests: pd.DataFrame, rules: EvidenceConfig, today: datetime.date) -> pd.DataFrame:
    """Located fixed-broadband tests from the last ``max_age_days`` up to ``today``:
    ``adrid``, ``dag``, ``kablet``, the speeds and the connection."""
    adrid = pd.to_numeric(tests["adrid"], errors="coerce").astype("Float64").fillna(-1)
    t = pd.DataFrame(
        {
            "adrid": adrid.astype("int64").to_numpy(),
            "dag": _local_days(tests["tid"]).to_numpy(),
            "tilkobling": tests["tilkobling"].fillna("ukjent").astype(str).to_numpy(),
            "ned": pd.to_numeric(tests["ned_mbps"], errors="coerce").to_numpy(dtype="float64"),
            "opp": pd.to_numeric(tests["opp_mbps"], errors="coerce").to_numpy(dtype="float64"),
            "kilde": (
                tests["kilde"].fillna("").astype(str).to_numpy()
                if "kilde" in tests
                else np.full(len(tests), "", dtype=object)
            ),
        }
    )
    t["kablet"] = t["tilkobling"] == "kablet"
    age = (pd.Timestamp(today) - t["dag"]).dt.days
    fresh = (age >= 0) & (age <= rules.max_age_days)
    return t[(t["adrid"] >= 0) & (t["tilkobling"] != "mobil") & fresh]


def _meets(counts: pd.DataFrame, rules: EvidenceConfig) -> pd.Series:
    """Whether ``tester`` and ``dager`` reach the rule's minimums."""
    return (counts["tester"] >= rules.min_tests) & (counts["dager"] >= rules.min_days)


def _counts(t: pd.DataFrame) -> pd.DataFrame:
    """Per address: tests, distinct days, all wired, median speeds."""
    return t.groupby("adrid").agg(
        tester=("ned", "size"),
        dager=("dag", "nunique"),
        kun_kablet=("kablet", "all"),
        median_ned_mbps=("ned", "median"),
        median_opp_mbps=("opp", "median"),
    )


def _chosen(usable: pd.DataFrame, rules: EvidenceConfig) -> pd.DataFrame:
    """The tests that count: wired only, or wired only where they alone meet the rule
    (``prefer_wired``), else all usable ones."""
    wired = usable[usable["kablet"]]
    if rules.wired_only:
        return wired
    if not rules.prefer_wired:
        return usable
    enough = _counts(wired)
    wired_ok = enough.index[_meets(enough, rules)]
    return usable[usable["kablet"] | ~usable["adrid"].isin(wired_ok)]


def evidence(
    tests: pd.DataFrame,
    offered: pd.DataFrame,
    rules: EvidenceConfig,
    *,
    today: datetime.date,
) -> pd.DataFrame:
    """What the speed tests at each address show, by the rules of ``rules``.

    Parameters
    ----------
    tests
        Located tests (:func:`locate_speedtests`); tests with ``adrid`` < 0 are ignored.
    offered
        One row per ``adrid`` with ``best_down_kbps`` (the best offered download, kbit/s;
        NaN or 0 when none).
    rules
        Fewest tests and days, wired preference, slow share and the oldest test that counts.
    today
        The run's date: tests older than ``rules.max_age_days`` before it, or after it, are
        ignored (local Norwegian dates).

    Returns
    -------
    pandas.DataFrame
        :data:`EVIDENCE_COLUMNS`, one row per address with at least one located test, by
        ``adrid``. Mobile tests never count (fixed broadband); ``tester`` is 0 when none of an
        address's tests counts. Speeds in Mbit/s; ``andel`` is the median download's share
        of the offered one; ``for_treg`` needs the rule met and ``andel`` strictly below
        ``rules.slow_ratio``; ``kilder`` says where the counted tests came from.
    """
    adrids = pd.to_numeric(tests["adrid"], errors="coerce").dropna().astype("int64")
    located = np.unique(adrids[adrids >= 0].to_numpy())
    usable = _usable(tests, rules, today)
    chosen = _chosen(usable, rules)
    out = _counts(chosen).reindex(pd.Index(located, name="adrid"))
    out["tester"] = out["tester"].fillna(0).astype("int64")
    out["dager"] = out["dager"].fillna(0).astype("int64")
    out["kun_kablet"] = out["kun_kablet"].fillna(False).astype(bool) & (out["tester"] > 0)
    best = offered.drop_duplicates("adrid").set_index("adrid")["best_down_kbps"]
    tilbudt = pd.to_numeric(best, errors="coerce").reindex(out.index) / 1000.0
    out["tilbudt_ned_mbps"] = tilbudt.where(tilbudt > 0).astype("float64")
    out["andel"] = (out["median_ned_mbps"] / out["tilbudt_ned_mbps"]).astype("float64")
    out["oppfyller_regel"] = _meets(out, rules).astype(bool)
    slow = pd.Series(snap(out["andel"]) < rules.slow_ratio, index=out.index)
    out["for_treg"] = out["oppfyller_regel"] & slow
    out["begrunnelse"] = _reasons(out, rules, today)
    out["kilder"] = _sources(chosen).reindex(out.index).fillna("")
    out = out.reset_index()
    out["adrid"] = out["adrid"].astype("int64")
    return out[list(EVIDENCE_COLUMNS)]


def _sources(chosen: pd.DataFrame) -> pd.Series:
    """Per address where the counted tests came from: ``"api: 2, generisk: 1"`` (the API's
    tests are residents' own submissions, not checked by anyone)."""
    per = chosen.groupby(["adrid", "kilde"]).size().reset_index(name="n")
    per["tekst"] = per["kilde"].replace("", "ukjent").astype(str) + ": " + per["n"].astype(str)
    return per.groupby("adrid")["tekst"].agg(", ".join)


def _each(values: pd.Series, fmt: Callable[[float], str]) -> pd.Series:
    """``fmt`` of every value, each distinct value formatted once (NaN as empty text)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    shown = np.array([fmt(float(u)) for u in uniques] + [""], dtype=object)
    return pd.Series(shown[codes], index=values.index, dtype=object)


def _mbps(value: float) -> str:
    """A speed as Norwegians write it: whole numbers without decimals, else one (``12,3``)."""
    return decimal(value, 0 if snap(value) == round(value) else 1)


def _plural(n: pd.Series, one: str, many: str) -> pd.Series:
    """``"<n> <one>"`` or ``"<n> <many>"`` for every count."""
    return n.astype(str).astype(object) + " " + _pick(n == 1, one, many)


def _pick(mask: pd.Series, yes: pd.Series | str, no: pd.Series | str) -> pd.Series:
    """Text from ``yes`` where ``mask`` holds, else from ``no`` (texts or series alike)."""
    chosen = np.where(
        mask.to_numpy(dtype=bool), np.asarray(yes, dtype=object), np.asarray(no, dtype=object)
    )
    return pd.Series(chosen, index=mask.index).astype(object)


def _reasons(out: pd.DataFrame, rules: EvidenceConfig, today: datetime.date) -> pd.Series:
    """The bokmål reason of every address's verdict."""
    n, days = out["tester"], out["dager"]
    wired = out["kun_kablet"]
    tests = _pick(wired, _plural(n, "kablet test", "kablede tester"), _plural(n, "test", "tester"))
    spread = tests + " på " + _plural(days, "dag", "dager")
    median = "median " + _each(out["median_ned_mbps"], _mbps) + " Mbit/s"
    rule = (
        f"(regelen krever minst {rules.min_tests} {'test' if rules.min_tests == 1 else 'tester'}"
        f" på {rules.min_days} {'dag' if rules.min_days == 1 else 'dager'})"
    )
    share = _each(out["andel"], lambda a: percent(a, 0))
    offer = _each(out["tilbudt_ned_mbps"], _mbps)
    limit = percent(rules.slow_ratio, 0)
    compared = _pick(
        out["tilbudt_ned_mbps"].notna(),
        "; " + share + " av tilbudt " + offer + " Mbit/s",
        "; ingen tilbudt hastighet å sammenligne med",
    ) + _pick(out["for_treg"], f" (under grensen {limit})", "")
    met = median + " av " + spread + compared
    short = "bare " + spread + " " + rule + "; " + median
    kinds = "kablede tester" if rules.wired_only else "tester over fast bredbånd"
    none = (
        f"ingen {kinds} som teller (mobilnett teller ikke, heller ikke tester eldre enn "
        f"{rules.max_age_days} dager eller etter {today:%d.%m.%Y})"
    )
    return _pick(out["oppfyller_regel"], met, _pick(n > 0, short, none))
