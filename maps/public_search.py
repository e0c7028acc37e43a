"""The public map's address search: the offline index of addresses and the search box.

Addresses are matched as the survey geocoder (:mod:`dekning.surveys.geocode`) matches them:
case, æ/ø/å and their ASCII spellings folded, street-type abbreviations written one way
(``storgt`` → ``storgata``, ``stolsveien`` → ``stolsvegen``). The register side is normalised here
with the geocoder's own functions; the query is normalised in the browser by :data:`NORMALISE_JS`,
the same rules in JavaScript (a browser test checks that both give the same keys). When nothing
matches, street names are compared fuzzily (a similarity of at least 80 of 100, as rapidfuzz's
``ratio``).

Every text from the input is embedded as :func:`~dekning.textsafe.script_json` and shown with
``textContent`` only: an address is never parsed as HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import reduce
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.maps.layers import MOBILE_WORDS, operator_label, web_frame
from dekning.schema import (
    SPEED_CLASS_LABELS,
    TECHNOLOGY_WORDS,
    MobileLayer,
    operator_column,
    operators,
    require,
)
from dekning.surveys.geocode import split_address

ADDRESS_COLUMNS = ("adressetekst", "postnummer", "speed_class", "operators", "best_tek", "area_id")
"""Columns of the classified addresses the address search reads (with each operator's
:func:`~dekning.schema.operator_column`)."""
ADDRESSES = "classified addresses (public map)"
ENTRY_FIELDS = (
    "tekst",
    "postnummer",
    "lat",
    "lon",
    "fast",
    "mobil",
    "nokkel",
    "lenke",
    "omrade",
    "tilbydere",
    "teknologi",
)
"""The fields of one search entry, in order (see :func:`address_index`)."""
CODED_FIELDS = ("fast", "mobil", "omrade", "tilbydere", "teknologi")
"""Fields sent as a number into a table of their distinct texts (few texts, many addresses)."""


def search_keys(texts: Iterable[object], postnummer: Iterable[object]) -> list[str]:
    """``street|number+letter|postnummer`` of each address, the street normalised by
    :func:`dekning.surveys.geocode.split_address` (``"Storgt. 12 B"`` → ``storgata|12b|…``)."""
    keys = []
    for text, post in zip(texts, postnummer, strict=True):
        street, number, letter, _ = split_address(str(text))
        keys.append(f"{street}|{number}{letter.lower()}|{post}")
    return keys


def share_ids(keys: pd.Series) -> pd.Series:
    """Ids for ``#adresse=<id>`` links: the search key (:func:`search_keys`) in ``a-z 0-9 -``
    (``storgata|1|7395`` → ``storgata-1-7395``), ``-2``, ``-3`` … on repeats. They are made of
    the address only, never of the register's address id."""
    ids = keys.str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-").astype(object)
    nth = ids.groupby(ids).cumcount()
    return ids.where(nth == 0, ids + "-" + (nth + 1).astype(str))


def entries(index: dict[str, Any]) -> list[dict[str, object]]:
    """The search entries of an :func:`address_index` as dicts, coded fields looked up and the
    share id filled in (what the page's script works with)."""
    tables, out = index["tabeller"], []
    for row in index["rader"]:
        entry = dict(zip(ENTRY_FIELDS, row, strict=True))
        entry.update({f: tables[f][entry[f]] for f in CODED_FIELDS})
        entry["lenke"] = entry["lenke"] or share_ids(pd.Series([entry["nokkel"]])).iloc[0]
        out.append(entry)
    return out


def address_index(
    classified: gpd.GeoDataFrame,
    mobile_layers: Sequence[MobileLayer] = (),
    planned_areas: Iterable[str] = (),
) -> dict[str, Any]:
    """Search entries, one per address (``rader``), with the fields of :data:`ENTRY_FIELDS`:
    address text, postnummer, lat, lon, speed label, mobile words, search key
    (:func:`search_keys`), share id (:func:`share_ids`; empty when it is the search key's), the
    planned build-out area the address is in (empty when none), operators with a fixed offer
    and the words for the best offer's technology. Fields of :data:`CODED_FIELDS` are numbers
    into ``tabeller[field]``; :func:`entries` decodes.

    Coverage per address is what operators publish (Nkom's map shows it too); household
    counts, address ids and survey answers are left out.

    Parameters
    ----------
    classified
        Classified addresses (EPSG:25833).
    mobile_layers
        The run's mobile layers: each operator's best class is shown.
    planned_areas
        Ids of the chosen build-out areas; an address in another area shows none.

    Raises
    ------
    InputError
        When ``classified`` is not in EPSG:25833 or lacks a column the search reads.
    """
    web = web_frame(classified, ADDRESSES)
    ops = operators(mobile_layers)
    require(web, [*ADDRESS_COLUMNS, *map(operator_column, ops)], ADDRESSES)
    parts = [operator_label(op) + ": " + web[operator_column(op)].map(MOBILE_WORDS) for op in ops]
    tekst = web["adressetekst"].astype(str)
    post = web["postnummer"].astype(str)
    area = web["area_id"].fillna("").astype(str)
    tek = web["best_tek"].fillna("").astype(str)
    table = pd.DataFrame(
        {
            "tekst": tekst,
            "postnummer": post,
            "lat": np.round(web.geometry.y.to_numpy(), 5),
            "lon": np.round(web.geometry.x.to_numpy(), 5),
            "fast": web["speed_class"].map(SPEED_CLASS_LABELS),
            "mobil": reduce(lambda a, b: a + "; " + b, parts) if parts else "",
            "nokkel": search_keys(tekst, post),
            "omrade": area.where(area.isin(list(planned_areas)), ""),
            "tilbydere": web["operators"].fillna("").astype(str),
            "teknologi": tek.map(lambda t: TECHNOLOGY_WORDS.get(t, t)),
        }
    )
    plain = table["nokkel"].str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")
    ids = share_ids(table["nokkel"])
    table["lenke"] = ids.where(ids != plain, "")
    tables = {}
    for field in CODED_FIELDS:
        codes, texts = pd.factorize(table[field])
        table[field], tables[field] = codes, texts.tolist()
    return {"tabeller": tables, "rader": table[list(ENTRY_FIELDS)].to_numpy(dtype=object).tolist()}


