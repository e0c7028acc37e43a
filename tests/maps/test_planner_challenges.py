"""The planner map's challenges (issue 14): one marker per address coloured by status, the
legend's counts per status, every text escaped, no comment or attachment in the file, the
override in the address tooltip; without challenges the map is as before. In Chromium: the
layer turned on, a popup opened."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from dekning.crs import WORK_CRS
from dekning.maps.planner import planner_map, write_map
from dekning.maps.planner_challenges import (
    LAYER_NAME,
    STATUS_COLOURS,
    STATUS_LETTERS,
    challenge_legend_items,
    challenge_points,
    status_counts,
)
from dekning.result import RunResult
from dekning.surveys.challenges import COLUMNS, KINDS, STATUSES

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
HOSTILE = "<img src=x onerror=alert(1)>"
SECRET = "Beboer Kari Nordmann, tlf 99887766"
"""A comment (kommentar) and attachment (vedlegg) text: must never reach the map file."""
OVERRIDE = "Opprettholdt utfordring 1: ingen fiber på adressen"


def _challenge(i: int, at: pd.Series, status: str, **fields: object) -> dict[str, object]:
    """One challenge row at the classified address ``at``."""
    row: dict[str, object] = {c: "" for c in COLUMNS}
    row.update(
        id=i,
        adrid=int(at["adrid"]),
        kind="intet_tilbud",
        operator="telenor",
        status=status,
        frist="2026-12-17",
        opprettet="2026-11-20T10:00:00+00:00",
        endret="2026-11-20T10:00:00+00:00",
        kommentar=SECRET,
        vedlegg=f"vedlegg/{SECRET}.pdf",
        detaljer=json.dumps({"navn": SECRET}),
        versjon=1,
        adressetekst=at["adressetekst"],
        geometry=at.geometry,
    )
    row.update(fields)
    return row


def with_challenges(result: RunResult) -> RunResult:
    """``result`` with seven challenges at four of its addresses (two at the first address, one
    hostile text, one area challenge without a place), open ones flagged on the addresses and
    an override at the fourth."""
    cls = result.classified
    eligible = cls[cls["eligible"].astype(bool)]
    a, b, c, d = (eligible.iloc[i] for i in (0, 5, 10, 15))
    rows = [
        _challenge(1, a, "ny", evidens="3 hastighetstester, median 4 Mbit/s"),
        _challenge(2, a, "avvist", kind="for_treg", besluttet_av="fylket", tilsvar="Feil måling"),
        _challenge(3, b, "sendt", evidens=HOSTILE, operator="Ice-Net"),
        _challenge(4, c, "tilsvar", tilsvar=HOSTILE, operatordata="fiber 1000/1000"),
        _challenge(5, d, "opprettholdt", besluttet_av="Per Planlegger"),
        _challenge(6, c, "sendt", kind="feil_teknologi"),
        {**_challenge(7, a, "ny", kind="mangler_i_listen"), "adrid": None, "geometry": None},
    ]
    challenges = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=WORK_CRS)
    open_at = {int(x["adrid"]) for x in (a, b, c)}
    classified = cls.assign(
        utfordring_status="",
        utfordring_apen=cls["adrid"].isin(open_at),
        overstyring=cls["adrid"].map({int(d["adrid"]): OVERRIDE}).fillna(""),
    )
    return dataclasses.replace(result, classified=classified, challenges=challenges)


@pytest.fixture(scope="module")
def challenged(default_result) -> RunResult:
    return with_challenges(default_result)


def _planner(r: RunResult, with_challenges: bool = True) -> str:
    return (
        planner_map(
            r.classified,
            r.areas,
            routes=r.routes,
            survey=r.survey,
            challenges=r.challenges if with_challenges else None,
        )
        .get_root()
        .render()
    )


@pytest.fixture(scope="module")
def planner_html(challenged) -> str:
    return _planner(challenged)


def test_one_marker_per_address_with_the_challenge_furthest_behind(challenged):
    points = challenge_points(challenged.challenges, challenged.classified)
    assert len(points) == 4  # the area challenge without a place has no marker
    by_ids = {tuple(int(c["id"]) for c in p["utfordringer"]): p for p in points}
    assert set(by_ids) == {(1, 2), (3,), (4, 6), (5,)}
    assert by_ids[(1, 2)]["status"] == "ny"  # open before decided
    assert by_ids[(4, 6)]["status"] == "sendt"
    assert [c["status"] for c in by_ids[(1, 2)]["utfordringer"]] == ["Ny", "Avvist"]
    assert by_ids[(1, 2)]["utfordringer"][1]["type"] == KINDS["for_treg"]
    assert by_ids[(3,)]["utfordringer"][0]["operator"] == "Ice-Net"
    assert by_ids[(1, 2)]["utfordringer"][0]["operator"] == "Telenor"
    assert by_ids[(5,)]["overstyring"] == OVERRIDE and by_ids[(3,)]["overstyring"] == ""
    assert all(-90 < p["lat"] < 90 and 0 < p["lon"] < 40 for p in points)
    assert {"kommentar", "vedlegg", "detaljer"}.isdisjoint(points[0]["utfordringer"][0])


def test_legend_lists_every_status_with_its_count(challenged, planner_html):
    counts = status_counts(challenged.challenges)
    assert counts == {"ny": 2, "sendt": 2, "tilsvar": 1, "opprettholdt": 1, "avvist": 1}
    items = challenge_legend_items(challenged.challenges)
    for code, label in STATUSES.items():
        want = f"{label} ({STATUS_LETTERS[code]}): {counts[code]}"
        assert ("point", STATUS_COLOURS[code], want) in items
        assert want in planner_html
    assert items[-1] == ("outline", "#777777", "uten adressepunkt (ikke på kartet): 1")
    assert len(set(STATUS_COLOURS.values())) == 5


def test_the_layer_is_in_the_layer_control_hidden_at_start(planner_html):
    found = re.search(rf'"{LAYER_NAME}" : (feature_group_[0-9a-f]+)', planner_html)
    assert found is not None
    group = found.group(1)
    assert f"var {group} = L.featureGroup(" in planner_html
    assert f"{group}.addTo(" not in planner_html  # hidden at start
    assert f"var group = {group};" in planner_html  # the markers go into it


def test_input_text_is_escaped_and_no_comment_reaches_the_file(planner_html):
    assert HOSTILE not in planner_html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in planner_html
    assert "Kari Nordmann" not in planner_html and "99887766" not in planner_html
    assert "vedlegg/" not in planner_html


def test_the_override_shows_in_the_address_tooltip(default_result, challenged):
    layers_with = _planner(challenged)
    assert '"Overstyring"' in layers_with  # a tooltip alias of the eligible addresses
    assert OVERRIDE in layers_with
    # Only addresses with an override make the tooltip longer.
    plain = dataclasses.replace(challenged, classified=challenged.classified.assign(overstyring=""))
    assert '"Overstyring"' not in _planner(plain, with_challenges=False)


def test_without_challenges_the_map_is_as_before(default_result):
    assert default_result.challenges is None
    html = _planner(default_result)
    assert LAYER_NAME not in html and "dekning-utfordring" not in html
    assert "Overstyring" not in html
    no_rows = gpd.GeoDataFrame(
        pd.DataFrame(columns=[*COLUMNS, "adressetekst"]), geometry=[], crs=WORK_CRS
    )
    same = _planner(dataclasses.replace(default_result, challenges=no_rows))
    # Folium names elements at random: the same map but for those names.
    names = re.compile(r"_[0-9a-f]{32}")
    assert names.sub("", same) == names.sub("", html)


@pytest.mark.browser
def test_the_layer_turns_on_and_a_popup_shows_the_status(browser, challenged, tmp_path):
    r = challenged
    m = planner_map(
        r.classified, r.areas, routes=r.routes, survey=r.survey, challenges=r.challenges
    )
    path = write_map(m, tmp_path / "kart_planlegger.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route(
        "**/*",
        lambda rt: rt.continue_() if rt.request.url.startswith("file://") else rt.abort(),
    )
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("window.dekningPlanner !== undefined")
    assert page.locator(".dekning-utfordring").count() == 0  # hidden at start
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label(LAYER_NAME).check()
    markers = page.locator(".dekning-utfordring")
    assert markers.count() == 4
    legend = page.locator(".dekning-legend").inner_text()
    assert "Tilsvar mottatt (T): 1" in legend
    page.mouse.move(5, 400)  # close the layer control
    # The marker of the address with challenges 4 and 6 (status "sendt": S).
    marker = page.locator(".dekning-utfordring", has_text="S").filter(has_text="2")
    marker.click()
    popup = page.locator(".leaflet-popup-content .dekning-utfordringer")
    popup.wait_for()
    text = popup.inner_text()
    assert "Tilsvar mottatt" in text and "Sendt" in text and KINDS["feil_teknologi"] in text
    assert HOSTILE in text  # shown as text, never run
    assert popup.locator("img").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "kart_planlegger_utfordringer.png"))
    assert errors == [] and dialogs == []
    page.close()
