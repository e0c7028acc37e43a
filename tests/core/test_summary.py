"""The run summary, by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from dekning.rules import CofundingRule, EligibilityRule
from dekning.summary import build_summary, format_summary


def _inputs() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    classified = gpd.GeoDataFrame(
        {
            "hus": [2, 1, 3],
            "best_down_kbps": [99_999, 100_000, 0],
            "eligible": [True, False, True],
            "eligible_units": [2, 0, 4],
            "mob_any_ok": [False, True, True],
        },
        geometry=shapely.points([0, 1, 2], [0, 0, 0]),
        crs="EPSG:25833",
    )
    areas = pd.DataFrame(
        {
            "area_id": ["O-1", "O-2"],
            "kost_total": [1_000_000, 2_500_000],
            "kommunal": [230_769, 500_001],
            "enheter": [2, 4],
            "valgt": [False, True],
        }
    )
    return classified, areas


def test_summary_figures_by_hand():
    classified, areas = _inputs()
    elig = EligibilityRule(
        year=2024,
        eligible_below_kbps=100_000,
        bands=(("M100", 100_000),),
        source="kilde",
        verified=False,
    )
    cofund = CofundingRule(region="national", rule="none", pct=0.0, source="kilde 2")
    s = build_summary("Testkommune", classified, areas, elig, cofund)
    assert s["husstander"] == 6
    assert s["husstander_uten_100"] == 5  # 99 999 kbit/s and no offer; 100 000 is enough
    assert s["husstander_uten_god_mobil"] == 2
    assert s["stotteberettigede_adresser"] == 2 and s["stotteberettigede_enheter"] == 6
    assert s["kost_total_alle"] == 3_500_000 and s["kommunal_egenandel_alle"] == 730_770
    assert s["valgte_omrader"] == ["O-2"] and s["kommunal_egenandel_valgte"] == 500_001
    assert s["stotteregel"]["verifisert"] is False
    text = format_summary(s)
    assert "Husstander uten 100 Mbit/s: 5" in text
    assert "Kommunal egenandel, alle områder: 730\u00a0770\u00a0kr" in text
    assert "Valgt innenfor budsjett: O-2  (4 enheter, egenandel 500\u00a0001\u00a0kr)" in text
    lines = text.splitlines()
    assert lines[3].startswith("Husstander uten god mobildekning")
