"""Seeded generator of the embedded default data set (synthetic, fictional municipality).

"Fjelldal" (kommunenummer 5099, which no real municipality has) is a made-up rural valley
municipality in Trøndelag: a main road along the valley floor, side roads up the side valleys,
three villages with fibre, scattered farms with copper (DSL), some fixed wireless (FTB), a cabin
field in the mountains, and mobile coverage from three operators with holes where the terrain
shadows the masts. Every file is written in the layout real users get (Kartverket's address CSV,
Nkom's address-level coverage, GeoTIFF rasters, a Nettskjema-style survey export).

The generator is deterministic: the same seed writes the same bytes (``data/generate.py``).
Nothing here is real data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import shapely
from rasterio.features import geometry_mask
from rasterio.transform import from_origin

from dekning.crs import WORK_CRS

KOMMUNENUMMER = "5099"
KOMMUNENAVN = "FJELLDAL"
CENTRE = (270_000.0, 7_000_000.0)  # EPSG:25833, central Trøndelag-like position
EXTRACT_DATE = "01.10.2026 06:00:00"


@dataclass(frozen=True)
class Village:
    name: str
    x: float
    postnummer: str
    poststed: str
    streets: tuple[str, ...]
    fibre_operator: str


VILLAGES = (
    Village(
        "Fjelldal sentrum",
        0.0,
        "7395",
        "FJELLDAL",
        (
            "Storgata",
            "Skolevegen",
            "Kirkevegen",
            "Stasjonsvegen",
            "Bjørkelia",
            "Granvegen",
            "Solbakken",
            "Industrivegen",
            "Øvre Moen",
            "Åsvegen",
        ),
        "Fjelldal Fiber",
    ),
    Village(
        "Nordbygda",
        -9_000.0,
        "7396",
        "NORDBYGDA",
        ("Nordbygdvegen", "Furuvegen", "Bakkevegen", "Lærkevegen"),
        "Fjelldal Fiber",
    ),
    Village(
        "Elvestad",
        8_500.0,
        "7397",
        "ELVESTAD",
        ("Elvevegen", "Myrvegen", "Sagvegen"),
        "Telia",
    ),
)

# (name, x where it leaves the main road, direction (+1 north / -1 south), length m, postnummer)
SIDE_ROADS = (
    ("Dalsvegen", -12_000.0, 1, 7_000.0, "7396", "NORDBYGDA"),
    ("Skogvegen", -5_000.0, -1, 5_500.0, "7395", "FJELLDAL"),
    ("Fjellvegen", 2_500.0, 1, 8_000.0, "7395", "FJELLDAL"),
    ("Lien", 5_000.0, -1, 4_000.0, "7397", "ELVESTAD"),
    ("Sætervegen", 11_000.0, 1, 6_500.0, "7397", "ELVESTAD"),
    ("Kvernhusvegen", -2_000.0, -1, 3_000.0, "7395", "FJELLDAL"),
)
MAIN_ROAD = "Dalføret"

# NVDB category, road number and ÅDT (vehicles a day; None: not counted) by road name; other
# streets are municipal roads without a count. Invented for the synthetic municipality.
ROAD_ATTRIBUTES: dict[str, tuple[str, str, int | None]] = {
    MAIN_ROAD: ("F", "FV 6500", 2_800),
    "Dalsvegen": ("F", "FV 6502", 420),
    "Fjellvegen": ("F", "FV 6504", 310),
    "Skogvegen": ("S", "", None),
    "Lien": ("K", "", 120),
    "Sætervegen": ("K", "", 90),
    "Kvernhusvegen": ("K", "", 60),
    "Stølsvegen": ("P", "", None),
    "Storgata": ("K", "", 1_800),
}

# Mobile sites: (x, y) offsets from the centre; which operators use them and with 5G or not.
SITES = (
    ((-11_000, 300), ("telenor", "telia"), True),
    ((-8_500, -400), ("telenor", "ice"), False),
    ((-3_000, 1_500), ("telenor",), False),
    ((300, 200), ("telenor", "telia", "ice"), True),
    ((3_500, 2_800), ("telia",), False),
    ((6_000, -900), ("telenor", "ice"), False),
    ((9_000, 400), ("telenor", "telia"), True),
    ((13_000, 1_200), ("ice",), False),
    ((2_700, 6_500), ("telenor",), False),
)
OPERATORS = ("telenor", "telia", "ice")
RASTER_RES = 100.0


def valley_y(x: np.ndarray | float) -> np.ndarray:
    """Northing offset of the valley floor (and main road) at easting offset ``x`` (metres)."""
    return 2_500.0 * np.sin(np.asarray(x) / 9_000.0)


def elevation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Synthetic terrain (metres above sea level) at offsets from :data:`CENTRE`.

    A U-shaped main valley along :func:`valley_y`, side valleys along the side roads and long,
    smooth ridges.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    d = np.abs(y - valley_y(x))
    z = 60.0 + 0.002 * (x + 16_000.0) + 650.0 * (1.0 - np.exp(-((d / 2_600.0) ** 2)))
    z += 60.0 * np.sin(x / 2_300.0) * np.cos(y / 3_100.0)
    for _name, x0, direction, length, *_ in SIDE_ROADS:
        along = (y - valley_y(x0)) * direction
        inside = (along > 0) & (along < length + 1_000)
        side_d = np.abs(x - x0 - 400.0 * np.sin(along / 1_500.0))
        carve = (
            380.0 * np.exp(-((side_d / 700.0) ** 2)) * np.clip(1.0 - along / (length * 1.6), 0, 1)
        )
        z -= np.where(inside, carve, 0.0)
    return np.maximum(z, 5.0)


def _main_road() -> np.ndarray:
    xs = np.arange(-17_000.0, 17_001.0, 250.0)
    return np.column_stack([xs, valley_y(xs)])


def _side_road(x0: float, direction: int, length: float) -> np.ndarray:
    along = np.arange(0.0, length + 1.0, 200.0)
    xs = x0 + 400.0 * np.sin(along / 1_500.0)
    ys = valley_y(x0) + direction * along
    return np.column_stack([xs, ys])


def _boundary(rng: np.random.Generator) -> shapely.Polygon:
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    r = 1.0 + 0.06 * np.sin(3 * angles + 0.7) + rng.uniform(-0.03, 0.03, angles.size)
    xs = CENTRE[0] + 19_500.0 * r * np.cos(angles)
    ys = CENTRE[1] + 11_500.0 * r * np.sin(angles)
    return shapely.Polygon(np.column_stack([np.round(xs, 1), np.round(ys, 1)]))


def _address_rows(rng: np.random.Generator) -> tuple[pd.DataFrame, list[tuple[str, np.ndarray]]]:
    """Addresses (offsets from the centre) with street, number, letter, use and counts."""
    rows: list[dict] = []
    roads: list[tuple[str, np.ndarray]] = [(MAIN_ROAD, _main_road())]
    gnr_counter = 1

    # Villages: short streets through the village centre, houses on both sides.
    for v in VILLAGES:
        cx, cy = v.x, float(valley_y(v.x))
        roads_here = len(v.streets)
        gnr = gnr_counter
        gnr_counter += 1
        bnr = 1
        for si, street in enumerate(v.streets):
            angle = rng.uniform(0, np.pi)
            length = rng.uniform(350, 1_100) * (1.4 if si == 0 else 1.0)
            offset = rng.normal(0, 350 if roads_here > 5 else 220, 2)
            start = np.array([cx + offset[0], cy + offset[1]]) - 0.5 * length * np.array(
                [np.cos(angle), np.sin(angle)]
            )
            direction = np.array([np.cos(angle), np.sin(angle)])
            normal = np.array([-direction[1], direction[0]])
            roads.append((street, np.vstack([start, start + length * direction])))
            n_per_side = int(length // rng.uniform(26, 36))
            for side, parity in ((1, 1), (-1, 0)):
                for k in range(n_per_side):
                    chain = (k + 0.5) * length / n_per_side
                    p = start + chain * direction + side * rng.uniform(12, 22) * normal
                    number = 2 * k + 1 if parity else 2 * k + 2
                    n_letters = 1 + (rng.random() < 0.05) * int(rng.integers(1, 3))
                    for li in range(n_letters):
                        letter = "" if n_letters == 1 else "ABC"[li]
                        jitter = rng.normal(0, 3, 2)
                        is_block = si == 0 and rng.random() < 0.12
                        is_business = si in (0, 7) and rng.random() < 0.25
                        rows.append(
                            dict(
                                x=p[0] + jitter[0],
                                y=p[1] + jitter[1],
                                street=street,
                                number=number,
                                letter=letter,
                                postnummer=v.postnummer,
                                poststed=v.poststed,
                                gnr=gnr,
                                bnr=bnr,
                                settlement=v.name,
                                hus=int(rng.integers(4, 13)) if is_block else int(not is_business),
                                fritid=0,
                                naering=int(is_business) + int(is_block and rng.random() < 0.5),
                            )
                        )
                        bnr += 1

    # Public buildings in the centre (school, health centre, town hall, kindergarten).
    for i, (street, number) in enumerate(
        (("Skolevegen", 2), ("Storgata", 1), ("Kirkevegen", 1), ("Nordbygdvegen", 1))
    ):
        match = [
            r for r in rows if r["street"] == street and r["number"] == number and not r["letter"]
        ]
        if match:
            match[0].update(hus=0, naering=0, offentlig=1, public_kind=i)

    # Farms and rural houses along the main road and the side roads; numbers by distance
    # (Norwegian rural numbering: number ≈ metres from road start / 10, odd left, even right).
    def place_rural(street: str, line: np.ndarray, n: int, postnummer: str, poststed: str) -> None:
        nonlocal gnr_counter
        seg = np.diff(line, axis=0)
        seglen = np.hypot(seg[:, 0], seg[:, 1])
        cum = np.concatenate([[0.0], np.cumsum(seglen)])
        centres = np.sort(rng.uniform(0.05, 0.98, max(1, n // 3)) * cum[-1])
        used: set[int] = set()
        for c in centres:
            size = int(rng.integers(1, 6))
            for _ in range(size):
                chain = float(np.clip(c + rng.normal(0, 120), 0, cum[-1] - 1))
                if any(abs(chain - vx) < 2_000 for vx in _village_chainages(street, line)):
                    continue
                i = int(np.searchsorted(cum, chain) - 1)
                i = min(max(i, 0), len(seg) - 1)
                d = seg[i] / seglen[i]
                normal = np.array([-d[1], d[0]])
                side = 1 if rng.random() < 0.5 else -1
                p = line[i] + d * (chain - cum[i]) + side * rng.uniform(30, 350) * normal
                number = int(chain // 10)
                number += (number % 2 == 0) if side == 1 else (number % 2 == 1)
                while number in used:
                    number += 2
                used.add(number)
                fritid = int(rng.random() < 0.08)
                rows.append(
                    dict(
                        x=p[0],
                        y=p[1],
                        street=street,
                        number=max(number, 1),
                        letter="",
                        postnummer=postnummer,
                        poststed=poststed,
                        gnr=gnr_counter,
                        bnr=int(rng.integers(1, 12)),
                        settlement="spredt",
                        hus=0 if fritid else int(rng.integers(1, 3) if rng.random() < 0.15 else 1),
                        fritid=fritid,
                        naering=int(rng.random() < 0.18),  # farms are businesses too
                    )
                )
                gnr_counter += 1

    place_rural(MAIN_ROAD, _main_road(), 420, "7395", "FJELLDAL")
    for name, x0, direction, length, postnummer, poststed in SIDE_ROADS:
        line = _side_road(x0, direction, length)
        roads.append((name, line))
        place_rural(name, line, int(length / 28), postnummer, poststed)

    # Cabin field at the end of Fjellvegen.
    end = _side_road(2_500.0, 1, 8_000.0)[-1]
    cabin_road = np.vstack([end, end + np.array([1_800.0, 600.0])])
    roads.append(("Stølsvegen", cabin_road))
    for k in range(160):
        t = rng.uniform(0, 1)
        p = end + t * np.array([1_800.0, 600.0]) + rng.normal(0, 250, 2)
        rows.append(
            dict(
                x=p[0],
                y=p[1],
                street="Stølsvegen",
                number=k + 1,
                letter="",
                postnummer="7395",
                poststed="FJELLDAL",
                gnr=gnr_counter,
                bnr=k + 1,
                settlement="hyttefelt",
                hus=0,
                fritid=1,
                naering=0,
            )
        )
    gnr_counter += 1

    df = pd.DataFrame(rows)
    df["offentlig"] = df.get("offentlig", pd.Series(0, index=df.index)).fillna(0).astype(int)
    df = df.drop(columns=["public_kind"], errors="ignore")
    return df, roads


def _village_chainages(street: str, line: np.ndarray) -> list[float]:
    if street != MAIN_ROAD:
        return []
    return [v.x - line[0, 0] for v in VILLAGES]


def _fixed_coverage(
    addr: pd.DataFrame, mobile_best: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Nkom-style fixed coverage rows (adrid, tilb, tek, ned, opp, hc), speeds in kbit/s."""
    out: list[pd.DataFrame] = []
    n = len(addr)
    x = addr["x"].to_numpy()
    y = addr["y"].to_numpy()
    ids = addr["adresseId"].to_numpy()
    settlement = addr["settlement"].to_numpy()

    # Fibre in the villages (most of it) and in two earlier subsidised hamlets.
    fibre = np.zeros(n, dtype=bool)
    fibre_op = np.empty(n, dtype=object)
    for v in VILLAGES:
        here = settlement == v.name
        fibre |= here & (rng.random(n) < 0.96)
        fibre_op[here] = v.fibre_operator
    hamlet = (addr["street"].to_numpy() == "Skogvegen") & (
        np.abs(y - (CENTRE[1] + valley_y(-5_000.0))) < 2_200
    )
    fibre |= hamlet
    fibre_op[hamlet] = "Fjelldal Fiber"
    speed = rng.choice([500_000, 1_000_000], n, p=[0.3, 0.7])
    out.append(
        pd.DataFrame(
            dict(
                adrid=ids[fibre],
                tilb=fibre_op[fibre],
                tek="fiber",
                ned=speed[fibre],
                opp=speed[fibre],
                hc=rng.random(n)[fibre] < 0.65,
            )
        )
    )
    # Cable TV network in the centre.
    kabel = (settlement == "Fjelldal sentrum") & (rng.random(n) < 0.45)
    out.append(
        pd.DataFrame(
            dict(
                adrid=ids[kabel],
                tilb="Telia",
                tek="kabel",
                ned=500_000,
                opp=50_000,
                hc=rng.random(n)[kabel] < 0.3,
            )
        )
    )
    # Copper (DSL) from exchanges in each village: speed falls with line length.
    exch = np.array([[CENTRE[0] + v.x, CENTRE[1] + valley_y(v.x)] for v in VILLAGES])
    dist = np.min(np.hypot(x[:, None] - exch[:, 0], y[:, None] - exch[:, 1]), axis=1)
    has_dsl = (dist < 9_000) & (settlement != "hyttefelt") & (rng.random(n) < 0.9)
    dsl_down = np.clip(
        np.round(45_000 * np.exp(-dist / 2_200) + rng.normal(0, 800, n), -2), 1_000, 45_000
    )
    out.append(
        pd.DataFrame(
            dict(
                adrid=ids[has_dsl],
                tilb="Telenor",
                tek="dsl",
                ned=dsl_down[has_dsl].astype(int),
                opp=np.maximum(np.round(dsl_down[has_dsl] / 10, -2), 500).astype(int),
                hc=rng.random(n)[has_dsl] < 0.2,
            )
        )
    )
    # Fixed wireless (FTB) where the operator's 4G/5G signal is good indoors.
    mb = mobile_best.set_index("adresseId").reindex(ids)
    for op, tilb in (("telenor", "Telenor"), ("ice", "Ice")):
        good5 = (mb[f"{op}_5g"].to_numpy() >= -95) & ~fibre
        good4 = (mb[f"{op}_4g"].to_numpy() >= -92) & ~fibre & ~good5
        for mask, down, up in ((good5, 150_000, 30_000), (good4, 50_000, 10_000)):
            mask = mask & (rng.random(n) < 0.8)
            out.append(
                pd.DataFrame(
                    dict(
                        adrid=ids[mask],
                        tilb=tilb,
                        tek="ftb",
                        ned=down,
                        opp=up,
                        hc=rng.random(n)[mask] < 0.15,
                    )
                )
            )
    # Satellite offered everywhere outside the villages (not counted by default).
    sat = (settlement == "spredt") & (rng.random(n) < 0.25)
    out.append(
        pd.DataFrame(
            dict(
                adrid=ids[sat],
                tilb="Starlink",
                tek="satellitt",
                ned=150_000,
                opp=15_000,
                hc=rng.random(n)[sat] < 0.1,
            )
        )
    )

    fbb = pd.concat(out, ignore_index=True)
    fbb["ned"] = fbb["ned"].astype(int)
    fbb["opp"] = fbb["opp"].astype(int)
    fbb["hc"] = fbb["hc"].astype(bool)
    return fbb.sort_values(["adrid", "tek", "tilb"], kind="stable").reset_index(drop=True)


