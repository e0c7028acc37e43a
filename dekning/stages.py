"""The stages of a run: each a function of the configuration and the frames made so far,
returning the frames it adds. :mod:`dekning.pipeline` lists them in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.clock import today_in_norway
from dekning.config import Config
from dekning.coverage.application.masts import newly_covered
from dekning.coverage.classify.aggregate import GROUPINGS, aggregate, settlement
from dekning.coverage.classify.fixed import UNLISTED_REASON, classify
from dekning.coverage.classify.grids import MAP_MARGIN_M, class_grids
from dekning.coverage.classify.mobile import mobile_coverage
from dekning.coverage.classify.overrides import (
    DATA_OF_KIND,
    OLDER_DATA,
    PROVENANCE_COLUMNS,
    Operands,
    apply_overrides,
    locate_challenges,
    mark_challenges,
)
from dekning.coverage.classify.road_gaps import gap_stretches, road_summary
from dekning.coverage.classify.roads import road_mobile, segment_roads
from dekning.coverage.planning.areas import (
    areas_from_polygons,
    build_areas,
    read_area_polygons,
)
from dekning.coverage.planning.costs import estimate_costs
from dekning.coverage.planning.funding import fund, resolve_rule
from dekning.coverage.planning.masts import candidate_sites, screen_masts
from dekning.coverage.planning.prioritise import compare_scenarios, priority_score, select_areas
from dekning.coverage.planning.radio import Dem
from dekning.coverage.planning.routing import build_road_graph
from dekning.coverage.read.addresses import read_addresses, read_boundary
from dekning.coverage.read.consultation import read_consultation_list
from dekning.coverage.read.counts import read_address_counts
from dekning.coverage.read.fixed import read_coverage_polygons, read_fixed_coverage
from dekning.coverage.read.mobile import read_mobile_rows
from dekning.coverage.read.roads import read_roads
from dekning.coverage.read.upgradeable import read_upgradeable
from dekning.errors import InputError, PlanningError
from dekning.history import coverage_vintage
from dekning.io import read_lines, read_vector
from dekning.money import nok, percent
from dekning.report import RunReport
from dekning.result import Frames, RoadMobile
from dekning.rules import STATUS_WORD, EligibilityRule, eligibility_rule, scheme_year
from dekning.schema import MOBILE_ANY_COLUMN, SETTLEMENT_COLUMN, operators
from dekning.summary import build_summary, mast_figures, road_figures
from dekning.surveys.challenges import ChallengeStore
from dekning.surveys.evidence import demand, discrepancies, join_answers, public_demand
from dekning.surveys.geocode import geocode
from dekning.surveys.mapping import load_mapping
from dekning.surveys.proposals import propose
from dekning.surveys.read import SurveyRead, read_survey
from dekning.surveys.speedtests import (
    SPEEDTEST_COLUMNS,
    evidence,
    locate_speedtests,
    read_speedtests,
)
from dekning.surveys.store import answers_for_analysis, is_postgres

# ---------------------------------------------------------------- read


def read_register(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Addresses (EPSG:25833), the boundary and the counts per address."""
    inp = cfg.input
    addresses = read_addresses(inp.addresses, report, epsg=inp.addresses_epsg)
    boundary = read_boundary(inp.boundary, report) if inp.boundary is not None else None
    if boundary is not None:
        addresses = _inside_boundary(addresses, boundary, inp.boundary, inp.addresses, report)
    counts = read_address_counts(inp.address_counts, report) if inp.address_counts else None
    if counts is not None:
        _check_matches(counts["adrid"], addresses, inp.address_counts, "adressebruksfila")
    return {"addresses": addresses, "boundary": boundary, "counts": counts}


