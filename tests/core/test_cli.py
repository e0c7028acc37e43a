"""The CLI end to end on the embedded default data, checked against counts computed directly
from the raw files (independently of dekning's own readers)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dekning import __version__
from dekning.cli import app
from dekning.textsafe import read_spreadsheet_csv

DEKNING = [sys.executable, "-c", "from dekning.cli import main; main()"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [*DEKNING, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def run_dir(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    tmp = tmp_path_factory.mktemp("cli")
    proc = _cli("run", "--out", "ut", cwd=tmp)
    return tmp / "ut", proc


def _expected(data_dir: Path) -> dict[str, int]:
    addr = pd.read_csv(data_dir / "adresser.csv", sep=";", dtype=str)
    counts = pd.read_csv(data_dir / "adressebruk.csv", sep=";")
    fbb = pd.read_csv(data_dir / "nkom_fbb.csv", sep=";")
    best = fbb[fbb["tek"] != "satellitt"].groupby("adrid")["ned"].max()
    c = counts.set_index("adrid")
    best = best.reindex(c.index).fillna(0)
    lacking = best < 100_000
    units = c["hus"] + c["naering"] + c["offentlig"]
    return {
        "adresser": len(addr),
        "husstander": int(c["hus"].sum()),
        "husstander_uten_100": int(c.loc[lacking, "hus"].sum()),
        "stotteberettigede_adresser": int((lacking & (units > 0)).sum()),
    }


def test_run_writes_every_output(run_dir, data_dir):
    out, proc = run_dir
    assert proc.returncode == 0, proc.stderr
    for name in (
        "adresser_klassifisert.gpkg",
        "adresser_klassifisert.csv",
        "omrader.gpkg",
        "omrader.geojson",
        "finansiering.csv",
        "aggregat_postnummer.csv",
        "kart_planlegger.html",
        "kart_offentlig.html",
        "rapport.json",
        "sammendrag.txt",
    ):
        assert (out / name).stat().st_size > 0, name
    assert not any(p.name.startswith(".") for p in out.parent.iterdir()), (
        "temporary folder left behind"
    )


def test_the_addresses_are_also_geoparquet_with_their_crs_and_types(run_dir):
    import geopandas as gpd

    out, _ = run_dir
    parquet = gpd.read_parquet(out / "adresser_klassifisert.parquet")
    gpkg = gpd.read_file(out / "adresser_klassifisert.gpkg", layer="adresser")
    assert parquet.crs == "EPSG:25833" and len(parquet) == len(gpkg)
    assert parquet["adrid"].dtype == "int64" and parquet["eligible"].dtype == bool
    assert parquet.geometry.geom_equals_exact(gpkg.geometry, 0.01).all()


def test_run_summary_matches_the_raw_data(run_dir, data_dir):
    out, proc = run_dir
    want = _expected(data_dir)
    summary = json.loads((out / "rapport.json").read_text(encoding="utf-8"))["sammendrag"]
    for key, value in want.items():
        assert summary[key] == value, key
    assert f"Husstander uten 100 Mbit/s: {want['husstander_uten_100']}" in proc.stdout
    assert f"Adresser: {want['adresser']}" in proc.stdout
    fin = read_spreadsheet_csv(out / "finansiering.csv")
    assert summary["omrader"] == len(fin)
    assert summary["kommunal_egenandel_alle"] == fin["kommunal"].sum()
    assert f"{fin['kommunal'].sum():,}".replace(",", "\u00a0") + "\u00a0kr" in proc.stdout


def test_run_outputs_reconcile(run_dir):
    out, _ = run_dir
    cls = read_spreadsheet_csv(out / "adresser_klassifisert.csv", ("area_id",)).fillna(
        {"area_id": ""}
    )
    fin = read_spreadsheet_csv(out / "finansiering.csv")
    per_area = cls[cls["area_id"] != ""].groupby("area_id")["eligible_units"].sum()
    assert per_area.sum() == cls["eligible_units"].sum()
    assert (
        fin.set_index("area_id")["enheter"] == per_area.reindex(fin["area_id"]).to_numpy()
    ).all()
    parts = fin[["tilbyder", "private", "statlig", "fylke", "kommunal"]].sum(axis=1)
    assert (parts == fin["kost_total"]).all()


def test_run_on_own_config(tmp_path, data_dir):
    cfg = tmp_path / "min.toml"
    cfg.write_text(
        "[input]\n"
        f'addresses = "{(data_dir / "adresser.csv").as_posix()}"\n'
        f'fixed_coverage = "{(data_dir / "nkom_fbb.csv").as_posix()}"\n'
        "[classify]\nscheme_year = 2021\n",
        encoding="utf-8",
    )
    proc = _cli("run", "--config", str(cfg), "--out", str(tmp_path / "ut"), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "ut" / "rapport.json").read_text(encoding="utf-8"))[
        "sammendrag"
    ]
    # Without counts every address is one household; 2021 rule: eligible below 30 Mbit/s.
    fbb = pd.read_csv(data_dir / "nkom_fbb.csv", sep=";")
    best = fbb[fbb["tek"] != "satellitt"].groupby("adrid")["ned"].max()
    n = len(pd.read_csv(data_dir / "adresser.csv", sep=";", usecols=["adresseId"]))
    lacking30 = n - int((best >= 30_000).sum())
    assert summary["husstander"] == n
    assert summary["stotteberettigede_adresser"] == lacking30


def test_bad_config_is_one_message_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[input]\naddresses = "a.csv"\nadresser = "b.csv"\n[costs]\ntake_up = 1.5\n',
        encoding="utf-8",
    )
    proc = _cli("run", "--config", str(bad), cwd=tmp_path)
    assert proc.returncode == 2
    assert "ukjent nøkkel 'input.adresser'" in proc.stderr
    assert "costs.take_up" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "dekning-ut").exists()


def test_bad_input_names_file_row_and_field(tmp_path, data_dir):
    addr = tmp_path / "adresser.csv"
    lines = (data_dir / "adresser.csv").read_text(encoding="utf-8").splitlines()[:6]
    lines[3] = lines[3].replace(";25833;", ";25833;abc", 1)
    addr.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[input]\naddresses = "adresser.csv"\n', encoding="utf-8")
    proc = _cli("run", "--config", str(cfg), "--out", "ut", cwd=tmp_path)
    assert proc.returncode == 2
    assert "adresser.csv, linje 4, felt 'Nord'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "ut").exists()


@pytest.mark.parametrize("cmd", ["run", "validate", "apply", "serve"])
def test_help_on_every_command(cmd, tmp_path):
    proc = _cli(cmd, "--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "Bruk: dekning" in proc.stdout and "Usage" not in proc.stdout
    # dekning's own words are bokmål: the options panel and every option's text
    assert "Valg" in proc.stdout and "Options" not in proc.stdout
    assert "Vis denne hjelpen og avslutt." in proc.stdout
    for english in (
        "Output folder",
        "configuration;",
        "Show the version",
        "Folder of",
        "Show this",
    ):
        assert english not in proc.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["run", "--bogus"], "ukjent valg: --bogus (mulige valg: "),
        (["serve", "--port", "abc"], "ugyldig verdi for '--port': må være et heltall"),
        (["apply"], "mangler argumentet: area_id"),
        (["bogus"], "ukjent kommando: bogus"),
    ],
)
def test_wrong_usage_is_answered_in_bokmal(args, said, tmp_path):
    proc = _cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    text = " ".join(proc.stderr.split())  # the error box wraps lines
    assert said in text and "Bruk: dekning" in text and "for hjelp" in text
    for english in ("Usage", "No such", "Invalid value", "Missing", "Possible options", "Error"):
        assert english not in text


def test_main_help_lists_commands_in_bokmal(tmp_path):
    proc = _cli("--help", cwd=tmp_path)
    assert "Kommandoer" in proc.stdout and "Kjør hele analysen" in proc.stdout
    assert "Broadband" not in proc.stdout


def test_validate_reports_inputs(tmp_path):
    proc = _cli("validate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "stotteberettigede_adresser" in proc.stdout


def _survey_expectation(data_dir: Path) -> tuple[int, int]:
    raw = pd.read_csv(
        data_dir / "sporreundersokelse_nettskjema.csv",
        sep=";",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    bad = (raw["Adresse"].str.strip() == "") | (
        raw["Målt nedlastingshastighet (Mbit/s)"] == "50000"
    )
    return len(raw), int(bad.sum())


def test_validate_survey_prints_rejections_and_match_rate(tmp_path, data_dir):
    total, rejected = _survey_expectation(data_dir)
    proc = _cli(
        "validate",
        str(data_dir / "sporreundersokelse_nettskjema.csv"),
        "--mapping",
        "nettskjema",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"Rader: {total}" in proc.stdout and f"avvist: {rejected}" in proc.stdout
    assert "empty address" in proc.stdout and "impossible speed" in proc.stdout
    rate = float(proc.stdout.split("Geokoding: ")[1].split("%")[0])
    assert rate >= 98.0


def test_run_reports_survey(run_dir, data_dir):
    out, _ = run_dir
    total, rejected = _survey_expectation(data_dir)
    summary = json.loads((out / "rapport.json").read_text(encoding="utf-8"))["sammendrag"][
        "sporreundersokelse"
    ]
    assert (
        summary["svar"] == total
        and summary["avvist"] == rejected
        and summary["godkjent"] == total - rejected
    )
    avvik = read_spreadsheet_csv(out / "avvik_mot_operatordata.csv")
    assert len(avvik) == summary["avvik"] > 0
    public = read_spreadsheet_csv(out / "ettersporsel_ruter_offentlig.csv")
    shown = public[~public["skjult"]]
    assert (shown["svar"] >= 5).all() and public.loc[public["skjult"], "svar"].isna().all()


def test_version(tmp_path):
    proc = _cli("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"dekning {__version__}"


def test_text_from_input_is_printed_literally(tmp_path, data_dir):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data, ignore=shutil.ignore_patterns("__pycache__", "generator"))
    cfg = data / "dekning.toml"
    text = cfg.read_text(encoding="utf-8")
    assert 'name = "Fjelldal (syntetisk)"' in text
    cfg.write_text(
        text.replace('name = "Fjelldal (syntetisk)"', 'name = "[bold]Fjell[/bold] :smile:"'),
        encoding="utf-8",
    )
    proc = _cli("run", "--config", str(cfg), "--out", "ut", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Kommune: [bold]Fjell[/bold] :smile:" in proc.stdout
    bad = tmp_path / "k.toml"
    bad.write_text("[input]\naddresses = '[red]finnes-ikke[/red].csv'\n", encoding="utf-8")
    proc = _cli("run", "--config", str(bad), "--out", "ut2", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Feil:" in proc.stderr and "[red]finnes-ikke[/red].csv" in proc.stderr, proc.stderr


def test_version_in_process():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"dekning {__version__}"


def test_wrapping_never_splits_a_figure():
    from dekning.cli import wrap_lines

    figure = "4\u00a0877\u00a0493\u00a0kr"
    text = "Valgt innenfor budsjett: O-002, O-006, O-008, O-010  (392 enheter, egenandel " + figure
    for width in range(20, 90):
        lines = wrap_lines(text, width).split("\n")
        assert sum(figure in line for line in lines) == 1, width
        assert all(len(line) <= max(width, len(figure) + 2) for line in lines)


def test_scenario_table_figures_stay_whole_at_80_columns():
    import io

    import pandas as pd
    from rich.console import Console

    from dekning.cli import scenario_table

    scenarios = pd.DataFrame(
        {
            "budsjett": [5e6, None],
            "omrader": ["O-002, O-006, O-008, O-010", "O-001, O-002, O-003, O-004, O-005"],
            "enheter": [392, 1471],
            "kommunal": [4_877_493, 18_967_128],
            "statlig": [16_258_301, 63_000_000],
            "kommunal_per_enhet": [12_443, 12_894],
        }
    )
    buffer = io.StringIO()
    Console(file=buffer, width=80).print(scenario_table(scenarios))
    shown = buffer.getvalue()
    for figure in ("5 000 000", "18 967 128", "16 258 301", "63 000 000", "1 471", "12 894"):
        assert figure.replace(" ", "\u00a0") in shown, figure
    assert "O-005" in shown and "ubegrenset" in shown
