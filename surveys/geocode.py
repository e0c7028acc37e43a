"""Geocode free-text survey addresses against the address register.

Both the answers and the register are normalised the same way: case, whitespace, æ/ø/å and their
ASCII spellings (ae/oe/aa, o/a), street-type abbreviations (gt./gate/gata, v./vei/veg/vegen/veien),
house letters ("12B", "12 b"). The exact (street, number, letter, postnummer) key is tried first;
then the street name is matched fuzzily (rapidfuzz) among the streets of the same postnummer (or
the whole register when no postnummer is given) and the number/letter looked up there.
Coordinates given directly are checked against the municipality and snapped to the nearest
address within ``snap_m`` metres.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from dekning.crs import WORK_CRS

_SUFFIXES = (
    (re.compile(r"(gata|gate|gt\.?|gt)$"), "gata"),
    (re.compile(r"(vegen|veien|vegn|veg|vei|vn\.?|v\.)$"), "vegen"),
)
_ADDRESS = re.compile(
    r"^(?P<street>.*?\D)\s*(?P<number>\d+)\s*(?P<letter>[a-zæøå])?\s*$", re.IGNORECASE
)


def fold(text: str) -> str:
    """Lower-case, Unicode-normalised, æ/ø/å and their ASCII spellings folded to plain letters."""
    t = unicodedata.normalize("NFC", str(text)).lower().strip()
    t = t.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    t = t.replace("aa", "a").replace("oe", "o")
    t = re.sub(r"[^\w. ]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def normalise_street(name: str) -> str:
    """Canonical street name: folded, with the street-type suffix written one way."""
    t = fold(name).replace(" .", ".")
    for pattern, canonical in _SUFFIXES:
        t = pattern.sub(canonical, t)
    return t.rstrip(". ")


def split_address(text: str) -> tuple[str, str, str, str]:
    """``"Storgt. 12 b, 7395 Fjelldal"`` → (street, number, letter, postnummer); parts may be empty."""
    t = str(text).strip()
    post = ""
    m = re.search(r",?\s*(\d{4})\s+[^\d,]*$", t)
    if m:
        post = m.group(1)
        t = t[: m.start()]
    t = re.sub(r",.*$", "", t).strip()
    m = _ADDRESS.match(t)
    if not m:
        return normalise_street(t), "", "", post
    letter = (m.group("letter") or "").upper()
    return normalise_street(m.group("street")), m.group("number"), letter, post


@dataclass
class GeocodeResult:
    """Answers with ``adrid`` (-1 when unmatched), ``match`` (exact, fuzzy, coordinates,
    unmatched, outside) and ``score`` (0-100), plus the match rate."""

    answers: pd.DataFrame
    match_rate: float
    unmatched: pd.DataFrame


def geocode(
    answers: pd.DataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    boundary: shapely.Geometry | None = None,
    min_score: float = 85.0,
    snap_m: float = 100.0,
) -> GeocodeResult:
    """Match survey answers to address ids.

    Parameters
    ----------
    answers
        Validated answers (``address``, ``postnummer``; optional ``lat``/``lon`` in EPSG:4326).
    addresses
        Address register (``adrid``, ``adressenavn``, ``nummer``, ``bokstav``, ``postnummer``),
        EPSG:25833.
    boundary
        Municipality polygon (EPSG:25833); coordinates outside it are not matched.
    min_score
        Lowest fuzzy street-name score (0-100) that counts as a match.
    snap_m
        Coordinates match the nearest address within this distance (metres).
    """
    reg = pd.DataFrame(
        {
            "adrid": addresses["adrid"].to_numpy(),
            "street": [normalise_street(s) for s in addresses["adressenavn"].astype(str)],
            "number": addresses["nummer"].astype(str).str.strip().to_numpy(),
            "letter": addresses["bokstav"].astype(str).str.strip().str.upper().to_numpy(),
            "post": addresses["postnummer"].astype(str).to_numpy(),
        }
    )
    exact = {(s, n, b, p): a for a, s, n, b, p in reg.itertuples(index=False)}
    by_street = {(s, n, b): a for a, s, n, b, _ in reg.itertuples(index=False)}
    streets_by_post = reg.groupby("post")["street"].unique().to_dict()
    all_streets = reg["street"].unique()

    parts = [split_address(a) for a in answers["address"].astype(str)]
    adrid = np.full(len(answers), -1, dtype="int64")
    how = np.array(["unmatched"] * len(answers), dtype=object)
    score = np.zeros(len(answers))
    posts = answers["postnummer"].astype(str).to_numpy()
    for i, (street, number, letter, post_in_text) in enumerate(parts):  # a few hundred answers
        if not street or not number:
            continue
        post = posts[i] or post_in_text
        for lt in dict.fromkeys((letter, "")):
            hit = (
                exact.get((street, number, lt, post))
                if post
                else by_street.get((street, number, lt))
            )
            if hit is not None:
                adrid[i], how[i], score[i] = hit, "exact", 100.0
                break
        if adrid[i] >= 0:
            continue
        candidates = streets_by_post.get(post, all_streets) if post else all_streets
        best = process.extractOne(
            street, list(candidates), scorer=fuzz.WRatio, score_cutoff=min_score
        )
        if best is None:
            continue
        for lt in dict.fromkeys((letter, "")):
            hit = by_street.get((best[0], number, lt))
            if hit is not None:
                adrid[i], how[i], score[i] = hit, "fuzzy", round(float(best[1]), 1)
                break

    if {"lat", "lon"} <= set(answers.columns):
        coords = answers["lat"].notna().to_numpy() & answers["lon"].notna().to_numpy() & (adrid < 0)
        if coords.any():
            x, y = Transformer.from_crs(4326, WORK_CRS, always_xy=True).transform(
                answers.loc[coords, "lon"].to_numpy(), answers.loc[coords, "lat"].to_numpy()
            )
            idx = np.flatnonzero(coords)
            inside = (
                np.ones(len(idx), dtype=bool)
                if boundary is None
                else shapely.contains_xy(boundary, x, y)
            )
            how[idx[~inside]] = "outside"
            tree = cKDTree(np.column_stack([addresses.geometry.x, addresses.geometry.y]))
            dist, near = tree.query(np.column_stack([x, y]))
            ok = inside & (dist <= snap_m)
            adrid[idx[ok]] = addresses["adrid"].to_numpy()[near[ok]]
            how[idx[ok]] = "coordinates"
            score[idx[ok]] = np.round(100 * (1 - dist[ok] / snap_m), 1)

    out = answers.copy()
    out["adrid"] = adrid
    out["match"] = how
    out["score"] = score
    matched = adrid >= 0
    rate = float(matched.mean()) if len(out) else 0.0
    return GeocodeResult(out, rate, out.loc[~matched, ["row", "address", "postnummer", "match"]])
