"""Read operators' fixed-coverage data: Nkom's per-address rows or coverage polygons.

Speeds are kbit/s as Nkom publishes them; technologies are normalised to Nkom's vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.crs import WORK_CRS, require_crs
from dekning.errors import InputError, data_line
from dekning.io import (
    find_column,
    read_table,
    read_vector,
    require_columns,
    to_booleans,
    to_numbers,
)
from dekning.report import RunReport

TECHNOLOGIES = ("fiber", "kabel", "dsl", "ftb", "radio", "satellitt", "annet")
TECH_ALIASES = {
    "fibre": "fiber",
    "fiber": "fiber",
    "kabel": "kabel",
    "kabel-tv": "kabel",
    "hfc": "kabel",
    "coax": "kabel",
    "dsl": "dsl",
    "xdsl": "dsl",
    "adsl": "dsl",
    "vdsl": "dsl",
    "kobber": "dsl",
    "ftb": "ftb",
    "fwa": "ftb",
    "radio": "radio",
    "satellitt": "satellitt",
    "satellite": "satellitt",
    "annet": "annet",
}


COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "adrid": ("adrid", "adresseId", "adresseid"),
    "tilb": ("tilb", "tilbyder", "operator"),
    "tek": ("tek", "teknologi", "technology"),
    "ned": ("ned", "nedlasting", "down"),
    "opp": ("opp", "opplasting", "up"),
}
"""Accepted column names of each field of Nkom's per-address rows (and of coverage polygons)."""
MAX_SPEED_KBPS = 100_000_000
"""Highest plausible speed (kbit/s): 100 Gbit/s, beyond any offer to a home or business."""
HC_COLUMNS = ("hc", "homes_connected")
"""Nkom's ``hc``: True = homes connected (a line into the home), False = homes passed."""
EGEN_COLUMNS = ("egen", "own_infrastructure", "egen_infrastruktur")
"""Nkom's ``egen``: True = the operator owns the infrastructure (else it rents access)."""
READ_COLUMNS = (*chain(*COLUMN_NAMES.values()), *HC_COLUMNS, *EGEN_COLUMNS)
"""Every column the reader uses (a Parquet file's others are not read)."""
CODE_COLUMNS = (*COLUMN_NAMES["tilb"], *COLUMN_NAMES["tek"], *HC_COLUMNS, *EGEN_COLUMNS)
"""Columns of few distinct values, read from CSV as categoricals (each value looked at once)."""


def read_fixed_coverage(
    path: str | Path,
    report: RunReport | None = None,
    *,
    speed_unit: str = "kbit/s",
) -> pd.DataFrame:
    """Read Nkom's address-level fixed broadband data (one row per address × operator × technology).

    Parameters
    ----------
    path
        CSV (``;`` or ``,``) or Parquet with ``adrid, tilb, tek, ned, opp`` and optionally
        ``hc`` and ``egen``, as Nkom publishes ``fbb``.
    report
        Counts the duplicate rows.
    speed_unit
        ``"kbit/s"`` (Nkom's unit) or ``"Mbit/s"``; speeds are returned in kbit/s.

    Returns
    -------
    pandas.DataFrame
        ``adrid`` (int64), ``tilb`` (categorical str), ``tek`` (categorical, one of
        :data:`TECHNOLOGIES`), ``ned``, ``opp`` (int64, kbit/s), ``hc`` (bool: homes
        connected rather than passed) and ``egen`` (bool: the operator owns the
        infrastructure); both False where the file lacks the column. They are kept as read for
        the planner (e.g. an operator with its own fibre passing the home); no rule uses them.
        Duplicate address × operator × technology rows keep the fastest (its ``hc`` and
        ``egen`` with it) and are counted in the report.

    Raises
    ------
    InputError
        Missing columns, an unknown technology code, a non-numeric or negative speed, speeds
        that look like Mbit/s while kbit/s is expected, or an ``hc``/``egen`` that is neither
        yes nor no (empty is no); with the line and field.
    """
    path = Path(path)
    report = report if report is not None else RunReport()
    df = read_table(
        path,
        what="dekningsfila",
        integers=("adrid", "adresseId", "ned", "opp", "nedlasting", "opplasting", "down", "up"),
        categorical=CODE_COLUMNS,
        parquet_columns=READ_COLUMNS,
    )
    cols = require_columns(df, COLUMN_NAMES, file=path, what="dekningsfila")
    tek = technologies(df[cols["tek"]], file=path, field=cols["tek"])
    ned, opp = _speeds(df, cols, tek, file=path, speed_unit=speed_unit)
    hc = flags(df, HC_COLUMNS, file=path)
    egen = flags(df, EGEN_COLUMNS, file=path)
    out = pd.DataFrame(
        {
            "adrid": to_numbers(
                df[cols["adrid"]], file=path, field=cols["adrid"], integer=True
            ).to_numpy(),
            "tilb": _operators(df[cols["tilb"]]),
            "tek": tek,
            "ned": ned,
            "opp": opp,
            "hc": hc,
            "egen": egen,
        }
    )
    return _fastest_of_duplicates(out, report, file=path)


