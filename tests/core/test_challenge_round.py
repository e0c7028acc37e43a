"""A whole challenge round on the default data, through the CLI where a planner would use it:
speed tests as evidence → proposed challenge → sent → exported lists → the operator's answers
→ a re-run with the upheld challenge as an override → ``dekning diff`` of the two runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
from typer.testing import CliRunner, Result

from dekning.cli import app
from dekning.config import Config, load_default_config
from dekning.outputs import write_tables
from dekning.pipeline import RunResult, analyse
from dekning.surveys.challenges import ChallengeStore
from dekning.textsafe import read_spreadsheet_csv

SPEEDS_MBPS = (18.0, 22.0, 30.0)
MEDIAN_KBPS = 22_000


def _cli(*args: str | Path) -> Result:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return result


def _fast_address(result: RunResult) -> pd.Series:
    """An address with one operator's fast fixed offer (≥ 500 Mbit/s), households and no
    eligibility; the one nearest an eligible address of a chosen area (so that, once the offer
    is capped, it likely joins that area)."""
    c = result.classified
    fast = c[
        (c["best_down_kbps"] >= 500_000) & ~c["eligible"] & (c["n_operators"] == 1) & (c["hus"] > 0)
    ]
    chosen = set(result.areas.loc[result.areas["valgt"], "area_id"])
    near = c[c["eligible"] & c["area_id"].isin(chosen)]
    distance = fast.geometry.apply(lambda g: near.distance(g).min())
    return fast.loc[distance.sort_values(kind="stable").index[0]]


def _speedtests(path: Path, adrid: int) -> Path:
    """Three wired tests at ``adrid`` on the last three days (generic format)."""
    today = dt.date.today()
    rows = ["tidspunkt;download (mbit/s);upload (mbit/s);tilkobling;adresse-id"]
    for days, speed in enumerate(SPEEDS_MBPS, start=1):
        when = (today - dt.timedelta(days=days)).isoformat()
        rows.append(f"{when} 19:30;{speed};{speed / 2};kablet;{adrid}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _run_into(cfg: Config, folder: Path) -> RunResult:
    """The analysis and its tables (the maps are not needed here)."""
    result = analyse(cfg)
    folder.mkdir()
    write_tables(result, cfg, folder)
    return result


def _answer(workbook: Path, answers: dict[int, tuple[str, str]]) -> None:
    """Fill in ``Svar`` and ``Begrunnelse`` of an operator's list, by challenge id."""
    book = openpyxl.load_workbook(workbook)
    ws = book["Utfordringer"]
    headers = [c.value for c in ws[1]]
    id_col = headers.index("Utfordring") + 1
    answer_col, reason_col = headers.index("Svar") + 1, headers.index("Begrunnelse") + 1
    for row in range(2, ws.max_row + 1):
        cid = ws.cell(row, id_col).value
        if cid is not None and int(cid) in answers:
            said, why = answers[int(cid)]
            ws.cell(row, answer_col).value = said
            ws.cell(row, reason_col).value = why
    book.save(workbook)


