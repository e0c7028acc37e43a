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

import re
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.maps.layers import operator_label, web_frame
from dekning.maps.public_text import DEFAULT_LANGUAGE, TEXT
from dekning.schema import (
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
INDEX_ID = "dekning-adresser"
"""Id of the ``<script type="application/json">`` element that holds the index in the page
(``dekning serve`` empties it and searches through ``GET /v1/adresser/sok`` instead)."""
INDEX_VERSION = 3
"""3: a share id that is not in ``lenke`` is the search key's :func:`slug`, with ``-n`` for the
n-th address of the same slug (as :func:`share_ids` makes them); 2: the slug alone."""
PROFILE_FIELDS = ("klasse", "mobil", "tilbydere", "teknologi", "omrade")
"""What an address shows besides its text and place, as codes (one profile shared by the many
addresses that show the same): speed class code, mobile class per operator (in the order of
``operatorer``), operators with a fixed offer, the best offer's technology code (Nkom's), the
planned build-out area (empty when none)."""
OPEN_COLUMN = "utfordring_apen"
"""Column of the classified addresses (optional): an undecided challenge of the operator data
at the address. The index carries it as a flag, nothing else of the challenge."""
_NUMBER = re.compile(r"^(.*?)(?: (\d.*))?$", re.DOTALL)


def search_keys(texts: Iterable[object], postnummer: Iterable[object]) -> list[str]:
    """``street|number+letter|postnummer`` of each address, the street normalised by
    :func:`dekning.surveys.geocode.split_address` (``"Storgt. 12 B"`` → ``storgata|12b|…``)."""
    keys = []
    for text, post in zip(texts, postnummer, strict=True):
        street, number, letter, _ = split_address(str(text))
        keys.append(f"{street}|{number}{letter.lower()}|{post}")
    return keys


def slug(key: str) -> str:
    """A search key in ``a-z 0-9 -`` (``storgata|1|7395`` → ``storgata-1-7395``)."""
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-")


def share_ids(keys: pd.Series) -> pd.Series:
    """Ids for ``#adresse=<id>`` links: the search key (:func:`search_keys`) as a :func:`slug`,
    ``-2``, ``-3`` … on repeats. They are made of the address only, never of the register's
    address id."""
    ids = keys.map(slug).astype(object)
    nth = ids.groupby(ids).cumcount()
    return ids.where(nth == 0, ids + "-" + (nth + 1).astype(str))


def _compact_number(rest: str) -> str | int:
    """A house number as a JSON number when that gives back the same text (``"5"`` → 5)."""
    return int(rest) if rest.isdigit() and str(int(rest)) == rest else rest


def records(index: dict[str, Any]) -> list[dict[str, Any]]:
    """The addresses of an :func:`address_index`, decoded as the page decodes them: ``tekst``,
    ``postnummer``, ``lat``, ``lon``, ``nokkel`` (:func:`search_keys`), ``lenke``
    (:func:`share_ids`), the codes of :data:`PROFILE_FIELDS` (``mobil`` as
    ``[{"operator", "klasse"}, …]``) and ``utfordring`` (an open challenge at the address)."""
    streets, posts, profiles = index["gater"], index["post"], index["profiler"]
    flags = index.get("utfordring") or [0] * len(index["gate"])
    lat, lon = index["start"]
    numbered = index.get("versjon", 2) >= 3
    seen: dict[str, int] = {}
    out = []
    for i, (g, rest, p, dlat, dlon, prof) in enumerate(
        zip(*(index[c] for c in ("gate", "rest", "postnr", "dlat", "dlon", "profil")), strict=True)
    ):
        lat, lon = lat + dlat, lon + dlon
        prefix, key = streets[g]
        rest = str(rest)
        tekst = index["tekst"].get(str(i), f"{prefix} {rest}" if rest else prefix)
        number = index["nr"].get(str(i), re.sub(r"\s+", "", rest).lower())
        nokkel = f"{key}|{number}|{posts[p]}"
        link = slug(nokkel)
        seen[link] = nth = seen.get(link, 0) + 1
        if numbered and nth > 1:
            link = f"{link}-{nth}"
        klasse, mobil, tilbydere, teknologi, omrade = profiles[prof]
        out.append(
            {
                "tekst": tekst,
                "postnummer": posts[p],
                "lat": lat / 1e5,
                "lon": lon / 1e5,
                "nokkel": nokkel,
                "lenke": index["lenke"].get(str(i), link),
                "klasse": klasse,
                "mobil": [
                    {"operator": op, "klasse": c}
                    for op, c in zip(index["operatorer"], mobil, strict=True)
                ],
                "tilbydere": tilbydere,
                "teknologi": teknologi,
                "omrade": omrade,
                "utfordring": bool(flags[i]),
            }
        )
    return out


def entries(index: dict[str, Any], lang: str = DEFAULT_LANGUAGE) -> list[dict[str, object]]:
    """The addresses of an :func:`address_index` as the answer shows them in ``lang``: the
    :func:`records` with ``fast`` (the speed class), ``mobil`` (``Operator: words; …``) and
    ``teknologi`` in words."""
    words = TEXT[lang]
    out: list[dict[str, object]] = []
    for r in records(index):
        mobil = "; ".join(m["operator"] + ": " + words[f"mobil.{m['klasse']}"] for m in r["mobil"])
        tek = r["teknologi"]
        out.append(
            {
                **r,
                "fast": words[f"klasse.{r['klasse']}"],
                "mobil": mobil,
                "teknologi": words.get(f"tek.{tek}", tek),
            }
        )
    return out


def address_index(
    classified: gpd.GeoDataFrame,
    mobile_layers: Sequence[MobileLayer] = (),
    planned_areas: Iterable[str] = (),
) -> dict[str, Any]:
    """The search index of the public map, in columns (a few bytes per address):

    - ``gater``: ``[text before the house number, normalised street]`` pairs, each once;
      ``post``: the postnummer, each once; ``operatorer``: the mobile operators' names;
      ``profiler``: the distinct :data:`PROFILE_FIELDS` values;
    - per address, in the register's order: ``gate``, ``postnr`` and ``profil`` (numbers into
      those tables), ``rest`` (the house number and letter, a number when it is only digits),
      ``dlat``/``dlon`` (the position in 1/100 000 degree, about 1 m, as the step from the
      address before; the first from ``start``);
    - exceptions by address number: ``tekst`` (a text that is not ``gate rest``), ``nr`` (a
      search number that is not ``rest`` without spaces, lower case), ``lenke`` (a share id
      that is not the search key's :func:`slug`: repeats);
    - ``utfordring``, only when some address has an open challenge (:data:`OPEN_COLUMN`):
      per address 1 when it has one, else 0. Nothing else of a challenge is published.

    :func:`records` decodes it (as the page's script does). Coverage per address is what
    operators publish (Nkom's map shows it too); household counts, address ids and survey
    answers are left out.

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
    tekst = web["adressetekst"].astype(str)
    post = web["postnummer"].astype(str)
    keys = pd.Series(search_keys(tekst, post), index=web.index, dtype=object)
    street_key = [k.split("|")[0] for k in keys]
    number = pd.Series([k.split("|")[1] for k in keys], index=web.index, dtype=object)
    split = tekst.str.extract(_NUMBER).fillna("")
    prefix, rest = split[0], split[1]
    street_codes, streets = pd.factorize(
        pd.Series(list(zip(prefix, street_key, strict=True)), dtype=object)
    )
    post_codes, posts = pd.factorize(post)
    area = web["area_id"].fillna("").astype(str)
    mobile = (
        list(zip(*(web[operator_column(op)].astype(int) for op in ops), strict=True))
        if ops
        else [()] * len(web)
    )
    profile = pd.Series(
        list(
            zip(
                web["speed_class"].astype(str),
                mobile,
                web["operators"].fillna("").astype(str),
                web["best_tek"].fillna("").astype(str),
                area.where(area.isin(list(planned_areas)), ""),
                strict=True,
            )
        ),
        dtype=object,
    )
    profile_codes, profiles = pd.factorize(profile)
    at = np.round(np.column_stack([web.geometry.y, web.geometry.x]) * 1e5).astype("int64")
    start = at[0] if len(at) else np.zeros(2, dtype="int64")
    steps = np.diff(at, axis=0, prepend=start[None, :]) if len(at) else at
    made_text = prefix.where(rest == "", prefix + " " + rest)
    made_number = rest.str.replace(r"\s+", "", regex=True).str.lower()
    n = pd.RangeIndex(len(web))

    def exceptions(values: pd.Series, differs: pd.Series) -> dict[str, str]:
        """``{address number: value}`` where the default does not give the value."""
        return {str(i): v for i, v, d in zip(n, values, differs, strict=True) if d}

    index: dict[str, Any] = {
        "versjon": INDEX_VERSION,
        "operatorer": [operator_label(op) for op in ops],
        "gater": [list(s) for s in streets],
        "post": posts.tolist(),
        "profiler": [[c, list(m), o, t, a] for c, m, o, t, a in profiles],
        "start": start.tolist(),
        "gate": street_codes.tolist(),
        "rest": [_compact_number(r) for r in rest],
        "postnr": post_codes.tolist(),
        "dlat": steps[:, 0].tolist(),
        "dlon": steps[:, 1].tolist(),
        "profil": profile_codes.tolist(),
        "tekst": exceptions(tekst, made_text != tekst),
        "nr": exceptions(number, made_number != number),
        # every share id is the page's own numbering (INDEX_VERSION 3): no exceptions
        "lenke": {},
    }
    flags = open_flags(web)
    if flags is not None:
        index["utfordring"] = flags
    return index


def open_flags(classified: pd.DataFrame) -> list[int] | None:
    """Per address 1 when it has an open challenge (:data:`OPEN_COLUMN`), else 0; None when no
    address has one (or the addresses have no such column)."""
    if OPEN_COLUMN not in classified.columns:
        return None
    flag = classified[OPEN_COLUMN].astype("boolean").fillna(False).astype(bool)
    return flag.astype(int).tolist() if flag.any() else None


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
  var decode = function(ix) {
    var lat = ix.start[0], lon = ix.start[1], out = [], seen = {}, numbered = (ix.versjon || 2) >= 3;
    ix.gate.forEach(function(g, i) {
      lat += ix.dlat[i]; lon += ix.dlon[i];
      var s = ix.gater[g], rest = String(ix.rest[i]), post = ix.post[ix.postnr[i]], p = ix.profiler[ix.profil[i]];
      var key = s[1] + '|' + (ix.nr[i] !== undefined ? ix.nr[i] : rest.replace(/\s+/g, '').toLowerCase()) + '|' + post;
      var link = slug(key), nth = seen[link] = (seen[link] || 0) + 1;
      if (numbered && nth > 1) { link += '-' + nth; }
      out.push({
        tekst: ix.tekst[i] !== undefined ? ix.tekst[i] : (rest ? s[0] + ' ' + rest : s[0]),
        postnummer: post, lat: lat / 1e5, lon: lon / 1e5, nokkel: key,
        lenke: ix.lenke[i] !== undefined ? ix.lenke[i] : link,
        klasse: p[0], tilbydere: p[2], teknologi: p[3], omrade: p[4],
        mobil: ix.operatorer.map(function(op, j) { return {operator: op, klasse: p[1][j]}; }),
        utfordring: !!(ix.utfordring && ix.utfordring[i])
      });
    });
    return out;
  };
  // The index is decoded the first time it is needed (a search, a link, the search box
  // focused), not while the page loads: at 100 000 addresses that takes a few hundred ms.
  var offline = !!index, records = null, rows = [], streets = [];
  var load = function() {
    if (records || !offline) { return; }
    records = decode(index);
    rows = records.map(function(r) {
      var k = r.nokkel.split('|');
      return {r: r, street: k[0], num: k[1], post: k[2], plain: fold(r.tekst + ' ' + r.postnummer)};
    });
    streets = Array.from(new Set(rows.map(function(x) { return x.street; })));
  };
  var fits = function(x, q) {
    var p = q.rest.split(' ')[0];
    return (!q.num || x.num.indexOf(q.num) === 0) && (!/^\d/.test(p) || x.post.indexOf(p) === 0);
  };
  var find = function(text) {
    load();
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
  window.dekningSearch.find = function(text) { return find(text).map(function(r) { return r.lenke; }); };
  var ask = function(params, done) {
    fetch(remote + '?' + new URLSearchParams(params).toString(), {headers: {Accept: 'application/json'}})
      .then(function(a) { return a.ok ? a.json() : Promise.reject(a.status); })
      .then(done, function() { done(null); });
  };
  var search = function(text, done) {
    if (offline) { done(find(text)); } else { ask({q: text}, done); }
  };
  var byLink = function(id, done) {
    if (offline) { load(); done(records.filter(function(r) { return r.lenke === id; })); }
    else { ask({lenke: id}, done); }
  };
"""
"""The search in the browser. Offline (the page holds the index, ``index``): :func:`records`
in JavaScript (``load``, the first time the index is needed), then matching: the street contains the query's street (from its start ranks
first), the number starts with the query's, a postnummer in the query must fit; or the folded
address text and postnummer contain the folded query; without a hit, streets at least 80 %
alike. At most 8 results, the exact number first, then register order. Served by ``dekning
serve`` (the index element empty, its ``data-sok`` the API's address): the same questions go to
``GET /v1/adresser/sok``, which matches the same way. ``search`` and ``byLink`` call ``done``
with the records found, or null when the API did not answer."""