def _check_matches(ids: pd.Series, addresses: gpd.GeoDataFrame, file: Any, what: str) -> None:
    """Stop when a file about the addresses has no row, or no row for any address in the
    register (another municipality, or the wrong id column): going on would count every
    address as having nothing.

    Raises
    ------
    InputError
        Naming the file.
    """
    if len(ids) == 0:
        raise InputError(f"{what} har ingen rader", file=file)
    if not ids.isin(addresses["adrid"]).any():
        raise InputError(
            f"ingen av de {len(ids)} radene i {what} gjelder en adresse i adresseregisteret "
            f"(adresse-id som {ids.iloc[0]}); sjekk at filene gjelder samme kommune",
            file=file,
        )


def _inside_boundary(
    addresses: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame,
    boundary_file: Any,
    address_file: Any,
    report: RunReport,
) -> gpd.GeoDataFrame:
    """The addresses inside (or on) the municipality boundary; those outside are left out of the
    analysis, counted and listed in the report.

    Raises
    ------
    InputError
        No address lies inside the boundary (wrong boundary or wrong file).
    """
    inside = addresses.intersects(boundary.union_all()).to_numpy()
    if not inside.any():
        raise InputError(
            f"ingen av de {len(addresses)} adressene i {address_file} ligger innenfor "
            "kommunegrensen; sjekk at grensen og adresseregisteret gjelder samme kommune",
            file=boundary_file,
        )
    report.warn(
        "read",
        "addresses_outside_boundary",
        "adresser utenfor kommunegrensen (holdt utenfor analysen)",
        int((~inside).sum()),
        addresses.loc[~inside, "adrid"].tolist(),
    )
    return addresses.loc[inside].reset_index(drop=True)


