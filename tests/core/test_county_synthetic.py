"""The SYNTHETIC country of ``dekning.county_synthetic.synthetic_country``: six copies of the
default municipality in three municipalities read back by dekning's own readers, every address
inside its municipality's polygon, 5 % of the addresses without 100 Mbit/s (counted from the
written coverage rows), the national files split per municipality without loss, and the same
seed writing the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from dekning.config import default_data_dir
from dekning.county_config import load_county_config
from dekning.county_synthetic import (
    COUNTRY_FILE,
    COUNTRY_FIRST_NUMBER,
    _allocate,
    synthetic_country,
)
from dekning.coverage.read.addresses import read_addresses
from dekning.coverage.read.fixed import read_fixed_coverage
from dekning.coverage.read.national import read_boundaries, split_national
from dekning.coverage.read.roads import read_roads
from dekning.report import RunReport

PER_COPY = 2_406
COPIES = 6
NUMBERS = [f"{COUNTRY_FIRST_NUMBER + j:04d}" for j in range(3)]


@pytest.fixture(scope="module")
def country(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("land")
    return synthetic_country(
        folder, COPIES * PER_COPY, copies_per_municipality=2, lacking_share=0.05, seed=7
    )


def test_files_read_back_as_three_municipalities(country):
    report = RunReport()
    addresses = read_addresses(country["adresser"], report)
    assert len(addresses) == COPIES * PER_COPY and not report.warnings  # none outside Norway
    assert addresses["adrid"].is_unique
    assert sorted(addresses["kommunenummer"].unique()) == NUMBERS
    assert (addresses["kommunenummer"].value_counts() == 2 * PER_COPY).all()
    uuids = pd.read_csv(country["adresser"], sep=";", usecols=["uuidAdresse"])["uuidAdresse"]
    assert uuids.is_unique
    boundaries = read_boundaries(country["kommuner"])
    assert list(boundaries["kommunenummer"]) == NUMBERS
    assert boundaries["kommune"].str.endswith("(syntetisk)").all()
    roads = read_roads(country["veger"], RunReport())
    assert roads.length.sum() / 1_000 == pytest.approx(COPIES * 82.3, rel=0.01)
    assert country["figures"].name == COUNTRY_FILE
    figures = json.loads(country["figures"].read_text(encoding="utf-8"))
    assert figures["syntetisk"] and figures["kommuner"] == 3 and figures["kopier"] == COPIES
    assert figures["veg_km"] == pytest.approx(roads.length.sum() / 1_000, abs=0.1)
    cc = load_county_config(country["fylke.toml"])
    assert cc.county.name == "Syntetisk land" and cc.input.boundaries == country["kommuner"]


def test_every_address_lies_in_its_municipality(country):
    addresses = read_addresses(country["adresser"], RunReport())
    boundaries = read_boundaries(country["kommuner"])
    joined = gpd.sjoin(
        addresses[["kommunenummer", "geometry"]],
        boundaries[["kommunenummer", "geometry"]].rename(columns={"kommunenummer": "polygon"}),
        how="left",
        predicate="within",
    )
    assert len(joined) == len(addresses)  # polygons do not overlap
    assert (joined["kommunenummer"] == joined["polygon"]).all()


def test_share_without_100_mbit(country):
    """Counted independently of the generator: per address the best download of a counted
    technology (satellite does not count) in the written rows, 0 without a row."""
    ids = pd.read_csv(country["adresser"], sep=";", usecols=["adresseId"])["adresseId"]
    rows = pd.read_csv(country["fbb"], sep=";")
    counted = rows[rows["tek"] != "satellitt"]
    best = counted.groupby("adrid")["ned"].max().reindex(ids).fillna(0)
    share = float((best < 100_000).mean())
    assert share == pytest.approx(0.05, abs=0.01)
    assert json.loads(country["figures"].read_text(encoding="utf-8"))["andel_uten_100_mbit"] == (
        pytest.approx(share, abs=1e-9)
    )
    report = RunReport()  # the reader takes every row: known technologies, no duplicates
    fixed = read_fixed_coverage(country["fbb"], report)
    assert len(fixed) == len(rows) and not report.warnings
    # the municipalities differ (the share is drawn per copy)
    numbers = pd.read_csv(country["adresser"], sep=";", usecols=["adresseId", "kommunenummer"])
    per = (best.to_numpy() < 100_000).astype(int)
    by_municipality = pd.Series(per).groupby(numbers["kommunenummer"].to_numpy()).mean()
    assert by_municipality.nunique() > 1


def test_addresses_keep_lacking_by_square(country):
    """Within a copy, the addresses that keep lacking fill whole 1 km squares: at most one
    square per copy is cut (some of its lacking addresses got fibre, some did not)."""
    src = default_data_dir()
    own = pd.read_csv(src / "adresser.csv", sep=";", usecols=["adresseId", "Øst", "Nord"])
    own_rows = pd.read_csv(src / "nkom_fbb.csv", sep=";")
    own_best = own_rows[own_rows["tek"] != "satellitt"].groupby("adrid")["ned"].max()
    lacked = own_best.reindex(own["adresseId"]).fillna(0).to_numpy() < 100_000
    square = (own["Øst"] // 1_000).astype(int) * 10_000 + (own["Nord"] // 1_000).astype(int)
    square_of = pd.Series(square.to_numpy()[lacked], index=own["adresseId"].to_numpy()[lacked])
    rows = pd.read_csv(country["fbb"], sep=";")
    best = rows[rows["tek"] != "satellitt"].groupby("adrid")["ned"].max()
    ids = pd.read_csv(country["adresser"], sep=";", usecols=["adresseId"])["adresseId"]
    source_id = 300_000_000 + (ids - 300_000_000) % 10_000
    keep = source_id.isin(square_of.index)
    frame = pd.DataFrame(
        {
            "copy": ((ids - 300_000_000) // 10_000)[keep].to_numpy(),
            "square": square_of.reindex(source_id[keep]).to_numpy(),
            "lacking": (best.reindex(ids[keep]).fillna(0) < 100_000).to_numpy(),
        }
    )
    share = frame.groupby(["copy", "square"])["lacking"].mean()
    cut = ((share > 0) & (share < 1)).groupby(level="copy").sum()
    assert cut.max() <= 1 and (share == 1).sum() > COPIES


def test_split_per_municipality_loses_nothing(country, tmp_path):
    cc = load_county_config(country["fylke.toml"])
    inputs = {k: v for k, v in cc.input if k not in ("mobile", "dem", "boundaries")}
    report = RunReport()
    split = split_national(inputs, cc.input.boundaries, (), tmp_path, report)
    assert sorted(split.counts) == NUMBERS
    assert sum(split.counts.values()) == COPIES * PER_COPY
    assert not report.warnings  # no row outside the municipalities, none renumbered
    for knr in NUMBERS:  # each municipality gets its own two copies' roads, no neighbour's
        assert read_roads(split.files[knr]["roads"], RunReport()).length.sum() / 1_000 == (
            pytest.approx(2 * 82.3, rel=0.01)
        )


def test_same_seed_same_bytes(country, tmp_path):
    again = synthetic_country(
        tmp_path / "igjen", COPIES * PER_COPY, copies_per_municipality=2, seed=7
    )
    for name, path in country.items():
        assert path.read_bytes() == again[name].read_bytes(), name
    other = synthetic_country(
        tmp_path / "annet", COPIES * PER_COPY, copies_per_municipality=2, seed=8
    )
    assert other["fbb"].read_bytes() != country["fbb"].read_bytes()


def test_allocation_is_exact_and_capped():
    weights = np.array([1.0, 1.0, 10.0, 0.5])
    k = _allocate(25, weights, 10)
    assert k.sum() == 25 and k.max() <= 10 and k[2] == 10
    assert _allocate(40, weights, 10).tolist() == [10, 10, 10, 10]
    assert _allocate(0, weights, 10).tolist() == [0, 0, 0, 0]


def test_impossible_requests_are_refused(tmp_path):
    with pytest.raises(ValueError, match="lacking_share"):
        synthetic_country(tmp_path / "a", PER_COPY, lacking_share=0.7)
    with pytest.raises(ValueError, match="får ikke plass"):
        synthetic_country(tmp_path / "b", 10_000_000)
