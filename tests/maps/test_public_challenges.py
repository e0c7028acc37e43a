"""The public map and residents' challenges (issue 14): one flag per address with an open
challenge in the address index, shown in the answer; how to challenge the data under "Om
kartet" in every language; no detail of a challenge on the page; without challenge data the
page is as before. In Chromium: a flagged address searched and its answer read."""

from __future__ import annotations

import json
import os
import re
from html import escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from dekning import outputs
from dekning.config import EvidenceConfig
from dekning.maps.planner import write_map
from dekning.maps.public import public_map
from dekning.maps.public_page import ANSWER_JS, CHALLENGE_HELP
from dekning.maps.public_search import INDEX_ID, address_index, entries, open_flags, records
from dekning.maps.public_text import LANGUAGES, TEXT, challenge_text
from dekning.surveys.challenges import KINDS, STATUSES
from dekning.textsafe import script_json

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
SECRET = "Overstyrt etter klage fra Kari Nordmann"
"""An override's text: planner only, never on the public map."""
FLAGGED = (3, 40, 41, 500)
"""Positions (in register order) of the addresses with an open challenge."""


def flagged(classified: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The addresses with the challenge columns a run with a store gives them: open challenges
    at :data:`FLAGGED`, a decided one at the address after the first, an override there."""
    at = classified.index
    out = classified.assign(utfordring_status="", utfordring_apen=False, overstyring="")
    out.loc[at[list(FLAGGED)], "utfordring_apen"] = True
    out.loc[at[list(FLAGGED)], "utfordring_status"] = "tilsvar"
    out.loc[at[FLAGGED[0] + 1], ["utfordring_status", "overstyring"]] = ["opprettholdt", SECRET]
    return out


def _index(html: str) -> dict:
    m = re.search(f'id="{INDEX_ID}">(.*?)</script>', html, re.S)
    assert m is not None
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def addresses(default_result) -> gpd.GeoDataFrame:
    return flagged(default_result.classified)


@pytest.fixture(scope="module")
def public_html(default_result, addresses) -> str:
    r = default_result
    return public_map(addresses, r.areas, mobile_layers=r.mobile_layers).get_root().render()


def test_the_index_flags_exactly_the_addresses_with_an_open_challenge(public_html, addresses):
    index = _index(public_html)
    assert index["utfordring"] == [int(i in FLAGGED) for i in range(len(addresses))]
    found = [i for i, r in enumerate(records(index)) if r["utfordring"]]
    assert found == list(FLAGGED)
    texts = [r["tekst"] for r in records(index)]
    assert texts == addresses["adressetekst"].astype(str).tolist()
    # One digit and a comma per address: compact.
    assert len(json.dumps(index["utfordring"], separators=(",", ":"))) <= 2 * len(addresses) + 1


def test_no_detail_of_a_challenge_reaches_the_public_map(public_html):
    assert SECRET not in public_html and "Kari Nordmann" not in public_html
    assert "utfordring_status" not in public_html and "overstyring" not in public_html
    for label in ("Tilsvar mottatt", "Opprettholdt", KINDS["for_treg"], KINDS["intet_tilbud"]):
        assert label not in public_html, label
    assert STATUSES["tilsvar"] == "Tilsvar mottatt"
    assert set(_index(public_html)) - {"utfordring"} == {
        "versjon", "operatorer", "gater", "post", "profiler", "start", "gate", "rest",
        "postnr", "dlat", "dlon", "profil", "tekst", "nr", "lenke",
    }  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_texts_exist_in_every_language(lang):
    words = TEXT[lang]
    for key in ("utfordring_apen", "utfordre_tittel", "utfordre_tekst"):
        assert words[key] and (lang == "nb" or words[key] != TEXT["nb"][key]), key
    three, two = {"nb": ("tre", "to"), "nn": ("tre", "to"), "en": ("three", "two")}[lang]
    assert f" {three} " in words["utfordre_tekst"] and f" {two} " in words["utfordre_tekst"]
    assert TEXT["nb"]["utfordring_apen"].startswith(
        "Det er en åpen utfordring av dataene for denne adressen"
    )
    assert "utfordring_apen" in re.findall(r"\bt\('([a-z_]+)'", ANSWER_JS)
    assert {"utfordre_tittel", "utfordre_tekst"} <= set(re.findall(r"\{(\w+)\}", CHALLENGE_HELP))


def test_the_answer_says_the_flag_and_the_help_is_shown(public_html, addresses):
    assert 'id="dekning-utfordre"' in public_html
    assert TEXT["nb"]["utfordre_tittel"] in public_html
    said = entries(_index(public_html), "nn")
    assert [e["utfordring"] for e in said].count(True) == len(FLAGGED)


def test_without_challenge_data_the_public_map_is_as_before(default_result, addresses):
    r = default_result
    assert "utfordring_apen" not in r.classified.columns
    html = public_map(r.classified, r.areas, mobile_layers=r.mobile_layers).get_root().render()
    assert 'id="dekning-utfordre"' not in html
    assert _index(html) == address_index(r.classified, r.mobile_layers, _planned(r.areas))
    assert "utfordring" not in _index(html)
    # A run with a store but no open challenge: the help, no flags.
    none_open = addresses.assign(utfordring_apen=False)
    assert open_flags(none_open) is None
    quiet = public_map(none_open, r.areas, mobile_layers=r.mobile_layers).get_root().render()
    assert "utfordring" not in _index(quiet) and 'id="dekning-utfordre"' in quiet
    assert _index(quiet) == _index(html)


def test_the_help_follows_the_configured_evidence_rules(default_result, addresses):
    r = default_result
    rules = EvidenceConfig(min_tests=5, min_days=3, wired_only=True)
    m = public_map(addresses, r.areas, mobile_layers=r.mobile_layers, evidence=rules)
    html = m.get_root().render()
    wanted = {
        lang: challenge_text(lang, min_tests=5, min_days=3, wired_only=True) for lang in LANGUAGES
    }
    assert f'<p data-t="utfordre_tekst">{escape(wanted["nb"])}</p>' in html
    for lang in LANGUAGES:  # the language menu's texts too
        assert script_json(wanted[lang])[1:-1] in html, lang
        assert TEXT[lang]["utfordre_tekst"] not in html, lang  # not the default rules
    assert "minst fem tester på minst tre forskjellige dager" in html
    assert "minst tre tester" not in html


def test_a_run_passes_its_evidence_rules_to_the_public_map(
    default_result, default_config, monkeypatch, tmp_path
):
    seen: dict[str, Any] = {}

    def fake_public_map(*args: Any, **kwargs: Any) -> str:
        seen.update(kwargs)
        return "public"

    monkeypatch.setattr(outputs, "planner_map", lambda *a, **k: "planner")
    monkeypatch.setattr(outputs, "public_map", fake_public_map)
    monkeypatch.setattr(outputs, "write_map", lambda m, path: path)
    rules = default_config.evidence.model_copy(update={"min_tests": 5, "min_days": 3})
    cfg = default_config.model_copy(update={"evidence": rules})
    outputs.write_maps(default_result, cfg, tmp_path)
    assert seen["evidence"] == rules


def _planned(areas: gpd.GeoDataFrame) -> list[str]:
    return areas.loc[areas["valgt"].astype(bool), "area_id"].astype(str).tolist()


@pytest.mark.browser
def test_a_flagged_address_says_so_in_the_browser(browser, default_result, addresses, tmp_path):
    r = default_result
    path = write_map(
        public_map(addresses, r.areas, mobile_layers=r.mobile_layers),
        tmp_path / "kart_offentlig.html",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*",
        lambda rt: rt.continue_() if rt.request.url.startswith("file://") else rt.abort(),
    )
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("window.dekningSearch && window.dekningSearch.find")
    assert page.locator("#dekning-utfordre").inner_text() == TEXT["nb"]["utfordre_tittel"]

    def answer(i: int) -> str:
        row = addresses.iloc[i]
        wanted = f"{row['adressetekst']}, {row['postnummer']}"
        page.locator("#dekning-q").fill(wanted)
        page.locator("#dekning-results button", has_text=wanted).first.click()
        popup = page.locator(".leaflet-popup-content .dekning-svar").filter(has_text=wanted)
        popup.wait_for(timeout=3000)
        assert popup.locator("h2").inner_text() == wanted
        return popup.inner_text()

    assert TEXT["nb"]["utfordring_apen"] in answer(FLAGGED[0])
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kart_offentlig_utfordring.png"))
    page.locator("#dekning-sprak").select_option("nn")
    nn = page.locator(".leaflet-popup-content .dekning-svar").inner_text()
    assert TEXT["nn"]["utfordring_apen"] in nn
    assert page.locator("#dekning-utfordre").inner_text() == TEXT["nn"]["utfordre_tittel"]
    page.locator("#dekning-sprak").select_option("nb")
    assert TEXT["nb"]["utfordring_apen"] not in answer(FLAGGED[0] + 1)  # not flagged
    assert errors == []
    page.close()