def flags(df: pd.DataFrame, candidates: Sequence[str], *, file: Path) -> np.ndarray:
    """A yes/no column (the first of ``candidates`` the frame has) as bool
    (:func:`~dekning.io.to_booleans`; an empty value is no); all False when the frame has no
    such column.

    Raises
    ------
    InputError
        A value that is neither yes nor no, with its line and field.
    """
    col = find_column(df, candidates)
    if col is None:
        return np.zeros(len(df), dtype=bool)
    return to_booleans(df[col], file=file, field=col, empty=False)


def technologies(
    values: pd.Series, *, file: Path, field: str, feature: bool = False
) -> pd.Categorical[str]:
    """Technology codes normalised to Nkom's vocabulary (:data:`TECHNOLOGIES`) by
    :data:`TECH_ALIASES` (:func:`normalised_codes`).

    Raises
    ------
    InputError
        A code not in :data:`TECH_ALIASES`, naming its first row and up to five unknown codes.
    """
    return normalised_codes(
        values,
        TECH_ALIASES,
        TECHNOLOGIES,
        file=file,
        field=field,
        what="teknologikode",
        feature=feature,
    )


def normalised_codes(
    values: pd.Series,
    aliases: Mapping[str, str],
    vocabulary: tuple[str, ...],
    *,
    file: Path,
    field: str,
    what: str,
    feature: bool = False,
) -> pd.Categorical[str]:
    """Codes (trimmed, lower case) mapped by ``aliases`` to ``vocabulary``, as a categorical over
    ``vocabulary``. Each distinct code is cleaned once (there are few).

    Raises
    ------
    InputError
        A code not in ``aliases`` (``what`` names the kind of code), naming its first row and
        up to five unknown codes.
    """
    codes, uniques = distinct_values(values)
    clean = [u.strip().lower() for u in uniques]
    known = [aliases.get(u) for u in clean]
    unknown = [i for i, t in enumerate(known) if t is None]
    if unknown:
        pos = int(np.flatnonzero(np.isin(codes, unknown))[0])
        listed = ", ".join(repr(c) for c in sorted({clean[i] for i in unknown})[:5])
        raise InputError(
            f"ukjent {what} {values.iloc[pos]!r} (ukjente koder: {listed}); "
            f"ventet en av {', '.join(vocabulary)}",
            file=file,
            line=pos + 1 if feature else data_line(pos),
            field=field,
            feature=feature,
        )
    index = np.array(
        [vocabulary.index(str(t)) for t in known], dtype=category_code_type(len(vocabulary))
    )
    return pd.Categorical.from_codes(index[codes], categories=pd.Index(vocabulary))


def category_code_type(n: int) -> str:
    """The smallest integer type pandas keeps the codes of ``n`` categories in (no copy)."""
    return "int8" if n < 2**7 else "int16" if n < 2**15 else "int32" if n < 2**31 else "int64"


