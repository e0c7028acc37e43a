"""National (or county) files split into one set of input files per municipality.

A county or national run reads each national file once, in columns (Parquet: only the columns
the run uses, with their types; CSV: every column as text, as the municipal readers expect), and
writes each municipality's rows to a file of its own, so that every municipality then runs as a
municipal run does, on a worker that holds that municipality only:

- the address register is parsed once (:func:`~dekning.coverage.read.addresses.read_addresses`)
  and written per ``kommunenummer`` as GeoParquet (EPSG:25833);
- the tables keyed by address id (Nkom's ``adr``, ``fbb``, ``mob``, the consultation list) are
  sorted by municipality once and written as Parquet slices, rows of addresses outside the run's
  municipalities left out (and counted);
- the municipality polygons, and the roads within 2 km of each polygon (read once, with their
  category), as GeoPackages.

Rows stay as they were read; the municipal readers check them as usual, so an error names the
municipality's file (and its ``linje_i_kilden`` column, the line of the national file).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dekning.crs import WORK_CRS
from dekning.errors import InputError, data_line, fail_at_first
from dekning.io import find_column, read_vector, sniff_delimiter, sniff_encoding
from dekning.report import RunReport

from .addresses import ID_COLUMNS, read_addresses
from .counts import COUNT_COLUMNS, SETTLEMENT_COLUMNS
from .fixed import READ_COLUMNS as FIXED_COLUMNS
from .mobile import MOBILE_COLUMN_NAMES
from .roads import read_roads

SOURCE_LINE = "linje_i_kilden"
"""Column added to every split table: the row's line in the national file (header = 1)."""
ROAD_MARGIN_M = 2_000
"""Roads within this distance of a municipality's polygon go to its file (routes and road
gaps near the border)."""
NUMBER_COLUMNS = ("kommunenummer", "komnr", "kommunenr", "kommune_nr")
NAME_COLUMNS = ("kommunenavn", "navn", "kommune", "name")