def read_fixed(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Operators' fixed coverage (Nkom rows and/or coverage polygons) and the consultation list."""
    inp = cfg.input
    parts = []
    if inp.fixed_coverage is not None:
        unit = cfg.classify.fixed_speed_unit
        fixed = read_fixed_coverage(inp.fixed_coverage, report, speed_unit=unit)
        _check_matches(fixed["adrid"], f["addresses"], inp.fixed_coverage, "dekningsfila")
        parts.append(fixed)
    if inp.coverage_polygons is not None:
        parts.append(read_coverage_polygons(inp.coverage_polygons, f["addresses"], report))
    listed = None
    if inp.consultation_list is not None:
        listed = read_consultation_list(inp.consultation_list, report)
        _check_matches(listed["adrid"], f["addresses"], inp.consultation_list, "høringslista")
    return {
        "fixed": pd.concat(parts, ignore_index=True) if parts else None,
        "consultation": listed,
    }


def read_mobile(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Mobile classes per address (rasters; Nkom's ``mob`` rows for the operator × technology
    pairs without a raster) and per raster cell, per operator × technology."""
    inp = cfg.input
    rasters = inp.mobile
    rows = None
    if inp.mobile_addresses is not None:
        rows = read_mobile_rows(inp.mobile_addresses, report)
        _check_matches(rows["adrid"], f["addresses"], inp.mobile_addresses, "mobilfila (mob)")
    mobile, layers = mobile_coverage(f["addresses"], rasters, rows, cfg.classify, report)
    return {
        "mobile": mobile,
        "mobile_layers": layers,
        "mobile_grids": class_grids(rasters, cfg.classify, _map_bounds(f)),
    }


def read_road_network(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Road centre lines with category, number, name and ÅDT (``input.roads``), or None."""
    path = cfg.input.roads
    return {"roads": read_roads(path, report) if path is not None else None}


def _map_bounds(f: Frames) -> tuple[float, float, float, float]:
    """The addresses' and the boundary's extent (EPSG:25833) grown by ``MAP_MARGIN_M``: the maps
    need the mobile class grids there only."""
    minx, miny, maxx, maxy = f["addresses"].total_bounds
    boundary = f.get("boundary")
    if boundary is not None:
        bx0, by0, bx1, by1 = boundary.total_bounds
        minx, miny, maxx, maxy = min(minx, bx0), min(miny, by0), max(maxx, bx1), max(maxy, by1)
    m = MAP_MARGIN_M
    return (float(minx - m), float(miny - m), float(maxx + m), float(maxy + m))


def challenge_store(cfg: Config) -> ChallengeStore | None:
    """The challenges of ``input.survey_db`` (the survey answers' database), or None when the
    run has none (no database configured, or a SQLite file that does not exist yet: a run
    never makes one)."""
    db = cfg.input.survey_db
    if db is None or (not is_postgres(db) and not Path(db).is_file()):
        return None
    # a reader: a run never writes the schema into the answers' database
    return ChallengeStore(db, answer_days=cfg.evidence.answer_days, create=False)


def read_challenges(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """The challenges in the store (``input.survey_db``), or None when there is none."""
    store = challenge_store(cfg)
    return {"challenges": None if store is None else store.list()}


def _overridden(cfg: Config, f: Frames, report: RunReport) -> tuple[Operands, pd.DataFrame | None]:
    """The frames classification reads, with the upheld challenges (``opprettholdt``) applied,
    and their provenance (None when the run has no challenge store)."""
    operands = Operands(f["addresses"], f["fixed"], f["consultation"], f["counts"], f["mobile"])
    challenges = f.get("challenges")
    if challenges is None:
        return operands, None
    upheld = challenges.loc[challenges["status"] == "opprettholdt"]
    if upheld.empty:
        return operands, pd.DataFrame({c: pd.Series(dtype=object) for c in PROVENANCE_COLUMNS})
    made_against = [d.get("datagrunnlag") for d in upheld["detaljer"] if isinstance(d, dict)]
    vintage = coverage_vintage(cfg) if any(made_against) else None
    changed, provenance = apply_overrides(
        upheld, operands, f["mobile_layers"], cfg.classify, vintage
    )
    report.warn(
        "challenges",
        "overrides_applied",
        "opprettholdte utfordringer brukt som overstyring av operatørdataene "
        "(se overstyringer_PERSONOPPLYSNINGER.csv)",
        len(upheld),
        upheld["id"].tolist(),
    )
    report.warn(
        "challenges",
        "overrides_on_older_data",
        "opprettholdte utfordringer laget mot eldre dekningsdata: ikke brukt (vurder dem på nytt)",
        int((provenance["endring"] == OLDER_DATA).sum()),
        provenance.loc[provenance["endring"] == OLDER_DATA, "utfordring"].tolist(),
    )
    idle = provenance.loc[provenance["endring"].str.startswith("ingen virkning")]
    report.warn(
        "challenges",
        "overrides_without_effect",
        "opprettholdte utfordringer som ikke endret noe (grunnen står i overstyringer_PERSONOPPLYSNINGER.csv)",
        len(idle),
        idle["utfordring"].tolist(),
    )
    return changed, provenance


# ---------------------------------------------------------------- classify


def _eligibility_rule(cfg: Config) -> EligibilityRule:
    """The eligibility rule of the run's scheme year (set, or the current year's)."""
    return eligibility_rule(scheme_year(cfg.classify))


def classify_addresses(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Best fixed offer, speed class, eligibility and mobile classes per address, after the
    upheld challenges are applied to the operator data (``overrides``: what they changed); the
    addresses the user marks as easily upgradeable to 1 Gbit/s (``input.upgradeable``) are read
    here."""
    path = cfg.input.upgradeable
    upgradeable = read_upgradeable(path, f["addresses"], report) if path is not None else None
    data, overrides = _overridden(cfg, f, report)
    classified = classify(
        f["addresses"],
        data.fixed,
        cfg.classify,
        counts=data.counts,
        mobile=data.mobile,
        consultation=data.consultation,
        upgradeable=upgradeable,
        report=report,
        rule=_eligibility_rule(cfg),
    )
    tettsted = settlement(classified["adrid"].to_numpy(), f["counts"])
    if tettsted is not None:  # the counts file has Nkom's ertett: tettsted / spredtbygd
        classified[SETTLEMENT_COLUMN] = tettsted
    challenges = f.get("challenges")
    located = None
    if challenges is not None:
        classified = mark_challenges(classified, challenges, overrides)
        located = locate_challenges(challenges, classified)
    return {
        "classified": classified,
        "overrides": overrides,
        "located_challenges": located,
        "classified_from": data,
    }


def classify_roads(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Mobile coverage along the roads inside the municipality: segments, gap stretches and
    the covered shares per road category (when roads and mobile coverage are given)."""
    roads, layers = f.get("roads"), f["mobile_layers"]
    if roads is None or not layers:
        return {"road_mobile": None}
    boundary = f.get("boundary")
    if boundary is not None:
        roads = gpd.clip(roads, boundary.union_all()).explode(ignore_index=True)
        roads = roads.loc[roads.geom_type == "LineString"].reset_index(drop=True)
    if roads.empty:
        report.warn("roads", "roads_outside_boundary", "ingen veger innenfor kommunegrensen", 1)
        return {"road_mobile": None}
    rcfg = cfg.roads
    segments = road_mobile(
        segment_roads(roads, rcfg.segment_m),
        layers,
        cfg.input.mobile,
        cfg.classify,
        rcfg,
        addresses=f["addresses"],
        address_mobile=f["classified_from"].mobile,
        report=report,
    )
    ops = operators(layers)
    classified = f["classified"]
    every = gap_stretches(segments, ops, classified, rcfg.nearby_m)
    listed = every.loc[every["lengde_m"] >= rcfg.min_gap_m].reset_index(drop=True)
    road = RoadMobile(
        segments,
        listed,
        road_summary(segments, every),
        source=str(segments["kilde"].iloc[0]),
        satisfactory=rcfg.satisfactory,
    )
    return {"road_mobile": road}


# ---------------------------------------------------------------- plan


def make_areas(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Build-out areas: drawn by the user, or grouped from eligible addresses (along roads when
    roads are given)."""
    inp = cfg.input
    roads = f.get("roads")
    road_graph = build_road_graph(roads) if roads is not None else None
    classified = f["classified"]
    if inp.areas is not None:
        polygons = read_area_polygons(inp.areas)
        try:
            areas, area_of = areas_from_polygons(classified, polygons, cfg.areas, report)
        except PlanningError as err:
            raise InputError(str(err), file=inp.areas) from None
    else:
        areas, area_of = build_areas(classified, cfg.areas, road_graph)
    classified["area_id"] = area_of.to_numpy()
    return {"areas": areas, "area_of": area_of, "road_graph": road_graph}


def _ground(cfg: Config) -> gpd.GeoDataFrame | None:
    """Ground classes (polygons with a ``klasse`` column), when configured.

    Raises
    ------
    InputError
        No ``klasse`` column, or a polygon whose class (or empty class) has no price in
        ``costs.ground_cost_per_metre_nok``: it would silently be costed at the ordinary rate.
    """
    path = cfg.input.ground
    if path is None:
        return None
    ground = read_vector(path, "grunnklassene")
    if "klasse" not in ground.columns:
        raise InputError(
            f"mangler kolonnen 'klasse'; fila har: {', '.join(map(str, ground.columns))}",
            file=path,
            field="klasse",
        )
    polygonal = ground.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not polygonal.all():
        pos = int((~polygonal).nonzero()[0][0])
        raise InputError(
            f"grunnklasser må være polygoner; fant {ground.geom_type.iloc[pos]}",
            file=path,
            line=pos + 1,
            field="geometry",
            feature=True,
        )
    prices = cfg.costs.ground_cost_per_metre_nok
    classes = ground["klasse"].astype("string").fillna("").str.strip()
    unpriced = ~classes.isin(list(prices)).to_numpy()
    if unpriced.any():
        pos = int(unpriced.nonzero()[0][0])
        missing = sorted(set(classes[unpriced]))
        raise InputError(
            f"grunnklasse {classes.iloc[pos]!r} har ingen pris i "
            f"costs.ground_cost_per_metre_nok (uten pris: {', '.join(map(repr, missing[:5]))}; "
            f"med pris: {', '.join(sorted(prices)) or 'ingen'}); legg den til i konfigurasjonen",
            file=path,
            line=pos + 1,
            field="klasse",
            feature=True,
        )
    ground["klasse"] = classes.to_numpy(dtype=object)
    return ground


def cost_and_fund(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Route, cost and the funding plan of every area, in whole kroner."""
    inp = cfg.input
    ducts = read_lines(inp.ducts, "trekkrørene") if inp.ducts is not None else None
    costs, routes = estimate_costs(
        f["areas"],
        f["classified"],
        f["area_of"],
        cfg.costs,
        roads=f["road_graph"],
        ducts=ducts,
        ground=_ground(cfg),
    )
    rule = resolve_rule(cfg.funding, scheme_year(cfg.classify), cfg.municipality.county)
    eligibility = _eligibility_rule(cfg)
    funding = fund(costs, cfg.funding, rule, f["areas"]["enheter"]).assign(
        stotteregel_aar=eligibility.year,
        stotteregel_status=STATUS_WORD[eligibility.status],
        stotteregel_kilde=eligibility.source,
    )
    return {"costs": costs, "routes": routes, "funding": funding}


def _survey_answers(cfg: Config) -> SurveyRead:
    """Answers from the survey export and from the answer store (API submissions)."""
    inp = cfg.input
    if inp.survey is not None:
        read = read_survey(inp.survey, load_mapping(inp.survey_mapping or cfg.surveys.mapping))
    else:
        empty = pd.DataFrame(columns=["row", "field", "value", "reason"])
        read = SurveyRead(pd.DataFrame(), empty, 0, "")
    stored = answers_for_analysis(inp.survey_db) if inp.survey_db is not None else None
    if stored is not None and len(stored):
        answers = pd.concat([read.answers, stored], ignore_index=True)
        read = SurveyRead(answers, read.rejected, read.total + len(stored), read.file)
    return read


def survey_evidence(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Survey answers geocoded and joined to the classified addresses: discrepancies with the
    operators' data and demand per area and per 250 m cell."""
    if cfg.input.survey is None and cfg.input.survey_db is None:
        return {"survey": {}}
    read = _survey_answers(cfg)
    report.warn(
        "survey",
        "survey_rows_rejected",
        "avviste rader i spørreundersøkelsen (se sporreundersokelse_avvist.csv)",
        int(read.rejected["row"].nunique()),
        read.rejected["row"].unique().tolist(),
    )
    boundary = f["boundary"]
    geo = geocode(
        read.answers,
        f["classified"],
        boundary=None if boundary is None else boundary.union_all(),
        min_score=cfg.surveys.fuzzy_min_score,
        snap_m=cfg.surveys.snap_m,
    )
    report.warn(
        "survey",
        "survey_unmatched",
        "svar der adressen ikke ble funnet i adresseregisteret",
        len(geo.unmatched),
        geo.unmatched["row"].tolist(),
    )
    joined = join_answers(geo.answers, f["classified"], f["mobile_layers"])
    survey = {
        "totalt": read.total,
        "godkjent": len(read.answers),
        "treffrate": geo.match_rate,
        "svar": joined,
        "avvist": read.rejected,
        "ikke_funnet": geo.unmatched,
        "avvik": discrepancies(joined, f["mobile_layers"], slow_ratio=cfg.surveys.slow_ratio),
        "ettersporsel_omrader": demand(joined, "area_id"),
        "ettersporsel_ruter": demand(joined, "ssb_rute_250"),
        "ettersporsel_ruter_offentlig": public_demand(
            joined, "ssb_rute_250", min_count=cfg.privacy.min_cell_count
        ),
    }
    return {"survey": survey}


def _speed_tests(cfg: Config, f: Frames) -> pd.DataFrame:
    """Speed tests from ``input.speedtests`` and those stored in the answers' database, each
    given the address it was taken at (``adrid``; -1 when not found)."""
    parts = []
    if cfg.input.speedtests is not None:
        parts.append(read_speedtests(cfg.input.speedtests, cfg.input.speedtests_format))
    store = challenge_store(cfg)
    if store is not None:
        stored = store.speedtests()
        if len(stored):
            parts.append(stored.reindex(columns=list(SPEEDTEST_COLUMNS)))
    if not parts:
        return pd.DataFrame(columns=list(SPEEDTEST_COLUMNS))
    for part in parts:  # a file's times are Norwegian, the store's UTC: one zone for all
        part["tid"] = pd.to_datetime(part["tid"], utc=True)
    tests = pd.concat(parts, ignore_index=True)
    # the same test from the file and from the store (imported earlier) counts once
    same = ["tid", "adrid", "adresse", "lat", "lon", "ned_mbps", "opp_mbps", "tilkobling"]
    tests = tests.drop_duplicates([c for c in same if c in tests.columns]).reset_index(drop=True)
    boundary = f["boundary"]
    return locate_speedtests(
        tests,
        f["classified"],
        boundary=None if boundary is None else boundary.union_all(),
        min_score=cfg.surveys.fuzzy_min_score,
        snap_m=cfg.surveys.snap_m,
    )


def challenge_evidence(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Speed tests as evidence per address (``[evidence]`` rules) and the challenges that the
    evidence supports (``utfordringer_forslag``), for planners to store and send."""
    classified = f["classified"]
    tests = _speed_tests(cfg, f)
    report.warn(
        "evidence",
        "speedtests_unmatched",
        "fartstester der adressen ikke ble funnet i adresseregisteret",
        int((tests["adrid"] < 0).sum()),
        tests.loc[tests["adrid"] < 0, "rad"].tolist() if "rad" in tests else [],
    )
    offered = pd.DataFrame(classified[["adrid", "best_down_kbps", "best_up_kbps"]])
    speed = evidence(tests, offered, cfg.evidence, today=today_in_norway())
    survey = f["survey"]
    reason = classified["reason"].astype(str)
    unlisted = classified.loc[reason.eq(UNLISTED_REASON), "adrid"].tolist()
    data = f["classified_from"]
    proposals = propose(
        classified,
        data.fixed,
        survey.get("svar", pd.DataFrame()),
        survey.get("avvik", pd.DataFrame(columns=["avvik"])),
        speed,
        cfg.evidence,
        unlisted=unlisted if data.consultation is not None else (),
    )
    if len(proposals):  # the operator data each proposal was made against
        vintage = coverage_vintage(cfg)
        proposals["detaljer"] = pd.Series(
            [
                {**(d or {}), "datagrunnlag": vintage[DATA_OF_KIND[k]]} if k in DATA_OF_KIND else d
                for k, d in zip(proposals["kind"], proposals["detaljer"], strict=True)
            ],
            index=proposals.index,
            dtype=object,
        )
    return {"speed_evidence": speed if len(tests) else None, "proposals": proposals}


def _plan_table(f: Frames) -> gpd.GeoDataFrame:
    """Areas joined with cost, funding, survey demand and mobile dead zones (EPSG:25833)."""
    areas = f["areas"]
    plan = areas.merge(f["costs"], on="area_id").merge(
        f["funding"].drop(columns=["kost_total"]), on="area_id"
    )
    plan = gpd.GeoDataFrame(plan, geometry="geometry", crs=areas.crs)
    if "ettersporsel_omrader" in f["survey"]:
        d = f["survey"]["ettersporsel_omrader"].set_index("area_id")
        for col in ("svar", "andel_interessert", "betalingsvilje_median"):
            if col in d:
                plan[col] = plan["area_id"].map(d[col])
        plan["svar"] = plan["svar"].fillna(0).astype("int64")
    classified = f["classified"]
    if MOBILE_ANY_COLUMN in classified:
        gap = classified.loc[classified["eligible"] & ~classified[MOBILE_ANY_COLUMN].astype(bool)]
        per_area = gap.groupby("area_id")["hus"].sum()
        plan["hus_uten_mobil"] = plan["area_id"].map(per_area).fillna(0).astype("int64")
    return plan


def prioritise(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Priority score, the exact selection under the budget and the budget scenarios."""
    plan = _plan_table(f)
    pcfg = cfg.prioritise
    plan["poeng"] = priority_score(plan, pcfg.weights)
    budget = pcfg.municipal_budget_nok
    if budget is not None and len(plan) and budget < plan["kommunal"].min():
        report.warn(
            "prioritise",
            "budget_below_every_area",
            f"det kommunale budsjettet ({nok(budget)}) er mindre enn egenandelen i det "
            f"billigste området ({nok(plan['kommunal'].min())}): ingen områder kan velges",
            1,
        )
    value = plan["poeng"] if pcfg.objective == "poeng" else None
    state_budget = cfg.funding.state_budget_nok
    years = pcfg.budget_years
    selection = select_areas(
        plan,
        plan["enheter"],
        municipal_budget=budget,
        years=years,
        state_budget=state_budget,
        value=value,
    )
    if not selection.attrs.get("optimal", True):
        report.warn(
            "prioritise",
            "selection_not_proven_optimal",
            "løseren stoppet ved tidsgrensen; planen kan være opptil "
            f"{percent(selection.attrs['mip_gap'], 2)} fra den beste mulige",
            1,
        )
    plan = plan.merge(selection, on="area_id")
    budgets = [budget, *pcfg.scenarios_nok]
    scenarios = compare_scenarios(
        plan, plan["enheter"], budgets, years=years, state_budget=state_budget, value=value
    )
    return {"plan": plan, "scenarios": scenarios}


def screen_mast_sites(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Candidate mast sites screened over the terrain (``input.dem``): what each would newly
    cover on the roads and at the addresses, its funding, and the choice under
    ``masts.budget_nok``."""
    if cfg.input.dem is None:
        return {"masts": None}
    if not f["mobile_layers"]:
        report.warn(
            "masts",
            "masts_without_mobile_coverage",
            "terrengmodell gitt, men ingen mobildekning: mastekandidatene vurderes ikke",
            1,
        )
        return {"masts": None}
    dem = Dem.from_path(cfg.input.dem)
    sites = candidate_sites(cfg, dem, f.get("boundary"))
    road = f.get("road_mobile")
    screening = screen_masts(
        cfg, dem, sites, f["classified"], None if road is None else road.segments
    )
    if not screening.optimal:
        report.warn(
            "masts",
            "mast_choice_not_proven_optimal",
            "løseren stoppet ved tidsgrensen: mastvalget er kanskje ikke det beste mulige",
            1,
        )
    return {"masts": screening}


def summarise(cfg: Config, f: Frames, report: RunReport) -> Frames:
    """Aggregates per area unit and the run's headline figures."""
    classified = f["classified"]
    aggregates = {by: aggregate(classified, by) for by in GROUPINGS if by in classified.columns}
    summary = build_summary(
        cfg.municipality.name,
        classified,
        f["plan"],
        _eligibility_rule(cfg),
        resolve_rule(cfg.funding, scheme_year(cfg.classify), cfg.municipality.county),
        f["survey"],
        classify_cfg=cfg.classify,
        state_budget_nok=cfg.funding.state_budget_nok,
    )
    road = f.get("road_mobile")
    if road is not None:
        summary["mobil_veg"] = road_figures(
            road.summary, road.stretches, source=road.source, satisfactory=road.satisfactory
        )
    masts = f.get("masts")
    if masts is not None:
        chosen = np.flatnonzero(masts.sites["valgt"].to_numpy())
        seg, adr = newly_covered(masts, chosen, None if road is None else road.segments, classified)
        units = int(adr["hus"].sum() + adr.get("naering", pd.Series(0)).sum()) if len(adr) else 0
        summary["master"] = mast_figures(
            masts.sites,
            float(seg["lengde_m"].sum()) / 1000 if len(seg) else 0.0,
            units,
            int(adr["fritid"].sum()) if len(adr) and "fritid" in adr else 0,
            masts.rule.covered,
        )
    report.figures.update(summary)
    return {"aggregates": aggregates, "summary": summary}