def raster_grid(boundary: shapely.Polygon) -> tuple[rasterio.Affine, int, int]:
    """Transform and shape of the mobile rasters (100 m cells covering the boundary)."""
    minx, miny, maxx, maxy = boundary.bounds
    minx = np.floor(minx / RASTER_RES) * RASTER_RES - RASTER_RES
    maxy = np.ceil(maxy / RASTER_RES) * RASTER_RES + RASTER_RES
    width = int(np.ceil((maxx - minx) / RASTER_RES)) + 1
    height = int(np.ceil((maxy - miny) / RASTER_RES)) + 1
    return from_origin(minx, maxy, RASTER_RES, RASTER_RES), height, width


def rsrp(x: np.ndarray, y: np.ndarray, operator: str, technology: str) -> np.ndarray:
    """Modelled RSRP (dBm) at offsets from the centre: best server over the operator's sites.

    Log-distance path loss plus a diffraction penalty for terrain between the mast and the point,
    so valleys behind ridges fall out of coverage.
    """
    best = np.full(np.shape(x), -160.0)
    shift = {"telenor": 0.0, "telia": -2.0, "ice": -4.0}[operator]
    for (sx, sy), ops, has_5g in SITES:
        if operator not in ops or (technology == "5g" and not has_5g):
            continue
        d = np.hypot(x - sx, y - sy)
        level = -52.0 + shift - 30.0 * np.log10(np.maximum(d, 50.0) / 100.0)
        if technology == "5g":
            level -= 6.0
        mast_h = elevation(np.array(sx), np.array(sy)) + 35.0
        ground = elevation(x, y) + 2.0
        obstruction = np.zeros(np.shape(x))
        for t in np.linspace(0.1, 0.9, 9):
            px = sx + t * (x - sx)
            py = sy + t * (y - sy)
            los = mast_h + t * (ground - mast_h)
            obstruction = np.maximum(obstruction, elevation(px, py) - los)
        level -= np.minimum(35.0, 0.12 * obstruction)
        best = np.maximum(best, level)
    return best


