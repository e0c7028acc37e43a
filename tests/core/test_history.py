"""`dekning diff`: what changed per address between two runs, counted by hand on edited copies
of the default run's address table; and the inputs each run records."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from dekning.history import CHANGES, changed_inputs, diff_runs
from dekning.outputs import write_tables
from dekning.textsafe import read_spreadsheet_csv, write_spreadsheet_csv


@pytest.fixture(scope="module")
def runs(default_result, default_config, tmp_path_factory):
    """The default run's tables (old) and a copy whose address table is edited (new):

    - address A (lacked 100 Mbit/s, eligible, in an area) gets fibre at 1 Gbit/s, is no longer
      eligible and leaves its area;
    - address B (had ≥ 100 Mbit/s) drops to 20 Mbit/s of DSL;
    - address C disappears; a new address D appears.
    """
    old = tmp_path_factory.mktemp("gammel")
    write_tables(default_result, default_config, old)
    new = tmp_path_factory.mktemp("ny")
    for f in ("adresser_klassifisert.csv", "rapport.json"):
        shutil.copy(old / f, new / f)
    t = read_spreadsheet_csv(new / "adresser_klassifisert.csv")
    a = t.index[(t["best_down_kbps"] < 100_000) & t["eligible"] & t["area_id"].notna()][0]
    b = t.index[(t["best_down_kbps"] >= 100_000) & (t["best_tek"] != "dsl")][0]
    c = t.index[-1]
    ids = {"a": t.at[a, "adrid"], "b": t.at[b, "adrid"], "c": t.at[c, "adrid"]}
    t.loc[a, ["best_down_kbps", "best_tek", "speed_class", "eligible", "area_id"]] = [
        1_000_000,
        "fiber",
        "ge1000",
        False,
        None,
    ]
    t.loc[b, ["best_down_kbps", "best_tek", "speed_class"]] = [20_000, "dsl", "lt30"]
    d = t.loc[[c]].assign(adrid=999_999_999, adressetekst="Nyvegen 1")
    t = pd.concat([t.drop(index=c), d], ignore_index=True)
    write_spreadsheet_csv(t, new / "adresser_klassifisert.csv")
    report = json.loads((new / "rapport.json").read_text(encoding="utf-8"))
    report["inndata"][0]["sha256"] = "0" * 64  # the first input file changed
    (new / "rapport.json").write_text(json.dumps(report), encoding="utf-8")
    return old, new, ids, report["inndata"][0]["nokkel"]


def test_counts_by_hand(runs):
    old, new, ids, _ = runs
    table, counts = diff_runs(old, new)
    assert set(counts) == set(CHANGES)
    assert counts["ny_adresse"] == 1 and counts["borte"] == 1
    assert counts["fikk_100"] == 1 and counts["mistet_100"] == 1
    assert counts["raskere"] == 1 and counts["tregere"] == 1
    assert counts["ny_teknologi"] == 2
    assert counts["ikke_lenger_stotteberettiget"] == 1 and counts["ble_stotteberettiget"] == 0
    assert counts["annet_omrade"] == 1
    assert len(table) == 4  # A, B, C and D
    by_id = table.set_index("adrid")
    assert by_id.at[ids["a"], "endringer"] == (
        "fikk_100, raskere, ny_teknologi, ikke_lenger_stotteberettiget, annet_omrade"
    )
    assert by_id.at[ids["a"], "teknologi_etter"] == "fiber"
    assert by_id.at[ids["b"], "endringer"] == "mistet_100, tregere, ny_teknologi"
    assert by_id.at[ids["c"], "endringer"] == "borte"
    assert by_id.at[999_999_999, "endringer"] == "ny_adresse"


def test_a_run_against_itself_changes_nothing(runs):
    old, _, _, _ = runs
    table, counts = diff_runs(old, old)
    assert table.empty and not any(counts.values())


def test_every_run_records_its_inputs_and_the_diff_names_the_changed_one(runs, default_config):
    old, new, _, key = runs
    report = json.loads((old / "rapport.json").read_text(encoding="utf-8"))
    record = {e["nokkel"]: e for e in report["inndata"]}
    assert record["addresses"]["navn"] == default_config.input.addresses.name
    assert len(record["addresses"]["sha256"]) == 64 and record["addresses"]["endret"]
    assert [k for k, _, _ in changed_inputs(old, new)] == [key]


def test_cli_prints_counts_and_writes_the_changed_addresses(runs, tmp_path):
    from typer.testing import CliRunner

    from dekning.cli import app

    old, new, _, _ = runs
    result = CliRunner().invoke(app, ["diff", str(old), str(new), "--csv", str(tmp_path / "e.csv")])
    assert result.exit_code == 0, result.output
    assert "fikk tilbud på minst 100 Mbit/s" in result.output and "Inndata endret" in result.output
    assert len(read_spreadsheet_csv(tmp_path / "e.csv")) == 4
    again = CliRunner().invoke(app, ["diff", str(old), str(new), "--csv", str(tmp_path / "e.csv")])
    assert again.exit_code == 2 and "finnes fra før" in again.output  # never overwritten
    assert len(read_spreadsheet_csv(tmp_path / "e.csv")) == 4
    bad = CliRunner().invoke(app, ["diff", str(tmp_path), str(new)])
    assert bad.exit_code == 2 and "ikke resultatet av en kjøring" in bad.output


def test_a_challenge_status_change_is_a_change_and_old_runs_without_one_compare(runs, tmp_path):
    old, new, ids, _ = runs
    _, before = diff_runs(old, new)
    assert before["utfordring"] == 0  # neither run has challenge columns
    later = tmp_path / "senere"
    shutil.copytree(new, later)
    t = read_spreadsheet_csv(later / "adresser_klassifisert.csv")
    t["utfordring_status"] = ""
    t.loc[t["adrid"] == ids["b"], "utfordring_status"] = "opprettholdt"
    write_spreadsheet_csv(t, later / "adresser_klassifisert.csv")
    table, counts = diff_runs(new, later)
    assert counts["utfordring"] == 1 and sum(counts.values()) == 1
    row = table.set_index("adrid").loc[ids["b"]]
    assert row["endringer"] == "utfordring"
    assert (row["utfordring_for"], row["utfordring_etter"]) == ("", "opprettholdt")
