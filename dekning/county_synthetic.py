"""A synthetic county or country made by tiling the embedded synthetic municipality (SYNTHETIC
data).

For tests and benchmarks of county and national runs: copies of "Fjelldal" (the default data,
itself made up) side by side on a grid, each with its own address ids and place in EPSG:25833,
written as national files would be: one address register, one ``adr``, ``fbb`` and ``mob`` file
for all, one file of municipality polygons and one of roads, and a county configuration
(``fylke.toml``). Nothing here describes a real place.

- :func:`synthetic_county`: ``n`` copies, each its own municipality, coverage as in the default
  data;
- :func:`synthetic_country`: a Norway-sized country (2.6 million addresses by default) of
  municipalities of a few adjacent copies each, with fibre added to a seeded share of the
  addresses so that a realistic share lacks 100 Mbit/s;
- :func:`synthetic_municipality`: one large municipality of many copies.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely

from dekning.config import default_data_dir
from dekning.coverage.read.addresses import NORWAY_25833
from dekning.crs import WORK_CRS
from dekning.rules import DEFAULT_COUNTED
from dekning.schema import SPEED_CLASS_LOWER_KBPS

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


def _county_toml(
    header: str, name: str, state_budget: int, municipal_budget: int, own: str = ""
) -> str:
    """The ``fylke.toml`` of a synthetic county or country: the national files this module
    writes, two local Dask workers, the 2024 rules, and ``own`` (a municipality's settings)."""
    return f"""{header}
[county]
name = "{name}"
county = "trondelag"
state_budget_nok = {state_budget}

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
municipal_budget_nok = {municipal_budget}
{own}"""


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
    header = (
        f"# SYNTHETIC county of {n} copies of the default municipality (dekning.county_synthetic)"
    )
    own = (
        f'\n[municipalities."{numbers[0]}"]\nprioritise = {{ municipal_budget_nok = 8_000_000 }}\n'
    )
    files["fylke.toml"].write_text(
        _county_toml(header, "Fjellfylket (syntetisk)", int(state_budget_nok), 5_000_000, own),
        encoding="utf-8",
    )
    return files


COUNTRY_FIRST_NUMBER = 8_001
"""kommunenummer of the country's first municipality: numbers 8001 and up belong to no county,
past or present (county numbers run 01–56), so no synthetic number reads as a real one."""
COUNTRY_ID_STEP = 10_000
"""Address ids of the country's copy ``i`` are the default ids + ``i`` × this (the default ids
span 7 215): below 2³¹ even for the largest country that fits."""
COUNTRY_SPACING_M = (45_000, 28_000)
"""Distance between the country's copies across and up (the default municipality is about
40 × 23 km): ≥ 4.7 km between polygons, so no road of a neighbour lies within the county run's
2 km road margin of a municipality."""
COUNTRY_BOX_MARGIN_M = 10_000
"""The copies keep this far inside Norway's box (the address reader drops points outside it)."""
LACKING_BELOW_KBPS = SPEED_CLASS_LOWER_KBPS[1]
"""An address lacks 100 Mbit/s when no counted offer reaches this download (kbit/s)."""
ADDED_OFFER = {"tilb": "Fjelldal Fiber", "tek": "fiber", "ned": "1000000", "opp": "1000000"}
"""The fixed-coverage row given to an address that is to have 100 Mbit/s: the default data's
own fibre operator at 1 Gbit/s both ways (homes passed: ``hc`` False). No address that lacks
100 Mbit/s has a row of that operator and technology already (its rows are ≥ 500 Mbit/s), so no
row is a duplicate."""
COUNTRY_FILE = "syntetisk_land.json"
"""The figures of a synthetic country (copies, municipalities, addresses, share lacking
100 Mbit/s, road km, seed), written with its files."""


def _read_arrow(path: Path) -> pa.Table:
    """A ``;`` CSV with every column as text."""
    names = path.read_text(encoding="utf-8").splitlines()[0].split(";")
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )


def _write_arrow(table: pa.Table, path: Path) -> None:
    """A ``;`` CSV, UTF-8, nothing quoted (the data have no ``;``, quote or line break)."""
    pacsv.write_csv(
        table,
        path,
        pacsv.WriteOptions(
            delimiter=";",
            quoting_style="none",
            quoting_header="none",  # type: ignore[call-arg]  # pyarrow ≥ 20, not in the stubs
            batch_size=1 << 16,
        ),
    )


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _tiled(
    table: pa.Table, copies: int, id_columns: tuple[str, ...]
) -> tuple[pa.Table, np.ndarray]:
    """``table`` repeated ``copies`` times, its address ids moved by :data:`COUNTRY_ID_STEP`
    per copy; also the copy of each row."""
    rows = table.num_rows
    out = table.take(pa.array(np.tile(np.arange(rows, dtype="int64"), copies)))
    copy = np.repeat(np.arange(copies, dtype="int64"), rows)
    for column in id_columns:
        ids = np.asarray(table.column(column).to_numpy(zero_copy_only=False), dtype="int64")
        moved = np.tile(ids, copies) + copy * COUNTRY_ID_STEP
        out = out.set_column(out.schema.get_field_index(column), column, _text(moved))
    return out, copy