def distinct_values(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes (integers, one per row) and the distinct values they index, as strings (a missing
    value is the empty string). A categorical column is coded by its categories (those that
    occur), without turning millions of rows into strings; any other by :func:`pandas.factorize`.
    """
    if not isinstance(values.dtype, pd.CategoricalDtype):
        factorized, uniques = pd.factorize(values.fillna("").astype("str"))
        return factorized, [str(u) for u in uniques]
    codes: np.ndarray = values.cat.codes.to_numpy()
    cats = [str(c) for c in values.cat.categories]
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(cats), codes)
        cats.append("")
    used = np.flatnonzero(np.bincount(codes, minlength=len(cats)))
    if len(used) == len(cats):
        return codes, cats
    recode = np.full(len(cats), -1, dtype="int64")
    recode[used] = np.arange(len(used))
    return recode[codes], [cats[i] for i in used]


def _operators(values: pd.Series) -> pd.Categorical[str]:
    """Operator names, trimmed, as a categorical whose categories are sorted."""
    codes, uniques = distinct_values(values)
    clean = pd.Index([u.strip() for u in uniques])
    names = pd.Index(sorted(set(clean)))
    index = names.get_indexer(clean).astype(category_code_type(len(names)))
    return pd.Categorical.from_codes(index[codes], categories=names)


def _speeds(
    df: pd.DataFrame,
    cols: dict[str, str],
    tek: pd.Categorical[str],
    *,
    file: Path,
    speed_unit: str,
    feature: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Download and upload (int64, kbit/s, rounded) of every row.

    ``feature`` numbers rows as features of a vector file instead of lines.

    Raises
    ------
    InputError
        An empty, non-numeric, negative or implausibly high (over :data:`MAX_SPEED_KBPS`)
        speed, or kbit/s speeds that look like Mbit/s.
    """
    speeds = {}
    for field in ("ned", "opp"):
        v = to_numbers(df[cols[field]], file=file, field=cols[field], feature=feature).to_numpy()
        speeds[field] = checked_speeds(
            v, file=file, field=cols[field], unit=speed_unit, feature=feature
        )
    if speed_unit != "Mbit/s":
        check_kbps(
            speeds["ned"],
            tek,
            file=file,
            field=cols["ned"],
            hint="Nkoms data er i kbit/s. Gang med 1000, eller sett classify.fixed_speed_unit = "
            '"Mbit/s" i konfigurasjonen',
            feature=feature,
        )
    return (
        np.round(speeds["ned"]).astype("int64"),
        np.round(speeds["opp"]).astype("int64"),
    )


def _fastest_of_duplicates(out: pd.DataFrame, report: RunReport, *, file: Path) -> pd.DataFrame:
    """One row per address × operator × technology: the fastest (download, then upload).

    The dropped rows are counted in ``report`` with their address ids.
    """
    return keep_fastest(
        out,
        TECHNOLOGIES,
        ("ned", "opp"),
        report,
        code="fixed_coverage_duplicates",
        message=f"{file.name}: rader som gjentar en adresse × operatør × teknologi; den "
        "raskeste er beholdt",
    )


def keep_fastest(
    out: pd.DataFrame,
    technologies: tuple[str, ...],
    speeds: tuple[str, ...],
    report: RunReport,
    *,
    code: str,
    message: str,
) -> pd.DataFrame:
    """One row per ``adrid`` × ``tilb`` × ``tek`` (both categorical, ``tek`` over
    ``technologies``): the fastest by ``speeds`` in that order; rows keep their order.

    The dropped rows are counted in ``report`` under ``code`` with their address ids.
    """
    n_ops = len(out["tilb"].cat.categories)
    # One int64 key per row (address × operator × technology) makes the duplicate check cheap.
    combined = (out["adrid"].to_numpy() * (n_ops + 1) + out["tilb"].cat.codes.to_numpy()) * len(
        technologies
    ) + out["tek"].cat.codes.to_numpy()
    if len(combined) < 2 or bool((combined[1:] > combined[:-1]).all()):
        return out.reset_index(drop=True)  # sorted without repeats, as Nkom writes its files
    order = np.argsort(combined, kind="stable")
    sorted_key = combined[order]
    repeats = sorted_key[1:] == sorted_key[:-1]
    if not repeats.any():
        return out.reset_index(drop=True)
    # Only the rows of repeated keys are ordered by speed: by key, then by speeds; rows keep
    # their order among equals, so the last of a key is its fastest (the last such row).
    group = order[np.r_[repeats, False] | np.r_[False, repeats]]
    by_speed = group[
        np.lexsort((*(out[c].to_numpy()[group] for c in reversed(speeds)), combined[group]))
    ]
    key = combined[by_speed]
    dup_rows = by_speed[np.r_[key[1:] == key[:-1], False]]
    report.warn(
        "read", code, message, len(dup_rows), np.unique(out["adrid"].to_numpy()[dup_rows]).tolist()
    )
    keep = np.ones(len(out), dtype=bool)
    keep[dup_rows] = False
    return out.iloc[np.flatnonzero(keep)].reset_index(drop=True)


def checked_speeds(
    v: np.ndarray,
    *,
    file: Path,
    field: str,
    unit: str = "kbit/s",
    what: str = "hastighet",
    feature: bool = False,
) -> np.ndarray:
    """Speeds as read (``unit``: ``kbit/s`` or ``Mbit/s``) in kbit/s (float64), checked.

    ``what`` names the speed in messages (``hastighet``, ``nedlastingshastighet``); ``feature``
    numbers rows as features of a vector file instead of lines.

    Raises
    ------
    InputError
        An empty or negative speed, or one over :data:`MAX_SPEED_KBPS` (more than any real
        offer), naming the first such row and the field.
    """
    kbps = v * 1000.0 if unit == "Mbit/s" else v
    checks = (
        (np.isnan(v), f"tom {what}"),
        (v < 0, f"negativ {what} {{}}"),
        (
            kbps > MAX_SPEED_KBPS,
            f"usannsynlig {what} {{}} {unit}: over {MAX_SPEED_KBPS / 1e6:g} Gbit/s, mer enn noe "
            "reelt tilbud",
        ),
    )
    for bad, message in checks:
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                message.format(f"{v[pos]:g}"),
                file=file,
                line=pos + 1 if feature else data_line(pos),
                field=field,
                feature=feature,
            )
    return kbps


