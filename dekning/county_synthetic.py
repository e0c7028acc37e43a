"""A synthetic county made by tiling the embedded synthetic municipality (SYNTHETIC data).

For tests and benchmarks of county and national runs: ``n`` copies of "Fjelldal" (the default
data, itself made up) side by side on a grid, each with its own kommunenummer, address ids and
place in EPSG:25833, written as national files would be: one address register, one ``adr``,
``fbb`` and ``mob`` file for all, one file of municipality polygons and one of roads, and a
county configuration (``fylke.toml``). Nothing here describes a real place.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning.config import default_data_dir
from dekning.crs import WORK_CRS

ID_STEP = 10_000_000
"""Address ids of copy ``i`` are the default ids + ``i`` × this."""
SPACING_M = 45_000
"""Distance between the copies' origins (the default municipality is about 40 × 23 km)."""
FIRST_NUMBER = 5_100


def _offsets(n: int, columns: int) -> list[tuple[float, float]]:
    return [(SPACING_M * (i % columns), SPACING_M * (i // columns)) for i in range(n)]


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")


def _with_ids(frame: pd.DataFrame, column: str, i: int) -> pd.DataFrame:
    out = frame.copy()
    out[column] = (out[column].astype("int64") + i * ID_STEP).astype(str)
    return out


def synthetic_county(
    out_dir: str | Path,
    n: int = 3,
    *,
    columns: int | None = None,
    state_budget_nok: float = 30_000_000,
) -> dict[str, Path]:
    """Write a synthetic county of ``n`` municipalities into ``out_dir``.

    Returns
    -------
    dict
        The files written by name (``fylke.toml`` among them).
    """
    src = default_data_dir()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    columns = columns or int(np.ceil(np.sqrt(n)))
    offsets = _offsets(n, columns)
    numbers = [f"{FIRST_NUMBER + i:04d}" for i in range(n)]
    names = [f"Fjelldal {i + 1} (syntetisk)" for i in range(n)]

    addresses = _read_csv(src / "adresser.csv")
    parts = []
    for i, ((dx, dy), knr, name) in enumerate(zip(offsets, numbers, names, strict=True)):
        part = _with_ids(_with_ids(addresses, "adresseId", i), "lokalId", i)
        part["Øst"] = (part["Øst"].astype(float) + dx).map("{:.2f}".format)
        part["Nord"] = (part["Nord"].astype(float) + dy).map("{:.2f}".format)
        part["kommunenummer"], part["kommunenavn"] = knr, name.upper()
        parts.append(part)
    files = {"adresser": out / "adresser.csv"}
    pd.concat(parts).to_csv(files["adresser"], sep=";", index=False, encoding="utf-8")

    for name, source in (
        ("adressebruk", "adressebruk.csv"),
        ("fbb", "nkom_fbb.csv"),
        ("mob", "nkom_mob.csv"),
    ):
        table = _read_csv(src / source)
        files[name] = out / source
        pd.concat([_with_ids(table, "adrid", i) for i in range(n)]).to_csv(
            files[name], sep=";", index=False, encoding="utf-8"
        )

    boundary = gpd.read_file(src / "kommune.geojson").to_crs(WORK_CRS)
    roads = gpd.read_file(src / "veger.geojson").to_crs(WORK_CRS)
    polygons, road_parts = [], []
    for (dx, dy), knr, name in zip(offsets, numbers, names, strict=True):
        polygons.append(
            {
                "kommunenummer": knr,
                "kommunenavn": name,
                "geometry": shapely.affinity.translate(boundary.union_all(), dx, dy),
            }
        )
        road_parts.append(roads.assign(geometry=roads.geometry.translate(dx, dy)))
    files["kommuner"] = out / "kommuner.geojson"
    gpd.GeoDataFrame(polygons, crs=WORK_CRS).to_file(files["kommuner"], driver="GeoJSON")
    files["veger"] = out / "veger.geojson"
    gpd.GeoDataFrame(pd.concat(road_parts, ignore_index=True), crs=WORK_CRS).to_file(
        files["veger"], driver="GeoJSON"
    )

    files["fylke.toml"] = out / "fylke.toml"
    files["fylke.toml"].write_text(
        f"""# SYNTHETIC county of {n} copies of the default municipality (dekning.county_synthetic)
[county]
name = "Fjellfylket (syntetisk)"
county = "trondelag"
state_budget_nok = {int(state_budget_nok)}

[input]
addresses = "adresser.csv"
address_counts = "adressebruk.csv"
fixed_coverage = "nkom_fbb.csv"
mobile_addresses = "nkom_mob.csv"
boundaries = "kommuner.geojson"
roads = "veger.geojson"

[dask]
workers = 2

[defaults.classify]
scheme_year = 2024

[defaults.areas]
max_gap_m = 600

[defaults.prioritise]
municipal_budget_nok = 5_000_000

[municipalities."{numbers[0]}"]
prioritise = {{ municipal_budget_nok = 8_000_000 }}
""",
        encoding="utf-8",
    )
    return files


def synthetic_municipality(out_dir: str | Path, copies: int) -> Path:
    """One large SYNTHETIC municipality: ``copies`` copies of the default one side by side as
    a single municipality (one kommunenummer, the copies' polygons as one boundary), with the
    default configuration's settings; returns its configuration file (``dekning.toml``).
    2 406 addresses per copy: 42 copies ≈ 100 000 addresses."""
    out = Path(out_dir)
    files = synthetic_county(out, copies)
    addresses = _read_csv(files["adresser"])
    addresses["kommunenummer"], addresses["kommunenavn"] = "5099", "STORDAL"
    addresses.to_csv(files["adresser"], sep=";", index=False, encoding="utf-8")
    polygons = gpd.read_file(files["kommuner"])
    boundary = gpd.GeoDataFrame(
        {"kommunenummer": ["5099"], "kommunenavn": ["Stordal (syntetisk)"]},
        geometry=[polygons.union_all()],
        crs=polygons.crs,
    )
    boundary.to_file(out / "kommune.geojson", driver="GeoJSON")
    config = out / "dekning.toml"
    config.write_text(
        f"""# SYNTHETIC municipality of {copies} copies of the default one (dekning.county_synthetic)
[municipality]
name = "Stordal (syntetisk)"
kommunenummer = "5099"
county = "trondelag"

[input]
addresses = "adresser.csv"
address_counts = "adressebruk.csv"
fixed_coverage = "nkom_fbb.csv"
mobile_addresses = "nkom_mob.csv"
boundary = "kommune.geojson"
roads = "veger.geojson"

[classify]
scheme_year = 2024

[areas]
max_gap_m = 600

[prioritise]
municipal_budget_nok = {5_000_000 * copies}
""",
        encoding="utf-8",
    )
    return config


__all__ = ["synthetic_county", "synthetic_municipality"]
