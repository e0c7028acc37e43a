"""Public answers built once per run and kept as encoded JSON: a lookup sends bytes.

Every record is validated once against its response model (:mod:`dekning.api.models`) when the
results are loaded, then encoded column-wise by pandas (one JSON line per record).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import TypeAdapter
from scipy.spatial import cKDTree

from dekning.crs import WEB_CRS, require_crs
from dekning.privacy import small_figures, suppress
from dekning.schema import SPEED_CLASS_LABELS, MobileLayer

from .models import AddressHit, AreaCollection, Coverage, StatisticsRow

AREA_PROPERTIES = ("area_id", "hus", "naering", "fritid", "valgt", "aar", "rang")
"""What the public sees of an area: no money, no addresses."""


def norm(text: str) -> str:
    """Search form of a text: NFC, lower case, single spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


def norm_all(texts: pd.Series) -> pd.Series:
    """:func:`norm` of every text, column-wise."""
    folded = texts.astype(str).str.normalize("NFC").str.lower()
    return folded.str.replace(r"\s+", " ", regex=True).str.strip()


COVERAGE_LIST: TypeAdapter[list[Coverage]] = TypeAdapter(list[Coverage])
HIT_LIST: TypeAdapter[list[AddressHit]] = TypeAdapter(list[AddressHit])
STATISTICS_LIST: TypeAdapter[list[StatisticsRow]] = TypeAdapter(list[StatisticsRow])


def json_lines(frame: pd.DataFrame, check: TypeAdapter[Any]) -> list[bytes]:
    """Each row of ``frame`` as one encoded JSON object; all of them checked by ``check``
    (a list of the response model) once."""
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, force_ascii=False)
    lines = [line.encode() for line in text.splitlines()]
    check.validate_json(b"[" + b",".join(lines) + b"]")
    return lines


def _operators_lists(operators: pd.Series) -> pd.Series:
    """``"A, B"`` → ``["A", "B"]``; no operator → ``[]``."""
    text = operators.fillna("").astype(str)
    none: pd.Series = pd.Series([[]] * len(text), index=text.index, dtype=object)
    return text.str.split(", ").mask(text == "", none)


def coverage_records(addresses: gpd.GeoDataFrame, layers: Sequence[MobileLayer]) -> pd.DataFrame:
    """The coverage answer of every address, in register order (the fields of :class:`Coverage`).

    ``mobil`` has one key ``<operator>_<technology>`` per mobile layer of the configuration.
    """
    mobile = pd.DataFrame(
        {f"{m.operator}_{m.technology}": addresses[m.column].astype(int) for m in layers},
        index=addresses.index,
    )
    return pd.DataFrame(
        {
            "adrid": addresses["adrid"].astype("int64"),
            "adressetekst": addresses["adressetekst"].astype(str),
            "avstand_m": None,
            "beste_ned_kbps": addresses["best_down_kbps"].astype("int64"),
            "beste_opp_kbps": addresses["best_up_kbps"].astype("int64"),
            "beste_teknologi": addresses["best_tek"].fillna("").astype(str),
            "hastighetsklasse": addresses["speed_class"].astype(str),
            "hastighetsklasse_tekst": addresses["speed_class"].astype(str).map(SPEED_CLASS_LABELS),
            "tilbydere": _operators_lists(addresses["operators"]),
            "mobil": mobile.to_dict("records") if layers else [{}] * len(addresses),
            "stotteberettiget": addresses["eligible"].astype(bool),
        }
    )


def hit_records(addresses: gpd.GeoDataFrame) -> pd.DataFrame:
    """The search hit of every address, in register order (the fields of :class:`AddressHit`)."""
    web = addresses.geometry.to_crs(WEB_CRS)
    return pd.DataFrame(
        {
            "adrid": addresses["adrid"].astype("int64"),
            "adressetekst": addresses["adressetekst"].astype(str),
            "postnummer": addresses["postnummer"].astype(str),
            "poststed": addresses["poststed"].astype(str),
            "lat": web.y.round(6),
            "lon": web.x.round(6),
        }
    )


