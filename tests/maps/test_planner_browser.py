"""The planner map's area table, area labels, budget what-if, legend and opacity slider, in
headless Chromium (Debian's /usr/bin/chromium; no network). The what-if's exact selection in
JavaScript is compared with the run's own selection (HiGHS) at the run's budget and at every
scenario budget, and with :func:`~dekning.coverage.planning.prioritise.select_areas` on random
areas. Screenshots land in test-artifacts/."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dekning.coverage.planning.prioritise import select_areas
from dekning.maps.planner import planner_map, write_map
from dekning.maps.whatif import Budget
from dekning.money import nok, thousands

pytestmark = pytest.mark.browser

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
BLANK = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture(scope="module")
def planner(default_result, default_config, tmp_path_factory) -> Path:
    """The planner map of the default run, with the run's budget settings (as outputs.py will
    pass them)."""
    r = default_result
    m = planner_map(
        r.classified,
        r.areas,
        mobile_layers=r.mobile_layers,
        mobile_grids=r.mobile_grids,
        routes=r.routes,
        survey=r.survey,
        budget=Budget.from_config(default_config),
    )
    return write_map(m, tmp_path_factory.mktemp("planner") / "kart_planlegger.html")


@pytest.fixture
def page(browser, planner):
    """The planner map at 1280 × 800, tiles answered with a blank image, nothing else fetched;
    page errors are asserted to be none at the end."""
    pg = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith("file://")
            else r.fulfill(status=200, content_type="image/png", body=BLANK)
        ),
    )
    pg.goto(planner.as_uri(), wait_until="load")
    pg.wait_for_function("window.dekningPlanner !== undefined")
    yield pg
    assert errors == []
    pg.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / name))


def _count(n: int, noun: str) -> str:
    """``n`` and its noun as the what-if writes them: "1 område", "1\u00a0234 områder"."""
    plural = {"område": "områder", "enhet": "enheter"}[noun]
    return f"{thousands(n)} {noun if n == 1 else plural}"


def _same_or_tied(got: list[str], want: list[str], areas: pd.DataFrame, budget: float) -> None:
    """The what-if's areas are the run's, or another set of the same units within budget."""
    if set(got) == set(want):
        return
    a = areas.set_index("area_id")
    assert a.loc[got, "enheter"].sum() == a.loc[want, "enheter"].sum()
    assert a.loc[got, "kommunal"].sum() <= budget


def test_whatif_is_the_runs_exact_selection_at_every_budget(page, default_result):
    areas = default_result.areas
    run_choice = sorted(areas.loc[areas["valgt"], "area_id"])
    # At start the what-if has run the run's budget: its column agrees with the run's choice.
    said = page.locator("#dekning-hvaom-svar").text_content()
    assert said.startswith(f"Med {nok(5_000_000)} per år: {_count(len(run_choice), 'område')}, ")
    for _, sc in default_result.scenarios.iterrows():
        got = page.evaluate(f"window.dekningPlanner.whatIf({sc['budsjett']})")
        want = [a for a in sc["omrader"].split(", ") if a]
        _same_or_tied(got, want, areas, sc["budsjett"])
        used = areas.set_index("area_id").loc[got, "kommunal"].sum()
        assert used == sc["kommunal"] or sorted(got) != sorted(want)


def test_budget_typed_in_norwegian_updates_table_and_map(page, default_result):
    scenario = default_result.scenarios.iloc[1]  # 2 500 000 kr
    page.locator(".dekning-panel summary").click()
    page.locator("#dekning-budsjett").fill("2 500 000 kr")
    page.get_by_role("button", name="Beregn utvalg").click()
    said = page.locator("#dekning-hvaom-svar").text_content()
    assert said == (
        f"Med {nok(2_500_000)} per år: {_count(scenario['antall_omrader'], 'område')}, "
        f"{_count(scenario['enheter'], 'enhet')}, kommunal egenandel {nok(scenario['kommunal'])}."
    )
    column = page.locator(".dekning-panel tbody tr td:last-child").all_inner_texts()
    assert column.count("ja") == scenario["antall_omrader"]
    filled = page.evaluate(
        "(() => { const m = window[Object.keys(window).find(k => k.startsWith('map_'))];"
        " const ids = []; m.eachLayer(l => { if (l.feature && l.feature.properties.area_id"
        " && l instanceof L.Polygon && l.options.fillOpacity > 0) ids.push(l.feature.properties.area_id); });"
        " return ids.sort(); })()"
    )
    assert filled == sorted(scenario["omrader"].split(", "))
    page.locator("#dekning-budsjett").fill("mye")
    page.get_by_role("button", name="Beregn utvalg").click()
    assert "Skriv et beløp i kroner" in page.locator("#dekning-hvaom-svar").text_content()
    _shot(page, "kart_planlegger_hvaom.png")


def test_whatif_says_one_area_in_the_singular_and_numbers_with_thousands_spaces(
    page, default_result
):
    areas = default_result.areas
    cheapest = areas.loc[areas["kommunal"] > 0].sort_values("kommunal").iloc[0]
    free = int((areas["kommunal"] <= 0).sum())  # areas that cost the municipality nothing
    got = page.evaluate(f"window.dekningPlanner.whatIf({cheapest['kommunal']})")
    said = page.locator("#dekning-hvaom-svar").text_content()
    assert len(got) == free + 1
    assert f": {_count(free + 1, 'område')}, " in said
    if free == 0:
        assert ": 1 område, " in said
    # Units over 999 in the answer keep their thousands space (the whole selection here).
    page.evaluate("window.dekningPlanner.whatIf(1e12)")
    said = page.locator("#dekning-hvaom-svar").text_content()
    everything = int(areas["enheter"].sum())
    assert f", {_count(everything, 'enhet')}, " in said
    assert f"{len(areas)} områder" in said and nok(1e12) in said
    # The table's units column is written as money.thousands writes it.
    column = page.locator(".dekning-panel tbody tr td:nth-child(2)").evaluate_all(
        "cs => cs.map(c => c.textContent)"
    )
    by_id = areas.set_index("area_id")["enheter"]
    ids = page.locator(".dekning-panel tbody tr").evaluate_all("rs => rs.map(r => r.dataset.id)")
    assert column == [thousands(by_id[i]) for i in ids]


def test_the_maps_js_thousands_formatter_writes_as_money_thousands(page):
    values = [0, 7, 999, 1000, 1234.5, -1234.5, 2.5, -0.4, 999_999.5, 12_345_678, 5e9]
    got = page.evaluate(f"{values}.map(window.dekningPlanner.thousands)")
    assert got == [thousands(v) for v in values]
    assert got[4] == "1\u00a0235"  # a no-break space, as money.thousands


def test_whatif_agrees_with_the_integer_programme_on_random_areas(page):
    rng = np.random.default_rng(15)
    for n in (1, 5, 12, 30, 60):
        for _ in range(4):
            muni = rng.integers(0, 3_000_000, n)
            units = rng.integers(0, 300, n)
            budget = float(rng.integers(0, int(muni.sum()) + 2))
            funding = pd.DataFrame(
                {"area_id": [f"A{i}" for i in range(n)], "kommunal": muni, "statlig": muni}
            )
            run = select_areas(funding, pd.Series(units), municipal_budget=budget)
            items = json.dumps([[int(w), int(v)] for w, v in zip(muni, units, strict=True)])
            picked = page.evaluate(f"window.dekningPlanner.select({items}, {budget})")
            assert units[picked].sum() == units[run["valgt"].to_numpy()].sum()
            assert muni[picked].sum() <= budget
            assert len(set(picked)) == len(picked)


def test_a_row_zooms_to_the_area_marks_it_and_opens_its_popup(page, default_result):
    areas = default_result.areas
    area = areas.sort_values("kommunal").iloc[len(areas) // 2]
    page.locator(".dekning-panel summary").click()
    row = page.locator(".dekning-panel tbody tr", has_text=area["area_id"])
    row.locator("th button").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert area["area_id"] in popup.inner_text()
    assert nok(area["kommunal"]) in popup.inner_text()
    assert "dekning-markert" in (row.get_attribute("class") or "")
    weight = page.evaluate(
        "(id => { const m = window[Object.keys(window).find(k => k.startsWith('map_'))];"
        " let w = null; m.eachLayer(l => { if (l instanceof L.Polygon"
        " && l.feature.properties.area_id === id)"
        " w = l.options.weight; }); return w; })"
        f"({json.dumps(area['area_id'])})"
    )
    assert weight == 5  # highlighted
    # The popup is beside the panel, not under it.
    panel = page.locator(".dekning-panel").bounding_box()
    box = page.locator(".leaflet-popup-content-wrapper").bounding_box()
    assert panel is not None and box is not None
    assert box["x"] >= panel["x"] + panel["width"]
    _shot(page, "kart_planlegger_tabell.png")


def test_columns_sort_both_ways(page, default_result):
    page.locator(".dekning-panel summary").click()
    head = page.locator(".dekning-panel thead th", has_text="Kommunal egenandel")
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "ascending"
    ids = page.locator(".dekning-panel tbody th").all_inner_texts()
    want = default_result.areas.sort_values(["kommunal", "area_id"])["area_id"].tolist()
    assert ids == want
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "descending"
    assert page.locator(".dekning-panel tbody th").all_inner_texts()[0] == want[-1]


def test_labels_legend_and_opacity_follow_the_layers(page, default_result):
    labels = page.locator(".dekning-etikett").all_inner_texts()
    assert sorted(labels) == sorted(default_result.areas["area_id"])
    shown = "Array.from(document.querySelectorAll('.dekning-legend-del:not([hidden]) strong')).map(e => e.textContent)"
    assert page.evaluate(shown) == ["Bredbånd (beste tilbud)", "Utbyggingsområder", "Fibertrasé"]
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Mobildekning Telenor (4G/5G)").check()
    page.get_by_label("Bredbånd per 250 m-rute (husstander)").uncheck()
    page.get_by_label("Utbyggingsområder").uncheck()
    assert page.evaluate(shown) == ["Fibertrasé", "Mobildekning (beste klasse)"]
    page.locator(".dekning-etikett").first.wait_for(state="detached", timeout=2000)
    assert page.locator(".dekning-etikett").count() == 0  # labels go with their areas
    assert page.locator("#dekning-dekkevne").is_visible()
    page.locator("#dekning-dekkevne").fill("90")
    opacity = page.evaluate(
        "getComputedStyle(document.querySelector('img.leaflet-image-layer')).opacity"
    )
    assert float(opacity) == pytest.approx(0.9)
    _shot(page, "kart_planlegger_tegnforklaring.png")