def check_kbps(
    ned: np.ndarray,
    tek: np.ndarray | pd.Categorical[str],
    *,
    file: Path,
    field: str,
    hint: str,
    fast: Sequence[str] = ("fiber", "kabel", "ftb"),
    feature: bool = False,
) -> None:
    """Stop when download speeds look like Mbit/s although kbit/s is expected.

    Nkom's data are in kbit/s, so fibre and cable offers are ≥ 100 000. When the fastest offer
    of a ``fast`` technology in the file is below 5 000 (i.e. 5 Mbit/s if kbit/s), or every
    speed in the file is at most 2 000, the column is almost surely in Mbit/s. ``hint`` says
    what to do.

    Raises
    ------
    InputError
        Naming the row of the fastest offer.
    """
    if len(ned) == 0:
        return
    if isinstance(tek, pd.Categorical):  # the codes of the fast technologies, not every row's text
        fast_codes = [i for i, t in enumerate(tek.categories) if t in fast]
        quick = np.isin(tek.codes, fast_codes)
    else:
        quick = np.isin(tek, tuple(fast))
    looks_mbps = (quick.any() and ned[quick].max() < 5_000) or ned.max() <= 2_000
    if looks_mbps:
        pos = int(ned.argmax())
        raise InputError(
            f"hastighetene ser ut til å være i Mbit/s (raskeste tilbud {ned.max():g}); {hint}",
            file=file,
            line=pos + 1 if feature else data_line(pos),
            field=field,
            feature=feature,
        )


def read_coverage_polygons(
    path: str | Path, addresses: gpd.GeoDataFrame, report: RunReport | None = None
) -> pd.DataFrame:
    """Turn operator coverage polygons (``tilb, tek, ned, opp``) into per-address coverage rows.

    Parameters
    ----------
    path
        Polygons in any vector format and CRS (reprojected to EPSG:25833; invalid ones
        repaired and counted in ``report``). Speeds in kbit/s.
    addresses
        Address points with ``adrid``, in EPSG:25833.

    Returns
    -------
    pandas.DataFrame
        The same columns as :func:`read_fixed_coverage`: one row per address inside a polygon
        (point in polygon) and polygon; ``hc`` and ``egen`` are False.

    Raises
    ------
    InputError
        ``addresses`` not in EPSG:25833, a missing column, an unknown technology, or a bad
        speed.
    """
    require_crs(addresses, "addresses (coverage polygons)")
    path = Path(path)
    poly = read_vector(path, "dekningspolygonene", repair=True)
    wanted = {k: v for k, v in COLUMN_NAMES.items() if k != "adrid"}
    cols = require_columns(poly, wanted, file=path, what="dekningspolygonene")
    if report is not None:
        report.warn(
            "read",
            "invalid_polygons_repaired",
            f"{path.name}: ugyldige polygoner reparert",
            poly.attrs["repaired"],
        )
    tek = technologies(poly[cols["tek"]], file=path, field=cols["tek"], feature=True)
    ned, opp = _speeds(poly, cols, tek, file=path, speed_unit="kbit/s", feature=True)
    offers = gpd.GeoDataFrame(
        {"tilb": _operators(poly[cols["tilb"]]), "tek": tek, "ned": ned, "opp": opp},
        geometry=poly.geometry.to_numpy(),
        crs=WORK_CRS,
    )
    joined = gpd.sjoin(addresses[["adrid", "geometry"]], offers, predicate="within", how="inner")
    out = pd.DataFrame(joined[["adrid", "tilb", "tek", "ned", "opp"]])
    out["hc"] = False
    out["egen"] = False
    return out.reset_index(drop=True)