def _write_raster(path: Path, data: np.ndarray, transform: rasterio.Affine, nodata: float) -> None:
    profile = dict(
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype=data.dtype.name,
        crs=WORK_CRS,
        transform=transform,
        nodata=nodata,
        compress="deflate",
        tiled=False,
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def _nkom_adr(counts: pd.DataFrame) -> pd.DataFrame:
    """Nkom's ``adr`` layout as published (``adrid, fylke, komnavn, ertett, hus, pers,
    fritid``) for the same addresses and counts as ``adressebruk.csv``. ``ertett`` follows the
    synthetic tettsted rule of ``adressebruk.csv``: the addresses of the three villages."""
    return pd.DataFrame(
        {
            "adrid": counts["adrid"],
            "fylke": "TRØNDELAG",
            "komnavn": KOMMUNENAVN,
            "ertett": counts["ertett"],
            "hus": counts["hus"],
            "pers": counts["pers"],
            "fritid": counts["fritid"],
        }
    )


MOB_LEVELS_DBM = (-120.0, -110.0, -100.0, -90.0, -80.0)
"""Signal levels (RSRP, dBm) at which :data:`MOB_DOWN_MBPS` gives the modelled download."""
MOB_DOWN_MBPS = {"4g": (10.0, 30.0, 100.0, 150.0, 150.0), "5g": (10.0, 30.0, 100.0, 300.0, 500.0)}
"""Synthetic download model of the ``mob`` rows (Mbit/s at :data:`MOB_LEVELS_DBM`, linear in
between): 30 Mbit/s at -110 dBm (the default outdoor threshold) and 100 Mbit/s at -100 dBm
(the default indoor threshold), so the rows agree with the rasters' classes."""


def _nkom_mob(ids: np.ndarray, level_at: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
    """Nkom's ``mob`` layout (``adrid, tilb, tek, ned``, kbit/s): one row per address,
    operator and technology whose raster cell at the address is at least -120 dBm (the
    default antenna threshold), the download from :data:`MOB_DOWN_MBPS`. No randomness: the
    rows follow from the rasters."""
    parts = []
    for (op, tech), level in level_at.items():
        dbm = level.astype("float64")
        has = dbm >= MOB_LEVELS_DBM[0]
        down = np.interp(dbm[has], MOB_LEVELS_DBM, MOB_DOWN_MBPS[tech])
        parts.append(
            pd.DataFrame(
                {
                    "adrid": ids[has],
                    "tilb": op,
                    "tek": tech,
                    "ned": np.round(down * 1000.0).astype("int64"),
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    return rows.sort_values("adrid", kind="stable").reset_index(drop=True)


def _survey(
    addr: pd.DataFrame, fbb: pd.DataFrame, mobile: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """A Nettskjema-style export: Norwegian headers, free-text addresses, messy answers."""
    n_answers = 320
    candidates = addr[(addr["hus"] > 0) | (addr["fritid"] > 0)]
    weights = np.where(candidates["settlement"].isin(["spredt", "hyttefelt"]), 3.0, 1.0)
    pick = candidates.sample(
        n=n_answers, weights=weights, random_state=np.random.RandomState(rng.integers(2**31))
    )
    best = (
        fbb[fbb["tek"] != "satellitt"]
        .sort_values("ned")
        .groupby("adrid")
        .tail(1)
        .set_index("adrid")
    )
    mob = mobile.set_index("adresseId")

    def messy_street(s: str) -> str:
        r = rng.random()
        if r < 0.15:
            s = s.lower()
        elif r < 0.22:
            s = s.upper()
        if rng.random() < 0.15:
            s = s.replace("vegen", "v.").replace("gata", "gt.")
        if rng.random() < 0.12:
            s = (
                s.replace("ø", "o")
                .replace("å", "aa")
                .replace("æ", "ae")
                .replace("Ø", "O")
                .replace("Å", "Aa")
            )
        if rng.random() < 0.08:
            s = s.replace("vegen", "veien")
        if rng.random() < 0.07 and len(s) > 5:
            # A typo: two neighbouring letters swapped, or one dropped.
            k = int(rng.integers(1, len(s) - 2))
            s = s[:k] + s[k + 1] + s[k] + s[k + 2 :] if rng.random() < 0.5 else s[:k] + s[k + 1 :]
        return s

    rows = []
    tech_words = {
        "fiber": ["Fiber", "fiber", "Fiber (lyslinje)"],
        "kabel": ["Kabel-TV", "kabel"],
        "dsl": ["ADSL/VDSL (telefonlinje)", "adsl", "ADSL/VDSL (telefonlinje)"],
        "ftb": ["Trådløst bredbånd (4G/5G-ruter)", "4G-ruter"],
        None: ["Har ikke bredbånd", "Vet ikke"],
    }
    for i, (_, a) in enumerate(pick.iterrows(), start=1):
        b = best.loc[a["adresseId"]] if a["adresseId"] in best.index else None
        tek = None if b is None else b["tek"]
        # Most answers agree with the operator data; some contradict it (the evidence we look for).
        contradict = rng.random() < 0.12
        if contradict and tek == "fiber":
            tek = "dsl"
        tek_answer = str(rng.choice(tech_words.get(tek, tech_words[None])))
        if b is not None and not contradict:
            measured = float(b["ned"]) / 1000.0 * rng.uniform(0.35, 0.95)
        elif b is not None:
            measured = min(float(b["ned"]) / 1000.0, 25.0) * rng.uniform(0.1, 0.4)
        else:
            measured = rng.uniform(0.5, 8.0)
        r = rng.random()
        if r < 0.06:
            speed_txt = ""
        elif r < 0.09:
            speed_txt = "vet ikke"
        elif r < 0.11:
            speed_txt = f"ca {measured:.0f}"
        elif r < 0.115:
            speed_txt = "50000"  # impossible (typed kbit/s into a Mbit/s field)
        else:
            speed_txt = (
                f"{measured:.1f}".replace(".", ",") if rng.random() < 0.7 else f"{measured:.1f}"
            )
        number = f"{a['number']}{a['letter']}"
        if a["letter"] and rng.random() < 0.5:
            number = f"{a['number']} {a['letter'].lower()}"
        address = f"{messy_street(a['street'])} {number}"
        if rng.random() < 0.1:
            address = "  " + address.replace(" ", "  ", 1) + " "
        if rng.random() < 0.03:
            address = ""
        postnr = a["postnummer"] if rng.random() < 0.85 else ""

        def mobile_answer(op: str, indoor: bool, adr: int = a["adresseId"]) -> str:
            level = max(mob.loc[adr, f"{op}_4g"], mob.loc[adr, f"{op}_5g"])
            thr = -100 if indoor else -110
            if rng.random() < 0.25:
                return "Vet ikke"
            good = level >= thr
            if rng.random() < 0.1:
                good = not good
            return ("God" if level >= thr + 10 else "Svak") if good else "Ingen dekning"

        rows.append(
            {
                "$submission_id": 7_310_000 + i * 7,
                "$created": f"2026-0{int(rng.integers(3, 6))}-{int(rng.integers(10, 28)):02d} {int(rng.integers(8, 22)):02d}:{int(rng.integers(0, 60)):02d}:00",
                "Adresse": address,
                "Postnummer": postnr,
                "Boligtype": "Fritidsbolig/hytte"
                if a["fritid"] > 0
                else ("Helårsbolig" if rng.random() < 0.97 else "hytte"),
                "Hvilken type bredbånd har du i dag?": tek_answer,
                "Hvem leverer bredbåndet ditt?": "" if b is None else str(b["tilb"]),
                "Målt nedlastingshastighet (Mbit/s)": speed_txt,
                "Målt opplastingshastighet (Mbit/s)": ""
                if not speed_txt or not speed_txt[0].isdigit()
                else f"{measured / 8:.1f}".replace(".", ","),
                "Hvor fornøyd er du med bredbåndet? (1-5)": int(rng.integers(1, 6))
                if tek != "fiber"
                else int(rng.integers(3, 6)),
                "Er du interessert i fiber?": str(rng.choice(["Ja", "Ja", "Nei", "Vet ikke", "ja"]))
                if tek != "fiber"
                else "Har allerede fiber",
                "Hvor mye kan du betale i tilknytningsavgift?": str(
                    rng.choice(
                        ["Inntil 5 000 kr", "5 000–15 000 kr", "Over 15 000 kr", "Ingenting", ""]
                    )
                ),
                "Mobildekning innendørs - Telenor": mobile_answer("telenor", True),
                "Mobildekning utendørs - Telenor": mobile_answer("telenor", False),
                "Mobildekning innendørs - Telia": mobile_answer("telia", True),
                "Mobildekning utendørs - Telia": mobile_answer("telia", False),
                "Mobildekning innendørs - Ice": mobile_answer("ice", True),
                "Mobildekning utendørs - Ice": mobile_answer("ice", False),
                "Kommentar": str(
                    rng.choice(
                        [
                            "",
                            "",
                            "",
                            "Ustabilt om kvelden",
                            "Hjemmekontor umulig",
                            "Dekning bare på låven",
                            "Ønsker fiber snarest!",
                        ]
                    )
                ),
            }
        )
    return pd.DataFrame(rows)


def generate(out_dir: str | Path, seed: int = 5099) -> dict[str, Path]:
    """Write the default data set into ``out_dir`` and return the written paths by name.

    Parameters
    ----------
    out_dir
        Target folder (created if missing).
    seed
        Seed of the random generator; the same seed writes the same bytes.
    """
    out = Path(out_dir)
    (out / "mobil").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    boundary = _boundary(rng)
    addr, roads = _address_rows(rng)

    # Keep only addresses inside the boundary (the generator may scatter a few outside).
    cx, cy = CENTRE
    pts = shapely.points(addr["x"].to_numpy() + cx, addr["y"].to_numpy() + cy)
    addr = addr[shapely.contains(boundary, pts)].reset_index(drop=True)
    addr = addr.drop_duplicates(["street", "number", "letter"]).reset_index(drop=True)
    addr["x"] = np.round(addr["x"] + cx, 2)
    addr["y"] = np.round(addr["y"] + cy, 2)
    n = len(addr)
    addr["adresseId"] = 300_000_000 + np.arange(n) * 3 + rng.integers(0, 3, n)
    street_codes = {s: 1000 + 10 * i for i, s in enumerate(sorted(addr["street"].unique()))}

    paths: dict[str, Path] = {}

    # Municipality boundary.
    paths["boundary"] = out / "kommune.geojson"
    gpd.GeoDataFrame(
        {"kommunenummer": [KOMMUNENUMMER], "kommunenavn": ["Fjelldal"], "syntetisk": [True]},
        geometry=[boundary],
        crs=WORK_CRS,
    ).to_file(paths["boundary"], driver="GeoJSON", COORDINATE_PRECISION=1, WRITE_NAME=False)

    # Roads.
    paths["roads"] = out / "veger.geojson"
    gpd.GeoDataFrame(
        {
            "vegnavn": [r[0] for r in roads],
            "vegkategori": [ROAD_ATTRIBUTES.get(r[0], ("K", "", None))[0] for r in roads],
            "vegnummer": [ROAD_ATTRIBUTES.get(r[0], ("K", "", None))[1] for r in roads],
            "adt": [ROAD_ATTRIBUTES.get(r[0], ("K", "", None))[2] for r in roads],
        },
        geometry=[shapely.LineString(np.round(r[1] + np.array([cx, cy]), 1)) for r in roads],
        crs=WORK_CRS,
    ).clip(boundary).explode(ignore_index=True).to_file(
        paths["roads"], driver="GeoJSON", COORDINATE_PRECISION=1, WRITE_NAME=False
    )

    # Address register in Kartverket's CSV layout (matrikkelenVegadresse.csv).
    text = addr["street"] + " " + addr["number"].astype(str) + addr["letter"]
    kv = pd.DataFrame(
        {
            "lokalId": addr["adresseId"],
            "kommunenummer": KOMMUNENUMMER,
            "kommunenavn": KOMMUNENAVN,
            "adressetype": "vegadresse",
            "adressetilleggsnavn": "",
            "adressetilleggsnavnKilde": "",
            "adressekode": addr["street"].map(street_codes),
            "adressenavn": addr["street"],
            "nummer": addr["number"],
            "bokstav": addr["letter"],
            "gardsnummer": addr["gnr"],
            "bruksnummer": addr["bnr"],
            "festenummer": "",
            "undernummer": "",
            "adresseTekst": text,
            "adresseTekstUtenAdressetilleggsnavn": text,
            "EPSG-kode": 25833,
            "Nord": addr["y"].map(lambda v: f"{v:.2f}"),
            "Øst": addr["x"].map(lambda v: f"{v:.2f}"),
            "postnummer": addr["postnummer"],
            "poststed": addr["poststed"],
            "oppdateringsdato": EXTRACT_DATE,
            "datauttaksdato": EXTRACT_DATE,
            "adresseId": addr["adresseId"],
            "uuidAdresse": [
                str(uuid.UUID(int=int(v), version=4)) for v in rng.integers(0, 2**62, n)
            ],
        }
    )
    for col in (
        "atkomstId",
        "uuidAtkomst",
        "atkomstNord",
        "atkomstØst",
        "sommeratkomstId",
        "uuidSommeratkomst",
        "sommeratkomstNord",
        "sommeratkomstØst",
        "vinteratkomstId",
        "uuidVinteratkomst",
        "vinteratkomstNord",
        "vinteratkomstØst",
    ):
        kv[col] = ""
    paths["addresses"] = out / "adresser.csv"
    kv.to_csv(paths["addresses"], sep=";", index=False, lineterminator="\n", encoding="utf-8")

    # Counts per address (Nkom `adr` layout + businesses and public buildings).
    paths["address_counts"] = out / "adressebruk.csv"
    counts = pd.DataFrame(
        {
            "adrid": addr["adresseId"],
            "ertett": addr["settlement"].isin([v.name for v in VILLAGES]),
            "hus": addr["hus"],
            "pers": np.round(addr["hus"] * rng.uniform(1.4, 2.9, n)).astype(int),
            "fritid": addr["fritid"],
            "naering": addr["naering"],
            "offentlig": addr["offentlig"],
        }
    )
    counts.to_csv(paths["address_counts"], sep=";", index=False, lineterminator="\n")
    # The same counts as Nkom publishes `adr` (no businesses, no public buildings).
    paths["nkom_adr"] = out / "nkom_adr.csv"
    _nkom_adr(counts).to_csv(paths["nkom_adr"], sep=";", index=False, lineterminator="\n")

    # Mobile coverage rasters.
    transform, height, width = raster_grid(boundary)
    cols, rows_ = np.meshgrid(np.arange(width), np.arange(height))
    gx, gy = rasterio.transform.xy(transform, rows_, cols)
    gx = np.asarray(gx).reshape(height, width) - cx
    gy = np.asarray(gy).reshape(height, width) - cy
    outside = geometry_mask([boundary.buffer(200)], (height, width), transform)
    mobile_at = pd.DataFrame({"adresseId": addr["adresseId"]})
    cell_rows, cell_cols = rasterio.transform.rowcol(transform, addr["x"], addr["y"])
    level_at: dict[tuple[str, str], np.ndarray] = {}
    for op in OPERATORS:
        for tech in ("4g", "5g"):
            level = np.round(rsrp(gx, gy, op, tech)).astype("int16")
            level[outside] = -32768
            p = out / "mobil" / f"{op}_{tech}.tif"
            _write_raster(p, level, transform, -32768)
            paths[f"mobile_{op}_{tech}"] = p
            level_at[(op, tech)] = level[np.asarray(cell_rows), np.asarray(cell_cols)]
            mobile_at[f"{op}_{tech}"] = rsrp(
                addr["x"].to_numpy() - cx, addr["y"].to_numpy() - cy, op, tech
            )

    # Nkom-style `mob` rows: modelled outdoor download from the raster cell of each address.
    paths["nkom_mob"] = out / "nkom_mob.csv"
    _nkom_mob(addr["adresseId"].to_numpy(), level_at).to_csv(
        paths["nkom_mob"], sep=";", index=False, lineterminator="\n"
    )

    # Terrain.
    dem = np.round(elevation(gx, gy)).astype("int16")
    paths["terrain"] = out / "terreng.tif"
    _write_raster(paths["terrain"], dem, transform, -32768)

    # Ground classes: bare rock (fjell) on the high ground, two bogs (myr) in the valley.
    rock = rasterio.features.shapes(
        (dem > 560).astype("uint8"),
        mask=(dem > 560) & ~outside,
        transform=transform,
        connectivity=4,
    )
    rock_polys = [shapely.geometry.shape(g).simplify(50) for g, _ in rock]
    bogs = [
        shapely.Point(cx + x, cy + float(valley_y(x)) + dy).buffer(r)
        for x, dy, r in ((-6_200.0, -500.0, 450.0), (6_800.0, 600.0, 380.0))
    ]
    ground = gpd.GeoDataFrame(
        {"klasse": ["fjell"] * len(rock_polys) + ["myr"] * len(bogs)},
        geometry=[shapely.set_precision(g, 1.0) for g in rock_polys + bogs],
        crs=WORK_CRS,
    )
    paths["ground"] = out / "grunn.geojson"
    ground.to_file(paths["ground"], driver="GeoJSON", COORDINATE_PRECISION=0, WRITE_NAME=False)

    # Fixed coverage (Nkom address-level layout, kbit/s).
    fbb = _fixed_coverage(addr, mobile_at, rng)
    paths["fixed_coverage"] = out / "nkom_fbb.csv"
    fbb.to_csv(paths["fixed_coverage"], sep=";", index=False, lineterminator="\n")

    # Existing ducts (trekkrør) laid along Dalføret during road works, like NVDB 'Trekkerør/kanal'.
    xs = np.arange(-7_000.0, 3_001.0, 250.0)
    duct = shapely.LineString(np.round(np.column_stack([xs + cx, valley_y(xs) + cy + 6.0]), 1))
    paths["ducts"] = out / "trekkror.geojson"
    gpd.GeoDataFrame(
        {"type": ["Rør"], "materiale": ["Plast"], "byggeaar": [2019], "syntetisk": [True]},
        geometry=[duct],
        crs=WORK_CRS,
    ).to_file(paths["ducts"], driver="GeoJSON", COORDINATE_PRECISION=1, WRITE_NAME=False)

    # Survey export (Nettskjema style: UTF-8 with BOM, ';').
    survey = _survey(addr, fbb, mobile_at, rng)
    paths["survey"] = out / "sporreundersokelse_nettskjema.csv"
    survey.to_csv(
        paths["survey"], sep=";", index=False, lineterminator="\r\n", encoding="utf-8-sig"
    )
    return paths