def test_full_round(tmp_path, default_result):
    db = tmp_path / "svar.sqlite"
    base = load_default_config()
    cfg = base.model_copy(update={"input": base.input.model_copy(update={"survey_db": str(db)})})
    address = _fast_address(default_result)
    adrid = int(address["adrid"])
    operator = str(address["operators"]).lower()

    # 1. the residents' speed tests, imported
    tests = _speedtests(tmp_path / "fartstester.csv", adrid)
    assert (
        "Lagret 3 fartstester"
        in _cli("utfordring", "tester", tests, "--db", db, "--format", "generisk").stdout
    )

    # 2. a run, then the proposals
    out1 = tmp_path / "ut1"
    first = _run_into(cfg, out1)
    speed = first.survey["fartstester"].set_index("adrid").loc[adrid]
    assert bool(speed["for_treg"]) and speed["median_ned_mbps"] == MEDIAN_KBPS / 1000
    proposed = " ".join(_cli("utfordring", "foreslå", "--db", db).stdout.split())
    assert "For lav hastighet" in proposed and "Mobildekning" in proposed
    store = ChallengeStore(db)
    made = store.list()
    slow = made[(made["adrid"] == adrid) & (made["kind"] == "for_treg")]
    assert len(slow) == 1 and slow.iloc[0]["operator"] == operator
    slow_id = int(slow.iloc[0]["id"])
    assert {"mobil", "feil_teknologi"} <= set(made["kind"])

    # 3. sent, and the lists exported (addresses from the first run)
    _cli("utfordring", "send", "--db", db, "--hvem", "Planlegger")
    assert set(store.list()["status"]) == {"sendt"}
    export = tmp_path / "runde"
    shown = _cli(
        "utfordring", "eksporter", export, "--db", db, "--fra-kjoring", out1, "--runde", "R1"
    ).stdout
    assert "ny_horing.xlsx" in shown
    listed = pd.read_excel(export / "ny_horing.xlsx", sheet_name="Ny høring")
    assert listed["Kommentar"].isna().all()  # residents' comments are personal data: left out
    ours = listed[listed["Adresse-ID"] == adrid]
    assert list(ours["Utfordring"]) == [slow_id]
    assert ours.iloc[0]["Adresse"] == address["adressetekst"]
    sent = store.list(status=["sendt"])
    for name in set(sent.loc[sent["operator"] != "", "operator"]):
        stem = name.replace(" ", "_")
        assert (export / "tilbydere" / f"{stem}.xlsx").is_file(), name
        assert (export / "tilbydere" / f"{stem}.csv").is_file(), name

    # 4. the operator accepts the slow offer and disputes one other challenge
    workbook = export / "tilbydere" / f"{operator.replace(' ', '_')}.xlsx"
    rows = pd.read_excel(workbook, sheet_name="Utfordringer")
    assert set(rows["Tilbyder"]) == {operator}  # read back and checked against the store
    others = [int(i) for i in rows["Utfordring"] if int(i) != slow_id]
    assert others, "the operator has no other challenge to dispute"
    disputed = others[0]
    _answer(
        workbook,
        {
            slow_id: ("godtar", "Linja er dempet; vi retter dataene."),
            disputed: ("bestrider", "Vi har fiber levert til adressen."),
        },
    )
    counted = _cli(
        "utfordring", "svar", workbook, "--db", db, "--hvem", operator, "--tilbyder", operator
    ).stdout
    assert "Tilsvar lagret: 2 (opprettholdt fordi tilbyderen godtok: 1)" in counted
    assert store.get(slow_id)["status"] == "opprettholdt"
    assert store.get(disputed)["status"] == "tilsvar"
    version = store.get(disputed)["versjon"]
    _cli(
        "utfordring",
        "endre",
        str(disputed),
        "--db",
        db,
        "--versjon",
        str(version),
        "--hvem",
        "Planlegger",
        "--status",
        "avvist",
    )
    assert store.get(disputed)["status"] == "avvist"

    # 5. the second run applies the upheld challenge
    out2 = tmp_path / "ut2"
    second = _run_into(cfg, out2)
    row = second.classified.set_index("adrid").loc[adrid]
    assert bool(row["eligible"]) and row["best_down_kbps"] <= MEDIAN_KBPS
    assert row["utfordring_status"] == "opprettholdt"
    assert f"utfordring {slow_id}" in row["overstyring"]
    overrides = read_spreadsheet_csv(out2 / "overstyringer_PERSONOPPLYSNINGER.csv", ("endring",))
    ours = overrides[overrides["utfordring"] == slow_id]
    assert list(ours["adrid"]) == [adrid] and ours.iloc[0]["endring"]
    assert ours.iloc[0]["endring"] in row["overstyring"]
    table = read_spreadsheet_csv(out2 / "adresser_klassifisert.csv", ("overstyring",))
    assert "overstyring" in table.columns
    area = row["area_id"]
    chosen = second.areas.set_index("area_id")["valgt"]
    if isinstance(area, str) and area and bool(chosen.get(area, False)):
        package = read_spreadsheet_csv(out2 / "soknad" / area / "adresser.csv")
        mine = package[package["Adresse-ID"] == adrid]
        assert f"utfordring {slow_id}" in mine.iloc[0]["Overstyrt av utfordring"]

    # 6. the difference between the runs
    changes = tmp_path / "endringer.csv"
    shown = " ".join(_cli("diff", out1, out2, "--csv", changes).stdout.split())
    assert "ble støtteberettiget" in shown
    diff = read_spreadsheet_csv(changes, ("endringer",)).set_index("adrid").loc[adrid]
    assert "ble_stotteberettiget" in diff["endringer"] and "tregere" in diff["endringer"]
    assert not diff["stotteberettiget_for"] and diff["stotteberettiget_etter"]
    # the first run saw no challenge at the address, the second an upheld one
    assert "utfordring" in diff["endringer"]
    assert (diff["utfordring_for"] if isinstance(diff["utfordring_for"], str) else "") == ""
    assert diff["utfordring_etter"] == "opprettholdt"
    assert "utfordringens status er endret" in shown
