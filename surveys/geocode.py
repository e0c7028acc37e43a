"""Geocode free-text survey addresses against the address register.

Both the answers and the register are normalised the same way: case, whitespace, æ/ø/å and their
ASCII spellings (ae/oe/aa, o/a), street-type abbreviations (gt./gate/gata, v./vei/veg/vegen/veien),
house letters ("12B", "12 b"). The exact (street, number, letter, postnummer) key is tried first;
then the street name is matched fuzzily (rapidfuzz) among the streets of the same postnummer (or
the whole register when no postnummer is given) and the number/letter looked up there.
Coordinates given directly are checked against the municipality and snapped to the nearest
address within ``snap_m`` metres.

The register side (normalised keys, streets per postnummer, the KD-tree of coordinates) is an
:class:`AddressIndex`, built once per address register: the API keeps one for every submitted
answer; :func:`geocode` builds one for a single batch.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from dekning.crs import WEB_CRS, WORK_CRS, require_crs

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


@lru_cache(maxsize=1 << 16)
def normalise_street(name: str) -> str:
    """Canonical street name: folded, with the street-type suffix written one way. Cached: a
    municipality has a few hundred streets and a hundred thousand addresses on them."""
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


_TO_WORK = Transformer.from_crs(WEB_CRS, WORK_CRS, always_xy=True)
Match = tuple[int, str, float]
"""(adrid, how, score) of one answer."""
_UNMATCHED: Match = (-1, "unmatched", 0.0)


@dataclass(frozen=True)
class AddressIndex:
    """The register side of geocoding, built once per address register.

    Build it with :meth:`build`; :meth:`geocode` then matches any number of batches of answers
    without touching the register again.
    """

    adrid: np.ndarray
    """Address ids in register order (int64)."""
    exact: dict[tuple[str, str, str, str], int]
    """(street, number, letter, postnummer) → adrid; the later address wins a duplicate key."""
    by_street: dict[tuple[str, str, str], int]
    """(street, number, letter) → adrid, for answers without a postnummer."""
    streets_by_post: dict[str, list[str]]
    """The normalised street names of each postnummer, in register order (fuzzy candidates)."""
    all_streets: list[str]
    """Every normalised street name, in register order."""
    tree: cKDTree
    """KD-tree of the address points (EPSG:25833), for answers given as coordinates."""

    @classmethod
    def build(cls, addresses: gpd.GeoDataFrame) -> AddressIndex:
        """Index an address register.

        Parameters
        ----------
        addresses
            Address register (``adrid``, ``adressenavn``, ``nummer``, ``bokstav``,
            ``postnummer``, point geometry), EPSG:25833.

        Raises
        ------
        InputError
            The register is not in EPSG:25833.
        """
        require_crs(addresses, "address register")
        names = addresses["adressenavn"].astype(str)
        codes, uniques = pd.factorize(names, use_na_sentinel=False)
        # each distinct street name is normalised once, not once per address
        street = np.asarray([normalise_street(u) for u in uniques], dtype=object)[codes]
        number = addresses["nummer"].astype(str).str.strip().to_numpy()
        letter = addresses["bokstav"].astype(str).str.strip().str.upper().to_numpy()
        post = addresses["postnummer"].astype(str).to_numpy()
        adrid = addresses["adrid"].to_numpy(dtype="int64")
        ids = adrid.tolist()
        by_post = pd.Series(street).groupby(post, sort=False).unique()
        return cls(
            adrid=adrid,
            exact=dict(zip(zip(street, number, letter, post, strict=True), ids, strict=True)),
            by_street=dict(zip(zip(street, number, letter, strict=True), ids, strict=True)),
            streets_by_post={str(p): list(s) for p, s in by_post.items()},
            all_streets=list(pd.unique(street)),
            tree=cKDTree(np.column_stack([addresses.geometry.x, addresses.geometry.y])),
        )

    def _exact(self, street: str, number: str, letter: str, post: str) -> int | None:
        for lt in dict.fromkeys((letter, "")):  # an unknown letter falls back to the number
            hit = (
                self.exact.get((street, number, lt, post))
                if post
                else self.by_street.get((street, number, lt))
            )
            if hit is not None:
                return hit
        return None

    def _fuzzy(
        self, street: str, number: str, letter: str, post: str, min_score: float
    ) -> tuple[int, float] | None:
        candidates = self.streets_by_post.get(post, self.all_streets) if post else self.all_streets
        best = process.extractOne(street, candidates, scorer=fuzz.WRatio, score_cutoff=min_score)
        if best is None:
            return None
        for lt in dict.fromkeys((letter, "")):
            hit = self.by_street.get((best[0], number, lt))
            if hit is not None:
                return hit, round(float(best[1]), 1)
        return None

    def match_text(self, text: str, post: str, min_score: float = 85.0) -> Match:
        """Match one free-text address (``post`` may be empty: then the text's own postnummer,
        if any, or the whole register is used)."""
        street, number, letter, post_in_text = split_address(text)
        if not street or not number:
            return _UNMATCHED
        post = post or post_in_text
        hit = self._exact(street, number, letter, post)
        if hit is not None:
            return hit, "exact", 100.0
        fuzzy = self._fuzzy(street, number, letter, post, min_score)
        return _UNMATCHED if fuzzy is None else (fuzzy[0], "fuzzy", fuzzy[1])

    def _snap(
        self,
        answers: pd.DataFrame,
        todo: np.ndarray,
        boundary: shapely.Geometry | None,
        snap_m: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coordinates of the answers ``todo`` (boolean mask) → (adrid, how, score) of those."""
        x, y = _TO_WORK.transform(
            answers.loc[todo, "lon"].to_numpy(), answers.loc[todo, "lat"].to_numpy()
        )
        finite = np.isfinite(x) & np.isfinite(y)  # impossible coordinates project to inf
        x, y = np.where(finite, x, 0.0), np.where(finite, y, 0.0)
        inside = finite & (
            np.ones(len(x), dtype=bool) if boundary is None else shapely.contains_xy(boundary, x, y)
        )
        dist, near = self.tree.query(np.column_stack([x, y]))
        ok = inside & (dist <= snap_m)
        adrid = np.where(ok, self.adrid[np.minimum(near, len(self.adrid) - 1)], -1)
        how = np.where(ok, "coordinates", np.where(inside, "unmatched", "outside")).astype(object)
        score = np.where(ok, np.round(100 * (1 - dist / snap_m), 1), 0.0)
        return adrid, how, score

    def geocode(
        self,
        answers: pd.DataFrame,
        *,
        boundary: shapely.Geometry | None = None,
        min_score: float = 85.0,
        snap_m: float = 100.0,
    ) -> GeocodeResult:
        """Match survey answers to address ids (see :func:`geocode` for the parameters)."""
        posts = answers["postnummer"].astype(str).to_numpy()
        texts = answers["address"].astype(str).to_numpy()
        found = [self.match_text(t, p, min_score) for t, p in zip(texts, posts, strict=True)]
        adrid = np.array([f[0] for f in found], dtype="int64")
        how = np.array([f[1] for f in found], dtype=object)
        score = np.array([f[2] for f in found], dtype="float64")
        if {"lat", "lon"} <= set(answers.columns):
            todo = answers["lat"].notna().to_numpy() & answers["lon"].notna().to_numpy()
            todo &= adrid < 0
            if todo.any():
                adrid[todo], how[todo], score[todo] = self._snap(answers, todo, boundary, snap_m)
        out = answers.copy()
        out["adrid"] = adrid
        out["match"] = how
        out["score"] = score
        matched = adrid >= 0
        rate = float(matched.mean()) if len(out) else 0.0
        unmatched = out.loc[~matched, ["row", "address", "postnummer", "match"]]
        return GeocodeResult(out, rate, unmatched)


def geocode(
    answers: pd.DataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    boundary: shapely.Geometry | None = None,
    min_score: float = 85.0,
    snap_m: float = 100.0,
) -> GeocodeResult:
    """Match survey answers to address ids.

    Builds an :class:`AddressIndex` of ``addresses`` for this one batch; to geocode many
    batches against one register, build the index once and call :meth:`AddressIndex.geocode`.

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

    Raises
    ------
    InputError
        The register is not in EPSG:25833.
    """
    index = AddressIndex.build(addresses)
    return index.geocode(answers, boundary=boundary, min_score=min_score, snap_m=snap_m)
