"""Candidate mast sites: reading the user's list (CSV with x/y or lat/lon, GeoJSON, errors with
line and field), sites on high ground, and the exact choice under a budget (checked against
brute force over every subset)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import affine
import numpy as np
import pytest
import scipy.sparse
import shapely
from pyproj import Transformer

from dekning.coverage.planning.radio import Dem
from dekning.coverage.planning.sites import auto_sites, choose_sites, read_sites, site_choice
from dekning.errors import InputError, PlanningError

# --- read_sites -------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_sites_csv_with_x_y(tmp_path: Path):
    path = write(
        tmp_path / "master.csv",
        "navn;x;y;hoyde_m;kost_nok\n"
        "Fjellet;271 000,5;7 001 000;42;1 500 000\n"
        '=HYPERLINK("http://x");272000;7002000;;\n',
    )
    sites = read_sites(path)
    assert list(sites.columns) == ["site_id", "navn", "hoyde_m", "kost_nok", "geometry"]
    assert sites.crs.to_epsg() == 25833
    assert sites["site_id"].tolist() == ["K-0001", "K-0002"]
    # text is kept as data, exactly as written
    assert sites["navn"].tolist() == ["Fjellet", '=HYPERLINK("http://x")']
    assert sites.geometry.x.tolist() == [271_000.5, 272_000.0]
    assert sites.geometry.y.tolist() == [7_001_000.0, 7_002_000.0]
    assert sites["hoyde_m"].iloc[0] == 42.0 and np.isnan(sites["hoyde_m"].iloc[1])
    assert sites["kost_nok"].iloc[0] == 1_500_000.0 and np.isnan(sites["kost_nok"].iloc[1])


def test_read_sites_csv_with_lat_lon_and_ids(tmp_path: Path):
    path = write(
        tmp_path / "master.csv",
        "site_id,name,lat,lon,height_m,cost_nok\nM1,Toppen,63.10,10.20,30,900000\n"
        "M2,,63.20,10.40,,\n",
    )
    sites = read_sites(path)
    x, y = Transformer.from_crs(4326, 25833, always_xy=True).transform([10.20, 10.40], [63.1, 63.2])
    assert np.allclose(sites.geometry.x, x) and np.allclose(sites.geometry.y, y)
    assert sites["site_id"].tolist() == ["M1", "M2"]
    assert sites["navn"].tolist() == ["Toppen", "M2"]  # no name: the id
    assert sites["kost_nok"].iloc[0] == 900_000.0


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("navn;x;y\nA;271000;7001000\nB;27l000;7002000\n", 3, "x", "ikke et tall"),
        ("navn;x;y\nA;271000;7001000\nB;;7002000\n", 3, "x", "tom koordinat"),
        ("navn;x;y\nA;10.2;63.1\n", 2, "y", "lat og lon"),
        ("navn;x;y\nA;5000000;7001000\n", 2, "x", "ikke i Norge"),
        ("navn;x;y\nA;271000;63.1\n", 2, "y", "ikke i Norge"),
        ("navn;lat;lon\nA;63.1;10.2\nB;63.2;abc\n", 3, "lon", "ikke et tall"),
        ("navn;x;y;hoyde_m\nA;271000;7001000;-5\n", 2, "hoyde_m", "mellom 0 og 500"),
        ("navn;x;y;kost_nok\nA;271000;7001000;mye\n", 2, "kost_nok", "ikke et tall"),
        ("id;x;y\nA;271000;7001000\nA;272000;7001000\n", 3, "id", "to ganger"),
        ("id;x;y\nA;271000;7001000\na;272000;7001000\n", 3, "id", "to ganger"),
        ("id;x;y\nA;271000;7001000\n../../etc;272000;7001000\n", 3, "id", "mappenavn"),
        ("id;x;y\n.skjult;271000;7001000\n", 2, "id", "mappenavn"),
    ],
)
def test_read_sites_bad_values_name_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, words: str
):
    path = write(tmp_path / "master.csv", text)
    with pytest.raises(InputError, match=words) as err:
        read_sites(path)
    assert (err.value.line, err.value.field) == (line, field)
    assert err.value.file == str(path)
    assert f"linje {line}" in str(err.value) and f"felt '{field}'" in str(err.value)


def test_read_sites_geojson(tmp_path: Path):
    features = [
        {
            "type": "Feature",
            "properties": {"navn": "Vardåsen", "hoyde_m": 25, "kost_nok": 2_000_000},
            "geometry": {"type": "Point", "coordinates": [10.2, 63.1]},
        },
        {
            "type": "Feature",
            "properties": {"navn": "<b>Nes</b>", "hoyde_m": None, "kost_nok": None},
            "geometry": {"type": "Point", "coordinates": [10.3, 63.15]},
        },
    ]
    path = write(
        tmp_path / "master.geojson", json.dumps({"type": "FeatureCollection", "features": features})
    )
    sites = read_sites(path)
    assert sites.crs.to_epsg() == 25833
    assert sites["navn"].tolist() == ["Vardåsen", "<b>Nes</b>"]
    x, y = Transformer.from_crs(4326, 25833, always_xy=True).transform(10.2, 63.1)
    assert sites.geometry.x.iloc[0] == pytest.approx(x) and sites.geometry.y.iloc[0] == (
        pytest.approx(y)
    )
    assert sites["hoyde_m"].iloc[0] == 25.0 and np.isnan(sites["hoyde_m"].iloc[1])
    # a line is not a site: the error names the feature
    features[1]["geometry"] = {"type": "LineString", "coordinates": [[10.3, 63.1], [10.4, 63.1]]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(InputError, match="punkt") as err:
        read_sites(path)
    assert (err.value.line, err.value.field, err.value.feature) == (2, "geometry", True)
    assert "objekt 2" in str(err.value)


def test_read_sites_missing_or_empty_file(tmp_path: Path):
    with pytest.raises(InputError, match="fant ikke fila") as err:
        read_sites(tmp_path / "ingen.csv")
    assert "ingen.csv" in str(err.value)
    with pytest.raises(InputError, match="ingen kandidatmaster"):
        read_sites(write(tmp_path / "tom.csv", "navn;x;y\n"))
    with pytest.raises(InputError, match="koordinat"):
        read_sites(write(tmp_path / "uten.csv", "navn;hoyde_m\nA;30\n"))


# --- auto_sites -------------------------------------------------------------------------------


def test_auto_sites_highest_cell_per_square():
    # 100 m cells, 8 × 8 over x 0-800, y 0-800: squares of 400 m hold 4 × 4 cells
    h = np.arange(64, dtype="float64").reshape(8, 8) % 7  # a pattern with ties
    h[1, 2] = 50  # north-west square
    h[6, 5] = 60  # south-east square
    h[2, 6] = np.nan
    dem = Dem(h, affine.Affine(100, 0, 0, 0, -100, 800))
    sites = auto_sites(dem, None, spacing_m=400, height_m=25)
    assert sites["site_id"].tolist() == ["A-0001", "A-0002", "A-0003", "A-0004"]
    # north-west, north-east, south-west, south-east
    for k, (r0, c0) in enumerate([(0, 0), (0, 4), (4, 0), (4, 4)]):
        block = h[r0 : r0 + 4, c0 : c0 + 4]
        top = np.nanmax(block)
        # ties: the first in row-major order (north, then west)
        r, c = np.argwhere(block == top)[0]
        assert sites.geometry.x.iloc[k] == (c0 + c) * 100 + 50
        assert sites.geometry.y.iloc[k] == 800 - (r0 + r) * 100 - 50
        assert sites["terreng_m"].iloc[k] == top
    assert (sites["hoyde_m"] == 25).all() and sites["kost_nok"].isna().all()
    assert sites.crs.to_epsg() == 25833


def test_auto_sites_respects_boundary():
    h = np.zeros((8, 8))
    h[0, 0] = 100  # highest of the north-west square, outside the boundary
    h[3, 3] = 10
    dem = Dem(h, affine.Affine(100, 0, 0, 0, -100, 800))
    boundary = shapely.box(150, 150, 800, 640)  # leaves out the top row and left column
    sites = auto_sites(dem, boundary, spacing_m=400)
    assert shapely.contains_xy(boundary, sites.geometry.x, sites.geometry.y).all()
    assert len(sites) == 4
    # in the north-west square the highest cell inside the boundary is (3, 3)
    assert (sites.geometry.x.iloc[0], sites.geometry.y.iloc[0]) == (350, 450)
    # a boundary away from the DEM: nothing
    assert auto_sites(dem, shapely.box(5_000, 5_000, 6_000, 6_000)).empty


# --- choose_sites -----------------------------------------------------------------------------


def brute_force(covers: np.ndarray, value: np.ndarray, cost: np.ndarray, budget: int):
    """The best value and, among plans of that value, the least cost, over every subset."""
    best = (-1.0, 0)
    n = covers.shape[0]
    for k in range(n + 1):
        for subset in itertools.combinations(range(n), k):
            s = list(subset)
            if cost[s].sum() > budget:
                continue
            reached = covers[s].any(axis=0) if s else np.zeros(covers.shape[1], bool)
            v = float(value[reached].sum())
            if v > best[0] + 1e-9 or (abs(v - best[0]) <= 1e-9 and cost[s].sum() < best[1]):
                best = (v, int(cost[s].sum()))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_choose_sites_matches_brute_force(seed: int):
    rng = np.random.default_rng(seed)
    n_sites, n_targets = int(rng.integers(3, 9)), int(rng.integers(5, 30))
    covers = rng.random((n_sites, n_targets)) < 0.3
    # whole values, or tenths (road km of 100 m segments)
    value = rng.integers(0, 10, n_targets) / (1.0 if seed % 2 else 10.0)
    cost = rng.integers(1, 10, n_sites) * 100_000
    budget = int(rng.integers(1, 30)) * 100_000
    chosen = choose_sites(scipy.sparse.csr_matrix(covers), value, cost, budget)
    got_value = float(value[covers[chosen].any(axis=0)].sum()) if len(chosen) else 0.0
    assert cost[chosen].sum() <= budget
    assert (got_value, int(cost[chosen].sum())) == pytest.approx(
        brute_force(covers, value, cost, budget)
    )


def test_choose_sites_counts_a_target_once():
    # Site 0 and site 1 both reach the big target 0; site 2 reaches two small ones. With money
    # for two sites, 0 + 2 (value 10 + 6) beats 0 + 1 (10 + 1: target 0 counts once).
    covers = scipy.sparse.csr_matrix(
        np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    )
    value = np.array([10.0, 1.0, 3.0, 3.0])
    assert choose_sites(covers, value, np.array([1, 1, 1]), 2).tolist() == [1, 2]
    assert choose_sites(covers, value, np.array([1, 1, 1]), 1).tolist() == [1]
    assert choose_sites(covers, value, np.array([1, 1, 1]), 3).tolist() == [1, 2]  # 0 adds 0


def test_choose_sites_budget_zero_and_nothing_to_gain():
    covers = scipy.sparse.csr_matrix(np.eye(3, dtype=bool))
    value = np.array([1.0, 2.0, 3.0])
    assert choose_sites(covers, value, np.array([5, 5, 5]), 0).tolist() == []
    # a free site is still chosen under a budget of 0
    assert choose_sites(covers, value, np.array([0, 5, 5]), 0).tolist() == [0]
    assert choose_sites(covers, np.zeros(3), np.array([1, 1, 1]), 10).tolist() == []
    empty = scipy.sparse.csr_matrix((3, 3), dtype=bool)
    assert choose_sites(empty, value, np.array([1, 1, 1]), 10).tolist() == []


def test_choose_sites_ties_are_deterministic():
    # Four identical sites reaching the same targets: the cheapest wins, then the lowest index.
    covers = scipy.sparse.csr_matrix(np.ones((4, 5), dtype=bool))
    value = np.ones(5)
    assert choose_sites(covers, value, np.array([3, 2, 2, 2]), 10).tolist() == [1]
    assert choose_sites(covers, value, np.array([2, 2, 2, 2]), 10).tolist() == [0]
    # the same answer every time, and it follows the sites when they are reordered
    rng = np.random.default_rng(7)
    big = scipy.sparse.csr_matrix(rng.random((30, 200)) < 0.1)
    twins = scipy.sparse.vstack([big, big], format="csr")  # every site twice
    value = rng.integers(0, 5, 200).astype(float)
    cost = np.r_[rng.integers(1, 5, 30), rng.integers(1, 5, 30)] * 1_000
    answers = {tuple(choose_sites(twins, value, cost, 12_000)) for _ in range(3)}
    assert len(answers) == 1
    (answer,) = answers
    reached = np.asarray(twins[list(answer)].sum(axis=0)).ravel() > 0
    # of two twins of equal cost, never the second
    for s in answer:
        if s >= 30 and cost[s - 30] == cost[s]:
            pytest.fail(f"site {s} chosen over its identical twin {s - 30}")
    assert value[reached].sum() > 0


def test_choose_sites_rejects_bad_input():
    covers = scipy.sparse.csr_matrix(np.eye(2, dtype=bool))
    with pytest.raises(PlanningError):
        choose_sites(covers, np.ones(3), np.ones(2), 1)
    with pytest.raises(PlanningError):
        choose_sites(covers, np.array([1.0, -1.0]), np.ones(2), 1)
    with pytest.raises(PlanningError):
        choose_sites(covers, np.ones(2), np.array([1.0, np.nan]), 1)


def test_site_choice_reports_value_cost_and_optimality():
    covers = scipy.sparse.csr_matrix(
        np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=bool)
    )
    value = np.array([0.25, 0.5, 1.0, 2.0])
    choice = site_choice(covers, value, np.array([100, 100, 150]), 250)
    # {0, 2} reaches everything (3.75) for 250
    assert choice.chosen.tolist() == [0, 2]
    assert choice.value == pytest.approx(3.75) and choice.cost_nok == 250
    assert choice.optimal and choice.mip_gap == 0.0
    # values are told apart to value_resolution: site 0 reaches 0.3 + 0.3 (merged: one set of
    # covering sites), site 1 reaches 0.9; at 1.0 both count 1 and the lower index wins
    covers = scipy.sparse.csr_matrix(np.array([[1, 1, 0], [0, 0, 1]], dtype=bool))
    value = np.array([0.3, 0.3, 0.9])
    assert site_choice(covers, value, np.array([100, 100]), 100).chosen.tolist() == [1]
    coarse = site_choice(covers, value, np.array([100, 100]), 100, value_resolution=1.0)
    assert coarse.chosen.tolist() == [0]
