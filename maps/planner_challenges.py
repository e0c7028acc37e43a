"""The planner map's challenges (utfordringer): residents' evidence against the operator data,
one marker per address coloured by status, with every challenge at that address in its popup
(see :mod:`dekning.maps.planner` and :mod:`dekning.surveys.challenges`).

Markers are circles with the status's letter (N, S, T, O, A) on a colour of Paul Tol's
"vibrant" scheme (made to stay apart for the common colour-vision deficiencies): the letter
tells the status also where colours do not. Several challenges at one address share one marker:
it shows the status of the challenge furthest behind (an open one before a decided one) and,
when there are more, their number.

What the map file holds of a challenge is what a planner follows a case with: id, kind,
operator, status, deadline, evidence, the operator data challenged, the operator's answer and
who decided. Comments and attachments (``kommentar``, ``vedlegg``) may hold personal data: they
stay in the store and the API, never in the file. Every text is embedded as
:func:`~dekning.textsafe.script_json` and shown with ``textContent`` only.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from dekning.crs import WEB_CRS, require_crs
from dekning.maps.layers import operator_label
from dekning.schema import require
from dekning.surveys.challenges import KINDS, STATUSES
from dekning.textsafe import script_json

LAYER_NAME = "Utfordringer"
"""The layer's name in the layer control (and the legend section's title)."""
CHALLENGES = "challenges (planner map)"
STATUS_COLOURS = {
    "ny": "#EE7733",
    "sendt": "#33BBEE",
    "tilsvar": "#0077BB",
    "opprettholdt": "#EE3377",
    "avvist": "#BBBBBB",
}
"""Status → marker colour (Paul Tol's vibrant scheme: orange, cyan, blue, magenta, grey)."""
STATUS_LETTERS = {"ny": "N", "sendt": "S", "tilsvar": "T", "opprettholdt": "O", "avvist": "A"}
"""Status → the letter on its marker."""
LETTER_COLOURS = {"tilsvar": "#FFFFFF"}
"""The letter's colour where black would not stand out (white on blue); black elsewhere."""
UNKNOWN_COLOUR = "#777777"
"""A status the map does not know (``?`` on its marker) and challenges without a place."""
UNKNOWN_LABEL = "Ukjent status"
COLUMNS = (
    "id",
    "adrid",
    "kind",
    "operator",
    "status",
    "frist",
    "evidens",
    "operatordata",
    "tilsvar",
    "besluttet_av",
    "adressetekst",
)
"""Columns of the challenges the map reads (no other column reaches the file)."""
POPUP_FIELDS = {
    "id": "Utfordring",
    "type": "Type",
    "operator": "Operatør",
    "status": "Status",
    "frist": "Frist",
    "evidens": "Evidens",
    "operatordata": "Operatørdata",
    "tilsvar": "Tilsvar",
    "besluttet_av": "Besluttet av",
}
"""Fields of one challenge in the popup and their labels (empty fields are left out)."""
OVERRIDE_LABEL = "Overstyring"
"""Label of why the operator data were overridden at the address (classified ``overstyring``)."""


def _text(values: pd.Series) -> pd.Series:
    """Values as text, missing ones empty."""
    return values.astype(object).where(values.notna(), "").astype(str)


def _status_rank(status: pd.Series) -> pd.Series:
    """The status's place in :data:`STATUSES` (unknown statuses last)."""
    order = {code: i for i, code in enumerate(STATUSES)}
    return status.map(order).fillna(len(order)).astype(int)


def challenge_rows(challenges: gpd.GeoDataFrame) -> pd.DataFrame:
    """The challenges' popup fields as text (labels for kind and status, the operator as the
    maps name it), in the order of their id; the columns of :data:`POPUP_FIELDS` and
    ``kode`` (the status code)."""
    c = challenges.sort_values("id", kind="stable")
    kind = _text(c["kind"])
    status = _text(c["status"])
    operator = _text(c["operator"])
    ident = c["id"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    return pd.DataFrame(
        {
            "id": ident,
            "type": kind.map(lambda k: KINDS.get(k, k)),
            "operator": operator.map(lambda o: operator_label(o) if o else ""),
            "status": status.map(lambda s: STATUSES.get(s, s or UNKNOWN_LABEL)),
            "frist": _text(c["frist"]),
            "evidens": _text(c["evidens"]),
            "operatordata": _text(c["operatordata"]),
            "tilsvar": _text(c["tilsvar"]),
            "besluttet_av": _text(c["besluttet_av"]),
            "kode": status,
        },
        index=c.index,
    )


def _placed(challenges: gpd.GeoDataFrame) -> np.ndarray:
    """Which challenges have a place on the map (a non-empty geometry)."""
    geom = challenges.geometry
    return (geom.notna() & ~geom.is_empty).to_numpy(dtype=bool)


def challenge_points(
    challenges: gpd.GeoDataFrame, classified: gpd.GeoDataFrame | None = None
) -> list[dict[str, Any]]:
    """One point per address with challenges (EPSG:4326), as the map's script reads it.

    Parameters
    ----------
    challenges
        The run's challenges (EPSG:25833) with the columns of :data:`COLUMNS`; those without a
        geometry (an area challenge without addresses) have no point.
    classified
        The classified addresses: their ``overstyring`` (when they have one) goes with the
        point of the address (by ``adrid``).

    Returns
    -------
    list of dict
        ``lat``, ``lon``, ``adresse``, ``status`` (the code of the challenge furthest behind at
        the address), ``overstyring`` ("" none) and ``utfordringer`` (the popup fields of each
        challenge, by id).
    """
    placed = challenges[_placed(challenges)]
    if placed.empty:
        return []
    rows = challenge_rows(placed)
    where = placed.geometry.representative_point()
    key = pd.Series(
        list(zip(where.x.round(2), where.y.round(2), strict=True)), index=placed.index
    ).astype(str)
    web = gpd.GeoSeries(where, crs=placed.crs).to_crs(WEB_CRS)
    overrides = _overrides(classified)
    rank = _status_rank(rows["kode"])
    points = []
    for _, group in rows.groupby(key.loc[rows.index], sort=False):
        first = group.index[0]
        adrid = placed.at[first, "adrid"]
        ranked = rank.loc[group.index]
        text = _text(placed.loc[group.index, "adressetekst"])
        points.append(
            {
                "lat": round(float(web.loc[first].y), 6),
                "lon": round(float(web.loc[first].x), 6),
                "adresse": next((t for t in text if t), ""),
                "status": str(group.at[ranked.idxmin(), "kode"]),
                "overstyring": overrides.get(int(adrid), "") if pd.notna(adrid) else "",
                "utfordringer": group[list(POPUP_FIELDS)].to_dict("records"),
            }
        )
    return points


def _overrides(classified: gpd.GeoDataFrame | None) -> dict[int, str]:
    """``adrid`` → why the operator data were overridden there, for addresses with a reason."""
    if classified is None or "overstyring" not in classified.columns:
        return {}
    text = _text(classified["overstyring"])
    has = text.str.strip() != ""
    return dict(zip(classified.loc[has, "adrid"].astype(int), text[has], strict=True))


def status_counts(challenges: gpd.GeoDataFrame | None) -> dict[str, int]:
    """Challenges per status code, every status of :data:`STATUSES` (0 when none) in its
    order, then any unknown status."""
    if challenges is None or challenges.empty:
        return {}
    found = _text(challenges["status"]).value_counts()
    counts = {code: int(found.get(code, 0)) for code in STATUSES}
    counts.update({str(k): int(v) for k, v in found.items() if k not in STATUSES})
    return counts


class ChallengeMarkers(MacroElement):
    """The markers of :func:`challenge_points`, added to the parent layer, each with a tooltip
    (the address) and a popup (every challenge there) built with ``textContent``."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .dekning-utfordring { background: none; border: 0; }
        .dekning-utfordring span { display: flex; align-items: center; justify-content: center;
          width: 20px; height: 20px; border-radius: 50%; border: 2px solid #000; box-sizing: border-box;
          font: 700 12px/1 system-ui, sans-serif; position: relative; }
        .dekning-utfordring sup { position: absolute; top: -8px; right: -10px; background: #fff; color: #000;
          border: 1px solid #000; border-radius: 7px; padding: 0 3px; font: 700 10px/12px system-ui, sans-serif; }
        .dekning-utfordringer { font: 13px/1.35 system-ui, sans-serif; min-width: 260px; }
        .dekning-utfordringer h3 { font-size: 14px; margin: 0 0 4px; }
        .dekning-utfordringer p { margin: 0 0 4px; white-space: normal; overflow-wrap: anywhere; }
        .dekning-utfordringer table { width: 100%; border-top: 1px solid #999; margin-top: 4px; }
        .dekning-utfordringer th { text-align: left; padding-right: 8px; vertical-align: top; white-space: nowrap; width: 7.5em; }
        .dekning-utfordringer td { white-space: normal; overflow-wrap: anywhere; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
          var group = {{ this._parent.get_name() }};
          var points = {{ this.points }}, S = {{ this.statuses }}, FIELDS = {{ this.fields }};
          var OVERRIDE = {{ this.override }}, UNKNOWN = {{ this.unknown }};
          var popup = function(p) {
            var box = document.createElement('div'); box.className = 'dekning-utfordringer';
            var h = document.createElement('h3');
            h.textContent = p.adresse + (p.utfordringer.length > 1 ? ' (' + p.utfordringer.length + ' utfordringer)' : '');
            box.appendChild(h);
            if (p.overstyring) {
              var o = document.createElement('p'), b = document.createElement('strong');
              b.textContent = OVERRIDE + ': '; o.appendChild(b); o.appendChild(document.createTextNode(p.overstyring));
              box.appendChild(o);
            }
            p.utfordringer.forEach(function(c) {
              var table = document.createElement('table');
              FIELDS.forEach(function(f) {
                if (!c[f[0]]) { return; }
                var tr = document.createElement('tr'), th = document.createElement('th'), td = document.createElement('td');
                th.textContent = f[1]; td.textContent = c[f[0]];
                tr.appendChild(th); tr.appendChild(td); table.appendChild(tr);
              });
              box.appendChild(table);
            });
            return box;
          };
          points.forEach(function(p) {
            var s = S[p.status] || UNKNOWN, n = p.utfordringer.length;
            var span = document.createElement('span');
            span.style.background = s.farge; span.style.color = s.tekstfarge; span.textContent = s.bokstav;
            if (n > 1) { var sup = document.createElement('sup'); sup.textContent = String(n); span.appendChild(sup); }
            var label = p.adresse + ': ' + (n > 1 ? n + ' utfordringer, ' : '') + s.navn;
            var icon = L.divIcon({html: span, className: 'dekning-utfordring', iconSize: [20, 20],
                                  iconAnchor: [10, 10], popupAnchor: [0, -10], tooltipAnchor: [10, 0]});
            var marker = L.marker([p.lat, p.lon], {icon: icon, title: label, alt: label, riseOnHover: true});
            marker.bindTooltip(function() { var d = document.createElement('div'); d.textContent = label; return d; });
            marker.bindPopup(function() { return popup(p); }, {maxWidth: 420, maxHeight: 380});
            group.addLayer(marker);
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, points: list[dict[str, Any]]) -> None:
        super().__init__()
        self._name = "ChallengeMarkers"
        statuses = {
            code: {
                "navn": label,
                "farge": STATUS_COLOURS[code],
                "tekstfarge": LETTER_COLOURS.get(code, "#000000"),
                "bokstav": STATUS_LETTERS[code],
            }
            for code, label in STATUSES.items()
        }
        unknown = {
            "navn": UNKNOWN_LABEL,
            "farge": UNKNOWN_COLOUR,
            "tekstfarge": "#FFFFFF",
            "bokstav": "?",
        }
        self.points = script_json(points)
        self.statuses = script_json(statuses)
        self.fields = script_json([[k, v] for k, v in POPUP_FIELDS.items()])
        self.override = script_json(OVERRIDE_LABEL)
        self.unknown = script_json(unknown)


def challenge_layer(
    challenges: gpd.GeoDataFrame | None, classified: gpd.GeoDataFrame | None = None
) -> folium.FeatureGroup | None:
    """The challenges at their addresses (hidden at start); None when the run has none.

    Raises
    ------
    InputError
        When ``challenges`` is not in EPSG:25833 or lacks a column of :data:`COLUMNS`.
    """
    if challenges is None or challenges.empty:
        return None
    require_crs(challenges, CHALLENGES)
    require(challenges, COLUMNS, CHALLENGES)
    layer = folium.FeatureGroup(name=LAYER_NAME, show=False)
    layer.add_child(ChallengeMarkers(challenge_points(challenges, classified)))
    return layer


def challenge_legend_items(challenges: gpd.GeoDataFrame | None) -> list[tuple[str, str, str]]:
    """The legend's lines: every status with its letter and number of challenges, and the
    challenges that have no place on the map (when there are any)."""
    if challenges is None or challenges.empty:
        return []
    items = []
    for code, n in status_counts(challenges).items():
        if code in STATUSES:
            label = f"{STATUSES[code]} ({STATUS_LETTERS[code]}): {n}"
            items.append(("point", STATUS_COLOURS[code], label))
        else:
            items.append(("point", UNKNOWN_COLOUR, f"{UNKNOWN_LABEL} «{code}» (?): {n}"))
    unplaced = int((~_placed(challenges)).sum())
    if unplaced:
        items.append(("outline", UNKNOWN_COLOUR, f"uten adressepunkt (ikke på kartet): {unplaced}"))
    return items


def override_text(classified: gpd.GeoDataFrame) -> pd.Series | None:
    """The addresses' ``overstyring`` as text ("" none); None when no address has one (the
    address tooltip then stays as it was)."""
    if "overstyring" not in classified.columns:
        return None
    text = _text(classified["overstyring"])
    return text if (text.str.strip() != "").any() else None


__all__ = [
    "ChallengeMarkers",
    "challenge_layer",
    "challenge_legend_items",
    "challenge_points",
    "challenge_rows",
    "override_text",
    "status_counts",
]