AREA_FIGURES = ("hus", "naering", "fritid")
"""Counts of an area the public sees only when they are not small (:func:`areas_json`)."""


def areas_json(areas: gpd.GeoDataFrame, min_count: int) -> bytes:
    """The public areas as a GeoJSON FeatureCollection in EPSG:4326 (checked by
    :class:`AreaCollection`).

    The privacy minimum holds per figure: a count of households, businesses or holiday homes
    under ``min_count`` (:func:`dekning.privacy.is_small`) is null, and so is every count of an
    area with fewer than ``min_count`` addresses; ``skjult`` says whether any was hidden.

    Raises
    ------
    InputError
        ``areas`` is not in EPSG:25833.
    """
    require_crs(areas, "omrader.gpkg")
    public = areas[[*AREA_PROPERTIES, "geometry"]].to_crs(WEB_CRS)
    small = small_figures(areas, "adresser", min_count, AREA_FIGURES)
    for name in AREA_FIGURES:
        public[name] = public[name].astype("Int64").mask(small[name])
    public["skjult"] = small.any(axis=1)
    text = public.to_json(drop_id=True, ensure_ascii=False)
    return AreaCollection.model_validate_json(text).model_dump_json().encode()


def statistics_json(table: pd.DataFrame, key: str, min_count: int) -> bytes:
    """Rows of one grouping with :func:`dekning.privacy.suppress` applied (figures of groups
    under ``min_count`` addresses are null, integers stay integers). For build-out areas
    (``key`` ``omrade``) the rule of :func:`areas_json` holds too: each small household,
    business or holiday-home count is null, and ``skjult`` says whether anything was hidden."""
    shown = suppress(table, "adresser", min_count, keep=[key])
    if key == "omrade":
        small = small_figures(table, "adresser", min_count, AREA_FIGURES)
        for name in AREA_FIGURES:
            shown[name] = shown[name].mask(small[name])
        shown["skjult"] = small.any(axis=1)
    text = shown.to_json(orient="records", force_ascii=False)
    STATISTICS_LIST.validate_json(text)
    return text.encode()


@dataclass(frozen=True)
class Lookup:
    """Pre-encoded address lookups: search, coverage by id and at a point."""

    search_keys: np.ndarray
    """``adressetekst postnummer`` of every address in search form (:func:`norm`)."""
    by_id: dict[int, int]
    """adrid → position."""
    tree: cKDTree
    """Address points (EPSG:25833)."""
    coverage: list[bytes]
    hits: list[bytes]

    @classmethod
    def build(cls, addresses: gpd.GeoDataFrame, layers: Sequence[MobileLayer]) -> Lookup:
        """Encode every address's answers once.

        Raises
        ------
        InputError
            ``addresses`` is not in EPSG:25833.
        """
        require_crs(addresses, "adresser_klassifisert.gpkg")
        keys = norm_all(
            addresses["adressetekst"].astype(str) + " " + addresses["postnummer"].astype(str)
        )
        ids = addresses["adrid"].to_numpy(dtype="int64").tolist()
        return cls(
            search_keys=keys.to_numpy(dtype=str),
            by_id=dict(zip(ids, range(len(ids)), strict=True)),
            tree=cKDTree(np.column_stack([addresses.geometry.x, addresses.geometry.y])),
            coverage=json_lines(coverage_records(addresses, layers), COVERAGE_LIST),
            hits=json_lines(hit_records(addresses), HIT_LIST),
        )

    def search(self, query: str, limit: int) -> bytes:
        """A JSON array of the first ``limit`` hits whose search key contains ``query``."""
        found = np.flatnonzero(np.char.find(self.search_keys, norm(query)) >= 0)[:limit]
        return b"[" + b",".join(self.hits[i] for i in found) + b"]"