def _layout(copies: int, per_municipality: int, width: float, height: float) -> np.ndarray:
    """The (dx, dy) of each copy: rows of whole municipalities from Norway's south-west corner;
    raises ValueError when Norway's box cannot hold them."""
    minx, miny, maxx, maxy = NORWAY_25833
    sx, sy = COUNTRY_SPACING_M
    most_columns = int((maxx - minx - 2 * COUNTRY_BOX_MARGIN_M - width) // sx) + 1
    most_rows = int((maxy - miny - 2 * COUNTRY_BOX_MARGIN_M - height) // sy) + 1
    columns = most_columns
    if per_municipality <= most_columns:  # a municipality's copies side by side in one row
        columns = most_columns // per_municipality * per_municipality
    if copies > columns * most_rows:
        raise ValueError(
            f"{copies} kopier får ikke plass i Norges utstrekning (høyst {columns * most_rows}, "
            f"omtrent {columns * most_rows * 2_406:,} adresser)".replace(",", " ")
        )
    i = np.arange(copies)
    return np.column_stack([sx * (i % columns), sy * (i // columns)]).astype("float64")


def _allocate(total: int, weights: np.ndarray, cap: int) -> np.ndarray:
    """Whole numbers ≤ ``cap`` summing to ``total``, in proportion to ``weights`` (what a
    capped item cannot take goes to the others; remainders to the largest fractions)."""
    share = weights / weights.sum()
    x = total * share
    for _ in range(len(x)):
        over = x > cap
        if not over.any():
            break
        excess = float((x[over] - cap).sum())
        x[over] = cap
        free = x < cap
        x[free] += excess * share[free] / share[free].sum()
    k = np.minimum(np.floor(x), cap).astype("int64")
    order = np.argsort(-(x - k), kind="stable")
    room = order[k[order] < cap]
    k[room[: total - int(k.sum())]] += 1
    if int(k.sum()) != total:
        raise ValueError(f"{total} kan ikke fordeles på {len(k)} med høyst {cap} hver")
    return k


def synthetic_country(
    out_dir: str | Path,
    addresses: int = 2_600_000,
    *,
    copies_per_municipality: int = 3,
    lacking_share: float = 0.05,
    spread: float = 0.5,
    cluster_m: float = 1_000,
    seed: int = 2_600,
    state_budget_nok: float | None = None,
) -> dict[str, Path]:
    """Write a SYNTHETIC country as national files into ``out_dir``: about ``addresses``
    addresses in municipalities of ``copies_per_municipality`` adjacent copies of the default
    municipality, with a seeded share of addresses lacking 100 Mbit/s.

    The default 2.6 million addresses give 1 081 copies (2 406 addresses and 82.3 km of road
    each): 361 municipalities of ≈ 7 200 addresses (Norway: 357, ≈ 7 300 on average) and
    ≈ 89 000 km of road. Each municipality's polygon is the union of its copies' (islands 4.9
    km apart), its addresses are numbered and named as its own (kommunenummer from
    :data:`COUNTRY_FIRST_NUMBER`, names ``Fjellbygd <n> (syntetisk)``), and every copy has its
    own address ids, uuids, roads and rows in the ``adr``, ``fbb`` and ``mob`` tables.

    The share lacking 100 Mbit/s: in the default data 1 424 of the 2 406 addresses (59.2 %)
    have no counted offer (fibre, cable, DSL, FTB, radio; satellite does not count) of
    100 Mbit/s down, as the classifier's speed classes ``30to100``, ``lt30`` and ``none`` show.
    ``round(lacking_share × addresses)`` of them keep that; the others get a fibre row
    (:data:`ADDED_OFFER`). The number kept is shared between the copies in proportion to a
    seeded gamma draw with coefficient of variation ``spread`` (0: the same in every copy), as
    municipalities differ. Which addresses of a copy keep lacking goes by squares of
    ``cluster_m`` (a hamlet lacks fibre, not every twelfth house): the copy's squares with such
    addresses in a seeded random order, every such address of a square before the next square,
    the last square cut at random. Scattered picks (``cluster_m=0``) would give about five
    times as many candidate areas of a few addresses each (104 against 19 of ≈ 18 units in a
    municipality of three copies), and the county run's time grows with the areas.

    Parameters
    ----------
    addresses
        About this many addresses: ``round(addresses / 2 406)`` copies (at least one).
    copies_per_municipality
        Copies per municipality (the last municipality may have fewer).
    lacking_share
        Share of all addresses without a counted offer of 100 Mbit/s down, 0 to the default
        data's 0.592.
    spread
        Coefficient of variation of the share between copies.
    cluster_m
        Side of the squares (m) whose addresses keep lacking together; 0: addresses one by one.
    seed
        Seed of the draws; the same arguments write the same bytes.
    state_budget_nok
        The country's frame of state money in ``fylke.toml``; default 1 MNOK per copy.

    Returns
    -------
    dict
        The files written by name (``fylke.toml`` and ``syntetisk_land.json`` among them).

    Raises
    ------
    ValueError
        A share outside what adding fibre can give, fewer than one copy per municipality, or
        more copies than Norway's box holds.
    """
    if copies_per_municipality < 1:
        raise ValueError("copies_per_municipality må være minst 1")
    if spread < 0:
        raise ValueError("spread kan ikke være negativ")
    src = default_data_dir()
    rng = np.random.default_rng(seed)
    base = _read_arrow(src / "adresser.csv")
    per_copy = base.num_rows
    copies = max(1, round(addresses / per_copy))
    boundary = gpd.read_file(src / "kommune.geojson").to_crs(WORK_CRS).union_all()
    minx, miny, maxx, maxy = boundary.bounds
    offsets = _layout(copies, copies_per_municipality, maxx - minx, maxy - miny)
    nminx, nminy = NORWAY_25833[:2]
    offsets += [nminx + COUNTRY_BOX_MARGIN_M - minx, nminy + COUNTRY_BOX_MARGIN_M - miny]
    municipality = np.arange(copies) // copies_per_municipality
    municipalities = int(municipality[-1]) + 1
    if COUNTRY_FIRST_NUMBER + municipalities - 1 > 9_999:
        raise ValueError(f"{municipalities} kommuner får ikke firesifrede kommunenummer")
    numbers = [f"{COUNTRY_FIRST_NUMBER + j:04d}" for j in range(municipalities)]
    names = [f"Fjellbygd {j + 1} (syntetisk)" for j in range(municipalities)]

    # the default data's addresses without a counted offer of 100 Mbit/s down
    fbb = _read_arrow(src / "nkom_fbb.csv")
    rows = fbb.to_pandas()
    counted = rows[rows["tek"].isin(DEFAULT_COUNTED)]
    best = counted["ned"].astype("int64").groupby(counted["adrid"].astype("int64")).max()
    ids = np.asarray(base.column("adresseId").to_numpy(zero_copy_only=False), dtype="int64")
    lacking = ids[best.reindex(ids).fillna(0).to_numpy() < LACKING_BELOW_KBPS]
    default_share = len(lacking) / per_copy
    total = per_copy * copies
    keep = round(lacking_share * total)
    if not 0 <= keep <= len(lacking) * copies:
        raise ValueError(
            f"lacking_share må være mellom 0 og standarddataenes andel {default_share:.3f} "
            "(andelen nås ved å gi adresser fiber)"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    # addresses: ids, place, municipality and uuid of each copy
    table, copy = _tiled(base, copies, ("adresseId", "lokalId"))
    for column, axis in (("Øst", 0), ("Nord", 1)):
        own = np.asarray(pc.cast(base.column(column), pa.float64()), dtype="float64")
        moved = np.round(np.tile(own, copies) + offsets[copy, axis], 2)
        table = table.set_column(table.schema.get_field_index(column), column, _text(moved))
    of_row = pa.array(municipality[copy])
    for column, values in (
        ("kommunenummer", numbers),
        ("kommunenavn", [n.upper() for n in names]),
    ):
        table = table.set_column(
            table.schema.get_field_index(column), column, pc.take(pa.array(values), of_row)
        )
    uuid = np.tile(
        np.asarray(base.column("uuidAdresse").to_numpy(zero_copy_only=False), str), copies
    )
    prefix = np.char.mod("%08x", np.arange(copies))[copy]  # the first group: the copy
    renamed = np.where(uuid == "", "", np.strings.add(prefix, np.strings.slice(uuid, 8, None)))
    table = table.set_column(
        table.schema.get_field_index("uuidAdresse"), "uuidAdresse", pa.array(renamed)
    )
    files = {"adresser": out / "adresser.csv"}
    _write_arrow(table, files["adresser"])
    del table, uuid, prefix, renamed

    for name, source in (("adressebruk", "adressebruk.csv"), ("mob", "nkom_mob.csv")):
        files[name] = out / source
        _write_arrow(_tiled(_read_arrow(src / source), copies, ("adrid",))[0], files[name])

    # fixed coverage: the default rows of every copy, and fibre for all but the chosen share
    weights = rng.gamma(1 / spread**2, spread**2, size=copies) if spread > 0 else np.ones(copies)
    kept = _allocate(keep, weights, len(lacking))
    # which keep lacking: whole cells of cluster_m in a random order per copy (coverage is
    # missing by hamlet, not by single house), in random order within a cell
    is_lacking = np.isin(ids, lacking)
    if cluster_m > 0:
        xy = np.column_stack(
            [
                np.asarray(pc.cast(base.column(c), pa.float64()), dtype="float64")
                for c in ("Øst", "Nord")
            ]
        )[is_lacking]
        cell = np.unique(np.floor(xy / cluster_m).astype("int64"), axis=0, return_inverse=True)[1]
        cell = cell.ravel()
    else:
        cell = np.arange(len(lacking))
    cell_order = rng.random((copies, int(cell.max()) + 1))
    within = rng.random((copies, len(lacking)))
    order = np.lexsort((within, cell_order[:, cell]), axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(len(lacking))[None, :], axis=1)
    given = rank >= kept[:, None]  # True: the address gets fibre
    added_ids = (lacking[None, :] + COUNTRY_ID_STEP * np.arange(copies)[:, None])[given]
    tiled, _ = _tiled(fbb, copies, ("adrid",))
    added = pa.table(
        {
            column: _text(added_ids)
            if column == "adrid"
            else pa.array(np.full(len(added_ids), ADDED_OFFER.get(column, "False")), pa.string())
            for column in fbb.column_names
        }
    )
    both = pa.concat_tables([tiled, added])
    by_id = np.concatenate(
        [
            np.asarray(pc.cast(tiled.column("adrid"), pa.int64()), dtype="int64"),
            added_ids,
        ]
    )
    files["fbb"] = out / "nkom_fbb.csv"
    _write_arrow(both.take(np.argsort(by_id, kind="stable")), files["fbb"])
    del both, tiled, added

    # polygons (a municipality's copies as one) and every copy's roads
    shift = np.repeat(offsets, shapely.get_num_coordinates(boundary), axis=0)
    placed = shapely.transform(np.full(copies, boundary, dtype=object), lambda c: c + shift)
    copies_of = np.split(np.asarray(placed), np.flatnonzero(np.diff(municipality)) + 1)
    files["kommuner"] = out / "kommuner.geojson"
    gpd.GeoDataFrame(
        {"kommunenummer": numbers, "kommunenavn": names},
        geometry=[shapely.union_all(part) for part in copies_of],
        crs=WORK_CRS,
    ).to_file(files["kommuner"], driver="GeoJSON")
    roads = gpd.read_file(src / "veger.geojson").to_crs(WORK_CRS)
    tiled_roads = roads.iloc[np.tile(np.arange(len(roads)), copies)].reset_index(drop=True)
    geoms = tiled_roads.geometry.to_numpy()
    road_shift = np.repeat(
        np.repeat(offsets, len(roads), axis=0), shapely.get_num_coordinates(geoms), axis=0
    )
    tiled_roads = tiled_roads.set_geometry(
        shapely.transform(geoms, lambda c: c + road_shift), crs=WORK_CRS
    )
    files["veger"] = out / "veger.geojson"
    tiled_roads.to_file(files["veger"], driver="GeoJSON")
    road_km = float(shapely.length(tiled_roads.geometry.to_numpy()).sum()) / 1_000

    figures = {
        "syntetisk": True,
        "kopier": copies,
        "kopier_per_kommune": copies_per_municipality,
        "kommuner": municipalities,
        "adresser": total,
        "adresser_uten_100_mbit": keep,
        "andel_uten_100_mbit": keep / total,
        "andel_uten_100_mbit_standarddata": default_share,
        "fiberrader_lagt_til": len(added_ids),
        "veg_km": round(road_km, 1),
        "spredning": spread,
        "klynge_m": cluster_m,
        "fro": seed,
    }
    files["figures"] = out / COUNTRY_FILE
    files["figures"].write_text(
        json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    budget = int(state_budget_nok if state_budget_nok is not None else 1_000_000 * copies)
    files["fylke.toml"] = out / "fylke.toml"
    header = (
        f"# SYNTHETIC country of {copies} copies of the default municipality in {municipalities}\n"
        f"# municipalities (dekning.county_synthetic.synthetic_country, seed {seed}): {total} "
        f"addresses,\n# {keep} ({100 * keep / total:.2f} %) without 100 Mbit/s, "
        f"{road_km:.0f} km of road"
    )
    municipal = 5_000_000 * min(copies_per_municipality, copies)
    files["fylke.toml"].write_text(
        _county_toml(header, "Syntetisk land", budget, municipal), encoding="utf-8"
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


__all__ = ["synthetic_country", "synthetic_county", "synthetic_municipality"]
