"""Read operators' fixed-coverage data: Nkom's per-address rows or coverage polygons.

Speeds are kbit/s as Nkom publishes them; technologies are normalised to Nkom's vocabulary.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.crs import WORK_CRS
from dekning.errors import InputError
from dekning.io import find_column, read_table, read_vector, require_columns, to_numbers
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
        CSV (``;`` or ``,``) or Parquet with ``adrid, tilb, tek, ned, opp`` and optionally ``hc``.
    speed_unit
        ``"kbit/s"`` (Nkom's unit) or ``"Mbit/s"``; speeds are returned in kbit/s.

    Returns
    -------
    pandas.DataFrame
        ``adrid`` (int64), ``tilb`` (str), ``tek`` (one of :data:`TECHNOLOGIES`), ``ned``,
        ``opp`` (int64, kbit/s), ``hc`` (bool). Duplicate address × operator × technology rows
        keep the fastest and are counted in the report.

    Raises
    ------
    InputError
        Missing columns, an unknown technology code, a non-numeric or negative speed, or speeds
        that look like Mbit/s while kbit/s is expected.
    """
    path = Path(path)
    report = report if report is not None else RunReport()
    df = read_table(
        path,
        what="fixed coverage",
        numeric=("adrid", "adresseId", "ned", "opp", "nedlasting", "opplasting", "down", "up"),
    )
    cols = require_columns(
        df,
        {
            "adrid": ("adrid", "adresseId", "adresseid"),
            "tilb": ("tilb", "tilbyder", "operator"),
            "tek": ("tek", "teknologi", "technology"),
            "ned": ("ned", "nedlasting", "down"),
            "opp": ("opp", "opplasting", "up"),
        },
        file=path,
        what="fixed coverage",
    )
    adrid = to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)
    # Technology and operator have few distinct values: clean those once, keep categorical codes.
    tek_codes, tek_uniques = pd.factorize(df[cols["tek"]].fillna("").astype("str"))
    tek_clean = [str(u).strip().lower() for u in tek_uniques]
    tek_known = [TECH_ALIASES.get(u) for u in tek_clean]
    unknown_codes = [i for i, t in enumerate(tek_known) if t is None]
    if unknown_codes:
        bad_rows = np.isin(tek_codes, unknown_codes)
        pos = int(np.flatnonzero(bad_rows)[0])
        unknown = sorted({tek_clean[i] for i in unknown_codes})[:5]
        raise InputError(
            f"unknown technology code {df[cols['tek']].iloc[pos]!r} (unknown codes: {', '.join(unknown)}); "
            f"expected one of {', '.join(TECHNOLOGIES)}",
            file=path,
            row=pos + 1,
            field=cols["tek"],
        )
    tek_index = np.array([TECHNOLOGIES.index(t) for t in tek_known], dtype="int64")
    tek = pd.Series(
        pd.Categorical.from_codes(tek_index[tek_codes], categories=list(TECHNOLOGIES)),
        index=df.index,
    )
    op_codes, op_uniques = pd.factorize(df[cols["tilb"]].fillna("").astype("str"))
    op_clean = pd.Index([str(u).strip() for u in op_uniques])
    op_names = sorted(set(op_clean))
    op_index = op_clean.map({n: i for i, n in enumerate(op_names)}).to_numpy().astype("int64")
    tilb = pd.Categorical.from_codes(op_index[op_codes], categories=op_names)
    speeds = {}
    for field in ("ned", "opp"):
        v = to_numbers(df[cols[field]], file=path, field=cols[field])
        if v.isna().any():
            pos = int(v.isna().to_numpy().nonzero()[0][0])
            raise InputError("empty speed", file=path, row=pos + 1, field=cols[field])
        if (v < 0).any():
            pos = int((v < 0).to_numpy().nonzero()[0][0])
            raise InputError(
                f"negative speed {v.iloc[pos]}", file=path, row=pos + 1, field=cols[field]
            )
        speeds[field] = v
    if speed_unit == "Mbit/s":
        speeds = {k: v * 1000.0 for k, v in speeds.items()}
    else:
        _check_kbps(speeds["ned"], tek, file=path, field=cols["ned"])
    hc_col = find_column(df, ("hc", "homes_connected"))
    if hc_col is None:
        hc = pd.Series(False, index=df.index)
    else:
        hc = df[hc_col].astype(str).str.strip().str.lower().isin(("true", "1", "ja", "yes", "t"))
    out = pd.DataFrame(
        {
            "adrid": adrid.to_numpy(),
            "tilb": tilb,
            "tek": tek.to_numpy(),
            "ned": np.round(speeds["ned"].to_numpy()).astype("int64"),
            "opp": np.round(speeds["opp"].to_numpy()).astype("int64"),
            "hc": hc.to_numpy(dtype=bool),
        }
    )
    # One int64 key per row (address × operator × technology) makes the duplicate check cheap.
    combined = (out["adrid"].to_numpy() * (len(op_names) + 1) + tilb.codes) * len(
        TECHNOLOGIES
    ) + tek.cat.codes.to_numpy()
    order = np.lexsort((out["opp"].to_numpy(), out["ned"].to_numpy(), combined))
    sorted_key = combined[order]
    last_of_key = np.r_[sorted_key[1:] != sorted_key[:-1], True]
    if not last_of_key.all():
        dup_rows = order[~last_of_key]
        report.warn(
            "read",
            "fixed_coverage_duplicates",
            f"{path.name}: rows repeating an address × operator × technology; the fastest is kept",
            len(dup_rows),
            np.unique(out["adrid"].to_numpy()[dup_rows]).tolist(),
        )
        out = out.iloc[np.sort(order[last_of_key])]
    return out.reset_index(drop=True)


