"""Fast checks on the generated map HTML (the browser tests are in test_maps_browser.py)."""

from __future__ import annotations

import json
import re

from dekning.maps.layers import cell_layer_frame


def test_maps_load_nothing_from_cdns(maps_dir):
    for name in ("kart_planlegger.html", "kart_offentlig.html"):
        html = (maps_dir / name).read_text(encoding="utf-8")
        srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert srcs == [], f"{name} loads {srcs}"
        assert "L.map(" in html  # Leaflet is inlined and used


def test_public_map_has_no_personal_data(maps_dir, default_result):
    html = (maps_dir / "kart_offentlig.html").read_text(encoding="utf-8")
    assert "adrid" not in html and '"hus"' not in html and "husstander_" not in html
    # No address id of the register appears in the page.
    ids = default_result.classified["adrid"].astype(str).tolist()
    assert not any(i in html for i in ids[:200])
    assert "Finn din adresse" in html and "Om kartet" in html
    assert len(html.encode("utf-8")) < 5_000_000


def test_public_cells_never_describe_fewer_than_the_minimum(default_result):
    cells = cell_layer_frame(default_result.classified, min_count=5)
    assert (cells["adresser"] >= 5).all()
    assert set(cells["rute_m"]) <= {250, 1000}
    # Every address is either in a shown cell or in a suppressed remainder smaller than 5 per km cell.
    assert cells["adresser"].sum() <= len(default_result.classified)


def test_planner_popup_figures_match_funding(maps_dir, default_result):
    html = (maps_dir / "kart_planlegger.html").read_text(encoding="utf-8")
    areas = default_result.areas
    for _, a in areas.iterrows():
        kommunal = f"{int(a['kommunal']):,}".replace(",", " ") + " kr"
        assert kommunal in html, a["area_id"]
    for name in (
        "Bredbånd per 250 m-rute",
        "Utbyggingsområder",
        "Mobildekning Telenor",
        "Mobilhull",
    ):
        assert name in html or json.dumps(name)[1:-1] in html, name


def test_run_planner_map_has_routes_survey_and_discrepancy_layers(tmp_path, default_config):
    from dekning.pipeline import run

    result = run(default_config, tmp_path / "ut")
    html = (tmp_path / "ut" / "kart_planlegger.html").read_text(encoding="utf-8")
    for name in (
        "Foreslått fibertrasé",
        "Spørreundersøkelse: svar per rute",
        "Avvik: beboere motsier operatørdata",
    ):
        assert name in html or json.dumps(name)[1:-1] in html, name
    # Every discrepancy address is on the map.
    some = result.survey["avvik"]["adressetekst"].iloc[0]
    assert some in html or json.dumps(some)[1:-1] in html
