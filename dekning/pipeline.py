"""`dekning run`: chain the stages over one configuration and write one output folder.

Data flow: read → classify → areas → costs → funding → prioritise → export (tables, GeoPackage,
maps, report). Outputs are written into a temporary folder next to the target and renamed into
place at the end, so a failed run never leaves a half-written output folder.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from dekning import __version__
from dekning.config import Config
from dekning.coverage.classify.aggregate import GROUPINGS, aggregate
from dekning.coverage.classify.fixed import classify
from dekning.coverage.classify.mobile import sample_mobile
from dekning.coverage.planning.areas import areas_from_polygons, build_areas, read_area_polygons
from dekning.coverage.planning.costs import estimate_costs
from dekning.coverage.planning.funding import fund, resolve_rule
from dekning.coverage.planning.prioritise import compare_scenarios, priority_score, select_areas
from dekning.coverage.planning.routing import build_road_graph
from dekning.coverage.read.addresses import read_address_counts, read_addresses, read_boundary
from dekning.coverage.read.consultation import read_consultation_list
from dekning.coverage.read.fixed import read_coverage_polygons, read_fixed_coverage
from dekning.crs import WEB_CRS
from dekning.errors import InputError
from dekning.io import read_lines, read_vector
from dekning.report import RunReport
from dekning.rules import eligibility_rule

Step = Callable[[str], None]

STEPS = (
    "Leser adresser",
    "Leser fast dekning",
    "Leser mobildekning",
    "Klassifiserer adresser",
    "Lager utbyggingsområder",
    "Beregner kostnad og finansiering",
    "Leser spørreundersøkelsen",
    "Prioriterer områder",
    "Lager kart",
    "Skriver resultater",
)


@dataclass
class RunResult:
    """What a run produced (also written to ``out_dir``)."""

    classified: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    """Areas joined with cost, funding and selection columns (EPSG:25833)."""
    aggregates: dict[str, pd.DataFrame]
    report: RunReport
    summary: dict[str, object]
    routes: gpd.GeoDataFrame | None = None
    """Fibre route of every area (EPSG:25833)."""
    scenarios: pd.DataFrame | None = None
    """The selection under the configured budget and each of ``prioritise.scenarios_nok``."""
    out_dir: Path | None = None
    files: list[str] = field(default_factory=list)
    survey: dict[str, pd.DataFrame] = field(default_factory=dict)
    """``svar`` (matched answers, personal), ``avvist``, ``avvik``, ``ettersporsel_omrader``,
    ``ettersporsel_ruter_offentlig`` when a survey was given."""


def analyse(cfg: Config, step: Step | None = None, report: RunReport | None = None) -> RunResult:
    """Run every analysis stage in memory (no files written)."""
    step = step or (lambda _name: None)
    report = report or RunReport()
    inp = cfg.input
    step(STEPS[0])
    addresses = read_addresses(inp.addresses, report, epsg=inp.addresses_epsg)
    boundary = None
    if inp.boundary is not None:
        boundary = read_boundary(inp.boundary, report)
        inside = addresses.within(boundary.union_all())
        report.warn(
            "read",
            "addresses_outside_boundary",
            "addresses outside the municipality boundary (kept)",
            int((~inside).sum()),
            addresses.loc[~inside, "adrid"].tolist(),
        )
    counts = read_address_counts(inp.address_counts, report) if inp.address_counts else None
    step(STEPS[1])
    parts = []
    if inp.fixed_coverage is not None:
        parts.append(
            read_fixed_coverage(
                inp.fixed_coverage, report, speed_unit=cfg.classify.fixed_speed_unit
            )
        )
    if inp.coverage_polygons is not None:
        parts.append(read_coverage_polygons(inp.coverage_polygons, addresses, report))
    fixed = pd.concat(parts, ignore_index=True) if parts else None
    consultation = (
        read_consultation_list(inp.consultation_list, report) if inp.consultation_list else None
    )
    step(STEPS[2])
    mobile = sample_mobile(addresses, inp.mobile, cfg.classify, report) if inp.mobile else None
    step(STEPS[3])
    classified = classify(
        addresses,
        fixed,
        cfg.classify,
        counts=counts,
        mobile=mobile,
        consultation=consultation,
        report=report,
    )
    step(STEPS[4])
    roads = read_lines(inp.roads, "roads") if inp.roads is not None else None
    road_graph = build_road_graph(roads) if roads is not None else None
    if inp.areas is not None:
        areas, area_of = areas_from_polygons(
            classified, read_area_polygons(inp.areas), cfg.areas, report
        )
    else:
        areas, area_of = build_areas(classified, cfg.areas, road_graph)
    classified["area_id"] = area_of.to_numpy()
    step(STEPS[5])
    ducts = read_lines(inp.ducts, "ducts") if inp.ducts is not None else None
    ground = read_vector(inp.ground, "ground classes") if inp.ground is not None else None
    if ground is not None and "klasse" not in ground.columns:
        raise InputError(
            f"missing column 'klasse'; the file has: {', '.join(map(str, ground.columns))}",
            file=inp.ground,
            field="klasse",
        )
    costs, routes = estimate_costs(
        areas, classified, area_of, cfg.costs, roads=road_graph, ducts=ducts, ground=ground
    )
    rule = resolve_rule(cfg.funding, cfg.classify.scheme_year, cfg.municipality.county)
    funding = fund(costs, cfg.funding, rule, areas["enheter"])
    has_survey = inp.survey is not None or inp.survey_db is not None
    survey = analyse_survey(cfg, classified, report, boundary) if has_survey else {}
    step(STEPS[7])
    full = areas.merge(costs, on="area_id").merge(
        funding.drop(columns=["kost_total"]), on="area_id"
    )
    full = gpd.GeoDataFrame(full, geometry="geometry", crs=areas.crs)
    if "ettersporsel_omrader" in survey:
        d = survey["ettersporsel_omrader"].set_index("area_id")
        for col in ("svar", "andel_interessert", "betalingsvilje_median"):
            if col in d:
                full[col] = full["area_id"].map(d[col])
        full["svar"] = full["svar"].fillna(0).astype("int64")
    if "mob_any_ok" in classified:
        gap = classified.loc[classified["eligible"] & ~classified["mob_any_ok"].astype(bool)]
        full["hus_uten_mobil"] = (
            full["area_id"].map(gap.groupby("area_id")["hus"].sum()).fillna(0).astype("int64")
        )
    full["poeng"] = priority_score(full, cfg.prioritise.weights)
    budget = cfg.prioritise.municipal_budget_nok
    if budget is not None and len(full) and budget < full["kommunal"].min():
        report.warn(
            "prioritise",
            "budget_below_every_area",
            f"the municipal budget ({budget:,.0f} kr) is smaller than the co-funding of the cheapest area "
            f"({full['kommunal'].min():,.0f} kr): no area can be chosen",
            1,
        )
    value = full["poeng"] if cfg.prioritise.objective == "poeng" else None
    selection = select_areas(
        full,
        full["enheter"],
        municipal_budget=budget,
        years=cfg.prioritise.budget_years,
        state_budget=cfg.funding.state_budget_nok,
        value=value,
    )
    if not selection.attrs.get("optimal", True):
        report.warn(
            "prioritise",
            "selection_not_proven_optimal",
            f"the solver stopped at its time limit; the plan may be up to {selection.attrs['mip_gap']:.2%} "
            "from the best possible",
            1,
        )
    full = full.merge(selection, on="area_id")
    scenarios = compare_scenarios(
        full,
        full["enheter"],
        [budget, *cfg.prioritise.scenarios_nok],
        years=cfg.prioritise.budget_years,
        state_budget=cfg.funding.state_budget_nok,
        value=value,
    )
    aggregates = {by: aggregate(classified, by) for by in GROUPINGS if by in classified.columns}
    elig_rule = eligibility_rule(cfg.classify.scheme_year)
    chosen = full[full["valgt"]]
    summary: dict[str, object] = {
        "kommune": cfg.municipality.name,
        "adresser": len(classified),
        "husstander": int(classified["hus"].sum()),
        "husstander_uten_100": int(
            classified.loc[classified["best_down_kbps"] < 100_000, "hus"].sum()
        ),
        "stotteberettigede_adresser": int(classified["eligible"].sum()),
        "stotteberettigede_enheter": int(classified["eligible_units"].sum()),
        "omrader": len(full),
        "kost_total_alle": int(full["kost_total"].sum()),
        "kommunal_egenandel_alle": int(full["kommunal"].sum()),
        "valgte_omrader": chosen["area_id"].tolist(),
        "kommunal_egenandel_valgte": int(chosen["kommunal"].sum()),
        "enheter_valgte": int(chosen["enheter"].sum()),
        "stotteordning_aar": cfg.classify.scheme_year,
        "stotteregel": {
            "grense_kbps": elig_rule.eligible_below_kbps,
            "kilde": elig_rule.source,
            "verifisert": elig_rule.verified,
        },
        "egenandelsregel": {
            "regel": rule.rule,
            "pct": rule.pct,
            "region": rule.region,
            "kilde": rule.source,
        },
    }
    if mobile is not None and "mob_any_ok" in classified:
        summary["husstander_uten_god_mobil"] = int(
            classified.loc[~classified["mob_any_ok"], "hus"].sum()
        )
    if survey:
        summary["sporreundersokelse"] = {
            "svar": int(survey["totalt"]),
            "godkjent": int(survey["godkjent"]),
            "avvist": int(survey["avvist"]["row"].nunique()),
            "geokodet_andel": round(float(survey["treffrate"]), 4),
            "avvik": len(survey["avvik"]),
        }
        survey = {k: v for k, v in survey.items() if isinstance(v, pd.DataFrame)}
    report.figures.update(summary)
    return RunResult(
        classified,
        full,
        aggregates,
        report,
        summary,
        routes=routes,
        survey=survey,
        scenarios=scenarios,
    )


def analyse_survey(
    cfg: Config, classified: gpd.GeoDataFrame, report: RunReport, boundary: gpd.GeoDataFrame | None
) -> dict:
    """Read, validate, geocode and join the survey export; find discrepancies and demand."""
    from dekning.surveys.evidence import demand, discrepancies, join_answers, public_demand
    from dekning.surveys.geocode import geocode
    from dekning.surveys.read import SurveyRead, load_mapping, read_survey
    from dekning.surveys.store import answers_for_analysis

    if cfg.input.survey is not None:
        read = read_survey(
            cfg.input.survey, load_mapping(cfg.input.survey_mapping or cfg.surveys.mapping)
        )
    else:
        read = SurveyRead(
            pd.DataFrame(), pd.DataFrame(columns=["row", "field", "value", "reason"]), 0, ""
        )
    if cfg.input.survey_db is not None:
        stored = answers_for_analysis(cfg.input.survey_db)
        if len(stored):
            read = SurveyRead(
                pd.concat([read.answers, stored], ignore_index=True),
                read.rejected,
                read.total + len(stored),
                read.file,
            )
    report.warn(
        "survey",
        "survey_rows_rejected",
        "survey rows rejected (see sporreundersokelse_avvist.csv)",
        int(read.rejected["row"].nunique()),
        read.rejected["row"].unique().tolist(),
    )
    geo = geocode(
        read.answers,
        classified,
        boundary=None if boundary is None else boundary.union_all(),
        min_score=cfg.surveys.fuzzy_min_score,
        snap_m=cfg.surveys.snap_m,
    )
    report.warn(
        "survey",
        "survey_unmatched",
        "survey answers whose address was not found in the register",
        len(geo.unmatched),
        geo.unmatched["row"].tolist(),
    )
    joined = join_answers(geo.answers, classified)
    return {
        "totalt": read.total,
        "godkjent": len(read.answers),
        "treffrate": geo.match_rate,
        "svar": joined,
        "avvist": read.rejected,
        "ikke_funnet": geo.unmatched,
        "avvik": discrepancies(joined, slow_ratio=cfg.surveys.slow_ratio),
        "ettersporsel_omrader": demand(joined, "area_id"),
        "ettersporsel_ruter_offentlig": public_demand(
            joined, "ssb_rute_250", min_count=cfg.privacy.min_cell_count
        ),
    }


def _write_outputs(result: RunResult, cfg: Config, tmp: Path, step: Step) -> list[str]:
    from dekning.coverage.application.package import write_application
    from dekning.maps.planner import planner_map, write_map
    from dekning.maps.public import public_map

    step(STEPS[7])
    write_map(
        planner_map(
            result.classified,
            result.areas,
            mobile=cfg.input.mobile,
            classify_cfg=cfg.classify,
            routes=result.routes,
            survey=result.survey,
            title=f"{cfg.municipality.name} – planleggerkart",
        ),
        tmp / "kart_planlegger.html",
    )
    write_map(
        public_map(
            result.classified,
            result.areas,
            min_cell_count=cfg.privacy.min_cell_count,
            title=f"{cfg.municipality.name} – bredbånd og mobildekning",
        ),
        tmp / "kart_offentlig.html",
    )
    step(STEPS[8])
    cls = result.classified
    cls.to_file(tmp / "adresser_klassifisert.gpkg", layer="adresser", driver="GPKG")
    table = pd.DataFrame(cls.drop(columns="geometry")).assign(
        ost=cls.geometry.x.round(2), nord=cls.geometry.y.round(2)
    )
    table.to_csv(tmp / "adresser_klassifisert.csv", sep=";", index=False)
    result.areas.to_file(tmp / "omrader.gpkg", layer="omrader", driver="GPKG")
    if result.routes is not None:
        result.routes.to_file(tmp / "omrader.gpkg", layer="traseer", driver="GPKG")
    result.areas.to_crs(WEB_CRS).to_file(tmp / "omrader.geojson", driver="GeoJSON")
    pd.DataFrame(result.areas.drop(columns="geometry")).to_csv(
        tmp / "finansiering.csv", sep=";", index=False
    )
    if result.scenarios is not None:
        result.scenarios.to_csv(tmp / "scenarioer.csv", sep=";", index=False)
    for by, df in result.aggregates.items():
        df.to_csv(tmp / f"aggregat_{by}.csv", sep=";", index=False)
    names = {
        "svar": "sporreundersokelse_svar_PERSONOPPLYSNINGER.csv",
        "avvist": "sporreundersokelse_avvist.csv",
        "ikke_funnet": "sporreundersokelse_ikke_funnet.csv",
        "avvik": "avvik_mot_operatordata.csv",
        "ettersporsel_omrader": "ettersporsel_omrader.csv",
        "ettersporsel_ruter_offentlig": "ettersporsel_ruter_offentlig.csv",
    }
    for key, df in result.survey.items():
        df.to_csv(tmp / names[key], sep=";", index=False)
    chosen = result.areas.loc[result.areas["valgt"], "area_id"]
    for area_id in chosen:
        write_application(
            result.classified,
            result.areas,
            area_id,
            cfg,
            tmp / "soknad" / area_id,
            routes=result.routes,
        )
    (tmp / "rapport.json").write_text(
        json.dumps(
            {
                "dekning_versjon": __version__,
                "sammendrag": result.summary,
                "advarsler": json.loads(result.report.to_json())["warnings"],
                "konfigurasjon": json.loads(cfg.model_dump_json()),
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    (tmp / "sammendrag.txt").write_text(format_summary(result.summary) + "\n", encoding="utf-8")
    return sorted(p.name for p in tmp.iterdir())


def format_summary(s: dict[str, object]) -> str:
    """The short summary printed at the end of a run (bokmål, figures a planner quotes)."""

    def nok(v: object) -> str:
        return f"{int(v):,}".replace(",", " ") + " kr"  # type: ignore[call-overload]

    lines = [
        f"Kommune: {s['kommune']}",
        f"Adresser: {s['adresser']}  (husstander: {s['husstander']})",
        f"Husstander uten 100 Mbit/s: {s['husstander_uten_100']}",
        f"Støtteberettigede adresser: {s['stotteberettigede_adresser']}  (enheter: {s['stotteberettigede_enheter']})",
        f"Utbyggingsområder: {s['omrader']}  (kostnad alle: {nok(s['kost_total_alle'])})",
        f"Kommunal egenandel, alle områder: {nok(s['kommunal_egenandel_alle'])}",
        f"Valgt innenfor budsjett: {', '.join(s['valgte_omrader']) or 'ingen'}  "  # type: ignore[arg-type]
        f"({s['enheter_valgte']} enheter, egenandel {nok(s['kommunal_egenandel_valgte'])})",
    ]
    if "sporreundersokelse" in s:
        sv = s["sporreundersokelse"]
        lines.append(
            f"Spørreundersøkelse: {sv['svar']} svar, {sv['godkjent']} godkjent, {sv['avvist']} avvist, "  # type: ignore[index]
            f"{sv['geokodet_andel']:.1%} geokodet, {sv['avvik']} avvik mot operatørdata"  # type: ignore[index]
        )
    if "husstander_uten_god_mobil" in s:
        lines.insert(
            3,
            f"Husstander uten god mobildekning (ingen operatør): {s['husstander_uten_god_mobil']}",
        )
    return "\n".join(lines)


def run(cfg: Config, out_dir: str | Path, step: Step | None = None) -> RunResult:
    """Analyse and write every output into ``out_dir`` (replaced atomically).

    Raises
    ------
    DekningError
        Any input, configuration or planning problem; nothing is written then.
    """
    step = step or (lambda _name: None)
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    result = analyse(cfg, step)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)
    try:
        files = _write_outputs(result, cfg, tmp, step)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out_dir = out
    result.files = files
    return result


__all__ = ["STEPS", "RunResult", "analyse", "format_summary", "run"]