@dataclass
class Split:
    """The files of every municipality, by kommunenummer."""

    names: dict[str, str]
    """kommunenummer → name (from the polygons)."""
    files: dict[str, dict[str, Path]] = field(default_factory=dict)
    """kommunenummer → {input key → file}."""
    counts: dict[str, int] = field(default_factory=dict)
    """kommunenummer → addresses."""


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Municipality polygons in EPSG:25833 with ``kommunenummer`` (4 digits) and ``kommune``.

    Raises
    ------
    InputError
        No kommunenummer column, a number that is not four digits, or a repeated number.
    """
    polygons = read_vector(path, "kommunegrensene", repair=True).to_crs(WORK_CRS)
    number = find_column(polygons, NUMBER_COLUMNS)
    if number is None:
        raise InputError(
            f"mangler kommunenummer (en av {', '.join(NUMBER_COLUMNS)})",
            file=path,
            field="kommunenummer",
        )
    numbers = polygons[number].astype(str).str.strip().str.zfill(4)
    fail_at_first(
        ~numbers.str.fullmatch(r"\d{4}").to_numpy(dtype=bool),
        lambda pos: f"kommunenummer {polygons[number].iloc[pos]!r} er ikke fire sifre",
        path,
        number,
        feature=True,
    )
    name = find_column(polygons, NAME_COLUMNS)
    out = gpd.GeoDataFrame(
        {
            "kommunenummer": numbers.to_numpy(),
            "kommune": (
                polygons[name].astype(str).to_numpy() if name is not None else numbers.to_numpy()
            ),
        },
        geometry=polygons.geometry.to_numpy(),
        crs=WORK_CRS,
    )
    out = out.dissolve("kommunenummer", aggfunc="first", as_index=False)
    return out.sort_values("kommunenummer").reset_index(drop=True)


def _read_rows(path: Path, what: str, columns: Sequence[str] = ()) -> pa.Table:
    """A table file as Arrow: Parquet with its types, CSV/TXT with every column as text (the
    encoding and separator sniffed, as :func:`dekning.io.read_table` does)."""
    if not path.exists():
        raise InputError(f"fant ikke fila ({what})", file=path)
    if path.suffix.lower() == ".parquet":
        wanted = {c.lower() for c in columns}
        names = [n for n in pq.read_schema(path).names if not wanted or n.lower() in wanted]
        return pq.read_table(path, columns=names or None)  # only what the readers use
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise InputError(f"fila er tom ({what})", file=path)
    encoding = sniff_encoding(head[: head.rfind(b"\n") + 1] or head)
    first = head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0]
    delimiter = sniff_delimiter(first)
    names = [n.strip() for n in next(csv.reader([first], delimiter=delimiter))]
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(f"kan ikke lese {what}: {err}", file=path) from None


def split_rows(
    path: Path,
    municipality_of: pd.Series,
    out: Mapping[str, Path],
    name: str,
    what: str,
    report: RunReport,
    columns: Sequence[str] = (),
) -> dict[str, Path]:
    """Write the rows of a table keyed by address id per municipality.

    Parameters
    ----------
    path
        The national table (CSV or Parquet) with an address id column.
    municipality_of
        kommunenummer by address id (the run's addresses).
    out
        The folder of each municipality to write.
    name
        File name (``<name>.parquet``) in each folder.
    what
        Names the file in errors and the report.

    Returns
    -------
    dict
        kommunenummer → the file written (municipalities without a row get none).

    Raises
    ------
    InputError
        No address id column.
    """
    table = _read_rows(path, what, columns)
    frame_cols = pd.Index(table.column_names)
    id_col = find_column(pd.DataFrame(columns=frame_cols), ID_COLUMNS["adrid"])
    if id_col is None:
        raise InputError(
            f"mangler adresse-id (en av {', '.join(ID_COLUMNS['adrid'])})", file=path, field="adrid"
        )
    raw_ids = pd.Series(table.column(id_col).to_numpy(zero_copy_only=False))
    ids = pd.to_numeric(raw_ids, errors="coerce")
    fail_at_first(  # a municipal run would stop here too: say where
        (ids.isna() | (ids != ids.round())).to_numpy(),
        lambda pos: f"adresse-id {raw_ids.iloc[pos]!r} er ikke et heltall",
        path,
        id_col,
    )
    codes = ids.map(municipality_of).to_numpy(dtype=object)
    known = pd.notna(codes) & np.isin(codes.astype(str), list(out))
    report.warn(
        "county",
        "rows_outside_municipalities",
        f"{path.name}: rader for adresser utenfor kommunene i kjøringen (holdt utenfor)",
        int((~known).sum()),
        [f"linje {data_line(int(i))}" for i in np.flatnonzero(~known)[:10]],
    )
    table = table.append_column(SOURCE_LINE, pa.array(np.arange(len(ids)) + 2, pa.int64()))
    keep = np.flatnonzero(known)
    order = keep[np.argsort(codes[keep].astype(str), kind="stable")]
    table = table.take(order.astype("int64"))
    sorted_codes = codes[order].astype(str)
    written: dict[str, Path] = {}
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], len(sorted_codes)]
    for start, end in zip(starts, ends, strict=True):
        knr = str(sorted_codes[start])
        target = out[knr] / f"{name}.parquet"
        pq.write_table(table.slice(int(start), int(end - start)), target)
        written[knr] = target
    for knr in sorted(set(out) - set(written)):  # no row: the municipal reader says so
        target = out[knr] / f"{name}.parquet"
        pq.write_table(table.slice(0, 0), target)
        written[knr] = target
    return written


def _municipality_numbers(
    addresses: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, path: Path, report: RunReport
) -> pd.Series:
    """Every address's kommunenummer as four digits (``301``, ``301.0`` → ``0301``); an
    address without one, or with one the polygons do not have (an older number), gets the
    number of the polygon it lies in, and the report counts them."""
    text = addresses["kommunenummer"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    numbers = text.where(text.str.fullmatch(r"\d{1,4}"), "").str.zfill(4)
    unknown = ~numbers.isin(set(boundaries["kommunenummer"])).to_numpy()
    if unknown.any():
        inside = gpd.sjoin(
            addresses.loc[unknown, ["geometry"]],
            boundaries[["kommunenummer", "geometry"]],
            how="left",
            predicate="within",
        )
        found = inside.loc[~inside.index.duplicated(), "kommunenummer"]
        numbers.loc[found.index] = found.fillna("").to_numpy()
        report.warn(
            "county",
            "addresses_numbered_by_polygon",
            f"{path.name}: adresser uten kjent kommunenummer, gitt nummeret til kommunen de "
            "ligger i",
            int(found.notna().sum()),
            addresses.loc[found.index[found.notna()], "adrid"].tolist()[:10],
        )
        lost = found.index[found.isna()]
        report.warn(
            "county",
            "addresses_outside_municipalities",
            f"{path.name}: adresser utenfor alle kommunene i kommunegrensene (holdt utenfor)",
            len(lost),
            addresses.loc[lost, "adrid"].tolist()[:10],
        )
    return numbers


def _split_addresses(
    addresses: gpd.GeoDataFrame, out: Mapping[str, Path]
) -> tuple[dict[str, Path], dict[str, int]]:
    files, counts = {}, {}
    for knr, part in addresses.groupby("kommunenummer", sort=True):
        if str(knr) not in out:
            continue
        target = out[str(knr)] / "adresser.parquet"
        part.reset_index(drop=True).to_parquet(target)
        files[str(knr)], counts[str(knr)] = target, len(part)
    return files, counts


def _split_polygons(boundaries: gpd.GeoDataFrame, out: Mapping[str, Path]) -> dict[str, Path]:
    files = {}
    for row in boundaries.itertuples():  # one small file per municipality
        knr = str(row.kommunenummer)
        if knr in out:
            target = out[knr] / "kommune.gpkg"
            boundaries.loc[[row.Index]].to_file(target, driver="GPKG")
            files[knr] = target
    return files


def _split_roads(
    path: Path, boundaries: gpd.GeoDataFrame, out: Mapping[str, Path], report: RunReport
) -> dict[str, Path]:
    """Roads within :data:`ROAD_MARGIN_M` of each municipality, read once."""
    roads = read_roads(path, report)
    chosen = boundaries.loc[boundaries["kommunenummer"].isin(list(out))].reset_index(drop=True)
    near = chosen.geometry.buffer(ROAD_MARGIN_M)
    road_i, muni_i = roads.sindex.query(near, predicate="intersects")[::-1]
    files = {}
    order = np.argsort(muni_i, kind="stable")
    road_i, muni_i = road_i[order], muni_i[order]
    for m in np.unique(muni_i):
        knr = str(chosen.at[int(m), "kommunenummer"])
        target = out[knr] / "veger.gpkg"
        roads.iloc[np.sort(road_i[muni_i == m])].to_file(target, driver="GPKG")
        files[knr] = target
    return files


TABLES = {
    "address_counts": ("adressebruk", "adressebruksfila"),
    "fixed_coverage": ("fbb", "dekningsfila"),
    "mobile_addresses": ("mob", "mobilfila (mob)"),
    "consultation_list": ("horingsliste", "høringslista"),
}
"""Input keys of the tables keyed by address id: file name and what the errors call them."""
READ_COLUMNS = {
    "address_counts": (*ID_COLUMNS["adrid"], *chain(*COUNT_COLUMNS.values()), *SETTLEMENT_COLUMNS),
    "fixed_coverage": (*ID_COLUMNS["adrid"], *FIXED_COLUMNS),
    "mobile_addresses": (*ID_COLUMNS["adrid"], *chain(*MOBILE_COLUMN_NAMES.values())),
    "consultation_list": (*ID_COLUMNS["adrid"], "adresse_id"),
}
"""The columns the municipal readers use, per table: a Parquet file's others are not read."""


def split_national(
    inputs: Mapping[str, Path | None],
    boundaries_path: Path,
    wanted: Sequence[str],
    work: Path,
    report: RunReport,
    *,
    addresses_epsg: int | None = None,
) -> Split:
    """Split the national files into one folder of inputs per municipality under ``work``.

    Parameters
    ----------
    inputs
        ``addresses`` (required) and any of :data:`TABLES` and ``roads``.
    boundaries_path
        The municipality polygons.
    wanted
        kommunenummer to run; empty: every municipality of the polygons that has addresses.
    work
        An empty folder (the split files are the run's own, removed after it).

    Raises
    ------
    InputError
        A wanted municipality that the polygons or the register do not have; a bad file.
    """
    boundaries = read_boundaries(boundaries_path)
    address_path = inputs["addresses"]
    assert address_path is not None
    addresses = read_addresses(address_path, report, epsg=addresses_epsg)
    if not (addresses["kommunenummer"].astype(str).str.len() > 0).any():
        raise InputError(
            "adresseregisteret har ingen kommunenummer: det trengs for å dele det per kommune",
            file=address_path,
            field="kommunenummer",
        )
    numbers = _municipality_numbers(addresses, boundaries, address_path, report)
    addresses = addresses.assign(kommunenummer=numbers)
    known = set(boundaries["kommunenummer"])
    present = set(numbers)
    chosen = sorted(wanted) if wanted else sorted(known & present)
    empty = sorted(known - present)
    report.warn(
        "county",
        "municipalities_without_addresses",
        "kommuner i kommunegrensene uten adresser i registeret (ikke kjørt)",
        len(empty),
        empty,
    )
    for knr in chosen:
        if knr not in known:
            raise InputError(f"kommune {knr} finnes ikke i kommunegrensene", file=boundaries_path)
        if knr not in present:
            raise InputError(f"kommune {knr} har ingen adresser i registeret", file=address_path)
    folders = {knr: work / knr for knr in chosen}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=False)
    names = dict(zip(boundaries["kommunenummer"], boundaries["kommune"], strict=True))
    split = Split({k: names[k] for k in chosen})
    address_files, split.counts = _split_addresses(addresses, folders)
    files: dict[str, dict[str, Path]] = {k: {"addresses": v} for k, v in address_files.items()}
    for knr, path in _split_polygons(boundaries, folders).items():
        files[knr]["boundary"] = path
    municipality_of = pd.Series(numbers.to_numpy(), index=addresses["adrid"].to_numpy())
    del addresses  # one national table at a time: the coverage tables need only the ids
    for key, (name, what) in TABLES.items():
        table_path = inputs.get(key)
        if table_path is not None:
            parts = split_rows(
                Path(table_path), municipality_of, folders, name, what, report, READ_COLUMNS[key]
            )
            for knr, part in parts.items():
                files[knr][key] = part
    roads = inputs.get("roads")
    if roads is not None:
        for knr, part in _split_roads(Path(roads), boundaries, folders, report).items():
            files[knr]["roads"] = part
    split.files = files
    return split


__all__ = ["SOURCE_LINE", "TABLES", "Split", "read_boundaries", "split_national", "split_rows"]