NORMALISE_JS = r"""
  var fold = function(s) {
    s = String(s).normalize('NFC').toLowerCase().trim();
    s = s.replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/å/g, 'a');
    s = s.replace(/aa/g, 'a').replace(/oe/g, 'o');
    return s.replace(/[^\p{L}\p{N}_. ]/gu, ' ').replace(/\s+/g, ' ').trim();
  };
  var SUFFIXES = [[/(gata|gate|gt\.?|gt)$/, 'gata'], [/(vegen|veien|vegn|veg|vei|vn\.?|v\.)$/, 'vegen']];
  var normaliseStreet = function(name) {
    var t = fold(name).replace(/ \./g, '.');
    SUFFIXES.forEach(function(p) { t = t.replace(p[0], p[1]); });
    return t.replace(/[. ]+$/, '');
  };
  var parse = function(text) {
    var words = fold(text).split(' '), i = 0, street = [], num = '';
    while (i < words.length && !/^\d/.test(words[i])) { street.push(words[i]); i++; }
    if (i < words.length) {
      num = words[i].replace(/\.$/, ''); i++;
      if (/^\d+$/.test(num) && /^[a-z]$/.test(words[i] || '')) { num += words[i]; i++; }
    }
    return {street: normaliseStreet(street.join(' ')), num: num, rest: words.slice(i).join(' ')};
  };
  var ratio = function(a, b) {
    if (!a.length || !b.length) { return 0; }
    var prev = new Array(b.length + 1).fill(0);
    for (var i = 1; i <= a.length; i++) {
      var cur = [0];
      for (var j = 1; j <= b.length; j++) {
        cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      prev = cur;
    }
    return 200 * prev[b.length] / (a.length + b.length);
  };
  window.dekningSearch = {fold: fold, normaliseStreet: normaliseStreet, parse: parse, ratio: ratio};
"""
"""The query side of :func:`search_keys` in JavaScript: :func:`~dekning.surveys.geocode.fold`,
:func:`~dekning.surveys.geocode.normalise_street`, the split into street, number (+ letter) and
the rest, and rapidfuzz's ``ratio`` (indel similarity, 0–100)."""

FIND_JS = r"""
  var slug = function(key) { return key.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, ''); };
  data = data.rader.map(function(row) {
    var r = row.slice();
    Object.keys(data.tabeller).forEach(function(f) { r[F[f]] = data.tabeller[f][r[F[f]]]; });
    r[F.lenke] = r[F.lenke] || slug(r[F.nokkel]);
    return r;
  });
  var rows = data.map(function(r) {
    var k = r[F.nokkel].split('|');
    return {r: r, street: k[0], num: k[1], post: k[2], plain: fold(r[F.tekst] + ' ' + r[F.postnummer])};
  });
  var streets = Array.from(new Set(rows.map(function(x) { return x.street; })));
  var fits = function(x, q) {
    var p = q.rest.split(' ')[0];
    return (!q.num || x.num.indexOf(q.num) === 0) && (!/^\d/.test(p) || x.post.indexOf(p) === 0);
  };
  var find = function(text) {
    var q = parse(text), plain = fold(text), hits = [];
    rows.forEach(function(x) {
      var at = x.street.indexOf(q.street);
      if (at !== -1 && fits(x, q)) { hits.push([(at === 0 ? 0 : 2) + (x.num === q.num ? 0 : 1), x.r]); }
      else if (x.plain.indexOf(plain) !== -1) { hits.push([4, x.r]); }
    });
    if (!hits.length && q.street.length >= 4) {
      var near = {};
      streets.forEach(function(s) {
        var v = Math.max(ratio(q.street, s), ratio(q.street, s.slice(0, q.street.length)));
        if (v >= 80) { near[s] = v; }
      });
      rows.forEach(function(x) {
        if (near[x.street] && fits(x, q)) { hits.push([200 - near[x.street] + (x.num === q.num ? 0 : 1), x.r]); }
      });
    }
    hits.sort(function(a, b) { return a[0] - b[0]; });
    return hits.slice(0, 8).map(function(h) { return h[1]; });
  };
"""
"""Matching in the browser: the street contains the query's street (from its start ranks first),
the number starts with the query's, a postnummer in the query must fit; or the folded address
text and postnummer contain the folded query; without a hit, streets at least 80 % alike. At most 8 results, the exact number first, then register order."""