def _check_kbps(ned: pd.Series, tek: pd.Series, *, file: Path, field: str) -> None:
    """Stop when download speeds look like Mbit/s although kbit/s is expected.

    Nkom's data are in kbit/s, so fibre and cable offers are ≥ 100 000. When the fastest fibre,
    cable or FTB offer in the file is below 5 000 (i.e. 5 Mbit/s if kbit/s), or every speed in
    the file is at most 2 000, the column is almost surely in Mbit/s.
    """
    if ned.empty:
        return
    fast = tek.isin(("fiber", "kabel", "ftb"))
    looks_mbps = (fast.any() and ned[fast].max() < 5_000) or ned.max() <= 2_000
    if looks_mbps:
        pos = int(ned.to_numpy().argmax())
        raise InputError(
            f"speeds look like Mbit/s (fastest offer {ned.max():g}); Nkom data are in kbit/s. "
            'Multiply by 1000, or set classify.fixed_speed_unit = "Mbit/s" in the configuration',
            file=file,
            row=pos + 1,
            field=field,
        )


def read_coverage_polygons(
    path: str | Path, addresses: gpd.GeoDataFrame, report: RunReport | None = None
) -> pd.DataFrame:
    """Turn operator coverage polygons (``tilb, tek, ned, opp``) into per-address coverage rows.

    Polygons are reprojected to EPSG:25833 and joined to the address points (point in polygon).

    Returns
    -------
    pandas.DataFrame
        The same columns as :func:`read_fixed_coverage`.
    """
    path = Path(path)
    poly = read_vector(path, "coverage polygons", repair=True)
    cols = require_columns(
        poly,
        {
            "tilb": ("tilb", "tilbyder", "operator"),
            "tek": ("tek", "teknologi"),
            "ned": ("ned",),
            "opp": ("opp",),
        },
        file=path,
        what="coverage polygons",
    )
    if report is not None:
        report.warn(
            "read",
            "invalid_polygons_repaired",
            f"{path.name}: invalid polygons repaired",
            poly.attrs["repaired"],
        )
    tek = poly[cols["tek"]].astype(str).str.lower().map(TECH_ALIASES)
    if tek.isna().any():
        pos = int(tek.isna().to_numpy().nonzero()[0][0])
        raise InputError(
            f"unknown technology code {poly[cols['tek']].iloc[pos]!r}",
            file=path,
            row=pos + 1,
            field=cols["tek"],
        )
    poly = gpd.GeoDataFrame(
        {
            "tilb": poly[cols["tilb"]].astype(str).to_numpy(),
            "tek": tek.to_numpy(),
            "ned": to_numbers(
                poly[cols["ned"]].astype(str), file=path, field=cols["ned"]
            ).to_numpy(),
            "opp": to_numbers(
                poly[cols["opp"]].astype(str), file=path, field=cols["opp"]
            ).to_numpy(),
        },
        geometry=poly.geometry.to_numpy(),
        crs=WORK_CRS,
    )
    _check_kbps(poly["ned"], poly["tek"], file=path, field=cols["ned"])
    joined = gpd.sjoin(addresses[["adrid", "geometry"]], poly, predicate="within", how="inner")
    out = pd.DataFrame(joined[["adrid", "tilb", "tek", "ned", "opp"]]).astype(
        {"ned": "int64", "opp": "int64"}
    )
    out["hc"] = False
    return out.reset_index(drop=True)
