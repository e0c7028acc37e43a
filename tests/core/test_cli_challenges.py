"""``dekning utfordring …`` through typer's CliRunner on a SQLite store in tmp_path: every
command's happy path, its errors in bokmål (exit status 2, no traceback), and hostile text
printed literally."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from dekning.cli import app
from dekning.cli_challenges import NO_DATABASE
from dekning.clock import today_in_norway
from dekning.surveys.challenges import ChallengeStore
from dekning.textsafe import read_spreadsheet_csv

HOSTILE = "[bold]x[/bold]"
FORMULA = "=1+1"


def _run(*args: str | Path) -> Result:
    runner = CliRunner(env={"COLUMNS": "200"})
    return runner.invoke(app, ["utfordring", *(str(a) for a in args)])


def _ok(*args: str | Path) -> Result:
    result = _run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def _fails(*args: str | Path) -> str:
    """The one-line error of a command that must fail as dekning fails on purpose."""
    result = _run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return " ".join(result.stderr.split())


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "utfordringer.sqlite")


def _new(db: str, adrid: int = 300000001, kind: str = "for_treg", operator: str = "telenor") -> int:
    result = _ok(
        "ny",
        "--db",
        db,
        "--adrid",
        str(adrid),
        "--type",
        kind,
        "--tilbyder",
        operator,
        "--hvem",
        "Kari",
    )
    assert "Laget utfordring" in result.stdout
    return int(result.stdout.split("Laget utfordring ")[1].split()[0])


# ---------------------------------------------------------------- database


def test_no_database_is_a_clear_error():
    for args in (("liste",), ("vis", "1"), ("send", "--hvem", "K"), ("foreslå",)):
        assert f"Feil: {NO_DATABASE}" in _fails(*args), args


def test_help_is_in_bokmal():
    result = _ok("--help")
    assert "Bruk:" in result.stdout and "Kommandoer" in result.stdout
    for name in ("foreslå", "ny", "liste", "vis", "endre", "send", "eksporter", "svar", "tester"):
        assert name in result.stdout
    assert "Valg" in _ok("tester", "--help").stdout


def test_reading_a_missing_database_does_not_make_one(tmp_path):
    missing = tmp_path / "skrivefeil.sqlite"
    assert "finnes ikke" in _fails("liste", "--db", missing)
    assert not missing.exists()


def test_database_from_the_configuration(tmp_path, data_dir):
    store = tmp_path / "fra-oppsett.sqlite"
    cfg = tmp_path / "oppsett.toml"
    cfg.write_text(
        f'[input]\naddresses = "{(data_dir / "adresser.csv").as_posix()}"\n'
        f'fixed_coverage = "{(data_dir / "nkom_fbb.csv").as_posix()}"\n'
        f'survey_db = "{store.as_posix()}"\n',
        encoding="utf-8",
    )
    _ok("ny", "-c", cfg, "--adrid", "300000005", "--type", "intet_tilbud", "--hvem", "Kari")
    assert store.is_file()
    assert "300000005" in _ok("liste", "-c", cfg).stdout


# ---------------------------------------------------------------- ny, liste, vis


def test_new_list_show(db, tmp_path):
    first = _new(db)
    result = _ok(
        "ny",
        "--db",
        db,
        "--adrid",
        "300000007",
        "--type",
        "feil_teknologi",
        "--tilbyder",
        HOSTILE,
        "--kommentar",
        FORMULA,
        "--evidens",
        "tre tester",
        "--vedlegg",
        "bilde.png",
        "--hvem",
        "Ola",
    )
    second = first + 1
    assert f"Laget utfordring {second} (Feil teknologi, status ny)." in result.stdout
    shown = _ok("liste", "--db", db).stdout
    assert "Utfordringer: 2" in shown
    assert HOSTILE in shown  # printed literally, not as bold "x"
    assert "For lav hastighet" in shown and "Feil teknologi" in shown and "Ny" in shown
    assert "300000007" in shown
    only = _ok("liste", "--db", db, "--type", "for_treg").stdout
    assert "Utfordringer: 1" in only and "300000001" in only and "300000007" not in only
    assert "Utfordringer: 1" in _ok("liste", "--db", db, "--tilbyder", "TELENOR").stdout
    assert "Utfordringer: 0" in _ok("liste", "--db", db, "--status", "sendt").stdout
    both = _ok("liste", "--db", db, "--status", "sendt", "--status", "ny").stdout
    assert "Utfordringer: 2" in both
    view = _ok("vis", str(second), "--db", db).stdout
    assert f"Utfordring {second}" in view
    assert f"tilbyder: {HOSTILE.lower()}" in view  # operators are stored in lower case
    assert f"kommentar: {FORMULA}" in view
    assert "dokumentasjonen viser: tre tester" in view and "vedlegg: bilde.png" in view
    assert "Historikk" in view and "Ola" in view and "opprettet" in view


def test_new_errors(db):
    assert "ukjent type 'treg'" in _fails(
        "ny", "--db", db, "--adrid", "1", "--type", "treg", "--hvem", "K"
    )
    assert "adrid" in _fails("ny", "--db", db, "--type", "for_treg", "--hvem", "K")
    _new(db)
    assert "finnes allerede en åpen utfordring" in _fails(
        "ny",
        "--db",
        db,
        "--adrid",
        "300000001",
        "--type",
        "for_treg",
        "--tilbyder",
        "telenor",
        "--hvem",
        "K",
    )
    assert "mangler valget '--hvem'" in _fails("ny", "--db", db, "--type", "for_treg")


def test_list_errors(db, tmp_path):
    _new(db)
    assert "ukjent status 'lukket'" in _fails("liste", "--db", db, "--status", "lukket")
    assert "ukjent type 'x'" in _fails("liste", "--db", db, "--type", "x")
    taken = tmp_path / "finnes.csv"
    taken.write_text("mitt eget\n", encoding="utf-8")
    assert "fila finnes fra før" in _fails("liste", "--db", db, "--csv", taken)
    assert taken.read_text(encoding="utf-8") == "mitt eget\n"


def test_list_csv_keeps_hostile_text_as_data(db, tmp_path):
    _ok(
        "ny",
        "--db",
        db,
        "--adrid",
        "300000001",
        "--type",
        "mobil",
        "--tilbyder",
        "telia",
        "--kommentar",
        FORMULA,
        "--hvem",
        HOSTILE,
    )
    path = tmp_path / "ut.csv"
    result = _ok("liste", "--db", db, "--csv", path)
    assert "Skrev 1 utfordringer til" in result.stdout
    assert "'=1+1" in path.read_text(encoding="utf-8-sig")  # protected in the spreadsheet
    table = read_spreadsheet_csv(path, ("kommentar",))
    assert table.loc[0, "kommentar"] == FORMULA
    assert table.loc[0, "type"] == "Mobildekning" and table.loc[0, "status_tekst"] == "Ny"
    assert HOSTILE in _ok("vis", "1", "--db", db).stdout  # who, in the history


def test_show_unknown_id(db):
    _new(db)
    assert "Feil: fant ingen utfordring med id 99" in _fails("vis", "99", "--db", db)


# ---------------------------------------------------------------- endre, send


def test_change_and_its_errors(db):
    cid = _new(db)
    assert "fant ingen utfordring med id 42" in _fails(
        "endre", "42", "--db", db, "--versjon", "1", "--hvem", "K", "--status", "sendt"
    )
    assert "kan ikke gå fra 'ny' til 'tilsvar'" in _fails(
        "endre", str(cid), "--db", db, "--versjon", "1", "--hvem", "K", "--status", "tilsvar"
    )
    assert "ingenting å endre" in _fails(
        "endre", str(cid), "--db", db, "--versjon", "1", "--hvem", "K"
    )
    assert "er ikke en dato" in _fails(
        "endre", str(cid), "--db", db, "--versjon", "1", "--hvem", "K", "--frist", "snart"
    )
    result = _ok(
        "endre",
        str(cid),
        "--db",
        db,
        "--versjon",
        "1",
        "--hvem",
        "Ola",
        "--kommentar",
        HOSTILE,
        "--frist",
        "2030-01-31",
    )
    assert f"Utfordring {cid}: status Ny, versjon 2, frist 2030-01-31." in result.stdout
    stale = _fails(
        "endre", str(cid), "--db", db, "--versjon", "1", "--hvem", "K", "--status", "avvist"
    )
    assert "er endret av andre (versjon 2, du hadde 1)" in stale
    _ok("endre", str(cid), "--db", db, "--versjon", "2", "--hvem", "K", "--status", "avvist")
    decided = _fails(
        "endre", str(cid), "--db", db, "--versjon", "3", "--hvem", "K", "--status", "sendt"
    )
    assert "ingen (saken er avgjort)" in decided
    view = _ok("vis", str(cid), "--db", db).stdout
    assert f"kommentar: {HOSTILE}" in view and "besluttet av: K" in view


def test_send_all_new_with_deadline(db):
    a, b = _new(db), _new(db, adrid=300000005)
    c = _new(db, adrid=300000007)
    _ok("endre", str(c), "--db", db, "--versjon", "1", "--hvem", "K", "--status", "avvist")
    result = _ok("send", "--db", db, "--hvem", "Per")
    deadline = today_in_norway() + dt.timedelta(days=21)
    assert f"Sendte 2 utfordringer; svarfrist {deadline:%d.%m.%Y}." in result.stdout
    store = ChallengeStore(db)
    assert [store.get(i)["status"] for i in (a, b, c)] == ["sendt", "sendt", "avvist"]
    assert store.get(a)["versjon"] == 2
    assert "Ingen utfordringer med status ny" in _ok("send", "--db", db, "--hvem", "Per").stdout


def test_send_chosen_ids(db):
    a, b = _new(db), _new(db, adrid=300000005)
    _ok("send", "--db", db, "--hvem", "Per", "--id", str(b))
    store = ChallengeStore(db)
    assert store.get(a)["status"] == "ny" and store.get(b)["status"] == "sendt"
    assert "bare utfordringer med status ny kan sendes" in _fails(
        "send", "--db", db, "--hvem", "Per", "--id", str(a), "--id", str(b)
    )
    assert store.get(a)["status"] == "ny"  # nothing sent when one of them cannot be
    assert "fant ingen utfordring med id 77" in _fails(
        "send", "--db", db, "--hvem", "Per", "--id", "77"
    )


# ---------------------------------------------------------------- eksporter, svar


def test_export_errors(db, tmp_path):
    _new(db)
    full = tmp_path / "full"
    full.mkdir()
    (full / "annet.txt").write_text("x", encoding="utf-8")
    assert "mappa finnes og er ikke tom" in _fails("eksporter", full, "--db", db)
    assert sorted(p.name for p in full.iterdir()) == ["annet.txt"]
    assert "ingen utfordringer har status sendt" in _fails("eksporter", tmp_path / "ny", "--db", db)
    _ok("send", "--db", db, "--hvem", "Per")
    assert "fant ikke adresser_klassifisert.gpkg" in _fails(
        "eksporter", tmp_path / "ny", "--db", db, "--fra-kjoring", tmp_path
    )
    assert not (tmp_path / "ny").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ny.")]


def test_export_and_answers(db, tmp_path):
    """Export after a fresh analysis of the default data, then the operator's answers back."""
    a = _new(db, operator="telenor")
    b = _new(db, adrid=300000005, kind="mobil", operator="telenor")
    c = _new(db, adrid=300000007, kind="mobil", operator="ice")
    _ok("send", "--db", db, "--hvem", "Per")
    target = tmp_path / "runde1"
    target.mkdir()  # an empty folder is fine
    result = _ok("eksporter", target, "--db", db, "--runde", "vår 2026")
    text = " ".join(result.stdout.split())
    assert "ny_horing.xlsx (3 utfordringer til ny høring)" in text
    assert "(telenor: 2 utfordringer)" in text
    assert (target / "ny_horing.xlsx").is_file()
    for stem in ("telenor", "ice"):
        assert (target / "tilbydere" / f"{stem}.xlsx").is_file()
        assert (target / "tilbydere" / f"{stem}.csv").is_file()
    workbook = openpyxl.load_workbook(target / "ny_horing.xlsx")
    notes = " ".join(str(c.value) for row in workbook["Om lista"].iter_rows() for c in row)
    assert "vår 2026" in notes and "Fjelldal" in notes
    again = _fails("eksporter", target, "--db", db)
    assert "mappa finnes og er ikke tom" in again

    answers = tmp_path / "svar.csv"
    answers.write_text(
        f"Utfordring;Svar;Begrunnelse\n{a};godtar;{FORMULA}\n{b};bestrider;{HOSTILE}\n",
        encoding="utf-8",
    )
    result = _ok("svar", answers, "--db", db, "--hvem", "Telenor AS")
    assert "Tilsvar lagret: 2 (opprettholdt fordi tilbyderen godtok: 1); lagret fra før: 0." in (
        result.stdout
    )
    store = ChallengeStore(db)
    assert [store.get(i)["status"] for i in (a, b, c)] == ["opprettholdt", "tilsvar", "sendt"]
    assert store.get(b)["tilsvar"] == f"bestrider: {HOSTILE}"
    again_ok = _ok("svar", answers, "--db", db, "--hvem", "Telenor AS").stdout
    assert "Tilsvar lagret: 0" in again_ok and "lagret fra før: 2." in again_ok
    assert HOSTILE in _ok("vis", str(b), "--db", db).stdout

    wrong = tmp_path / "feil.csv"
    wrong.write_text(f"Utfordring;Svar\n{c};kanskje\n", encoding="utf-8")
    assert "feil.csv" in _fails("svar", wrong, "--db", db, "--hvem", "K")
    unknown = tmp_path / "ukjent.csv"
    unknown.write_text("Utfordring;Svar\n999;godtar\n", encoding="utf-8")
    message = _fails("svar", unknown, "--db", db, "--hvem", "K")
    assert "ukjent.csv, linje 2" in message and "fant ingen utfordring med id 999" in message
    assert store.get(c)["status"] == "sendt"
    empty = tmp_path / "tom.csv"
    empty.write_text(f"Utfordring;Svar\n{c};\n", encoding="utf-8")
    assert "Ingen besvarte rader" in _ok("svar", empty, "--db", db, "--hvem", "K").stdout


def _sent_round(db: str) -> tuple[int, int, int]:
    """Two of Telenor's challenges and one of Telia's, sent."""
    a = _new(db, operator="telenor")
    b = _new(db, adrid=300000005, kind="mobil", operator="telenor")
    c = _new(db, adrid=300000007, kind="mobil", operator="telia")
    _ok("send", "--db", db, "--hvem", "Per")
    return a, b, c


def _unchanged(db: str, ids: tuple[int, ...]) -> None:
    store = ChallengeStore(db)
    assert [store.get(i)["status"] for i in ids] == ["sendt"] * len(ids)
    assert [store.get(i)["versjon"] for i in ids] == [2] * len(ids)


def test_an_operator_cannot_answer_another_operators_challenge(db, tmp_path):
    a, b, c = _sent_round(db)
    # Telia's file (its Tilbyder column) answering one of Telenor's challenges, after its own
    telia = tmp_path / "telia.csv"
    telia.write_text(
        f"Utfordring;Tilbyder;Adresse-ID;Svar\n{c};telia;300000007;godtar\n"
        f"{a};telia;300000001;bestrider\n",
        encoding="utf-8",
    )
    message = _fails("svar", telia, "--db", db, "--hvem", "Telia")
    assert "telia.csv, linje 3, felt 'Tilbyder'" in message
    assert f"utfordring {a} gjelder tilbyderen 'telenor', ikke 'telia'" in message
    assert "ingenting er endret" in message
    _unchanged(db, (a, b, c))
    # without a Tilbyder column, --tilbyder names the operator of every row
    bare = tmp_path / "uten_tilbyder.csv"
    bare.write_text(f"Utfordring;Svar\n{c};godtar\n{b};godtar\n", encoding="utf-8")
    message = _fails("svar", bare, "--db", db, "--hvem", "Telia", "--tilbyder", "Telia")
    assert "uten_tilbyder.csv, linje 3" in message
    assert f"utfordring {b} gjelder tilbyderen 'telenor', ikke 'telia'" in message
    _unchanged(db, (a, b, c))
    # --tilbyder must match every row's Tilbyder
    message = _fails("svar", telia, "--db", db, "--hvem", "Telenor", "--tilbyder", "Telenor")
    assert "telia.csv, linje 2, felt 'Tilbyder'" in message
    assert "raden gjelder tilbyderen 'telia', ikke 'telenor' (--tilbyder)" in message
    _unchanged(db, (a, b, c))
    # Telia answering its own challenge, named by --tilbyder: recorded
    own = tmp_path / "telia_egen.csv"
    own.write_text(f"Utfordring;Svar\n{c};godtar\n", encoding="utf-8")
    done = _ok("svar", own, "--db", db, "--hvem", "Telia", "--tilbyder", "TELIA ").stdout
    assert "Tilsvar lagret: 1 (opprettholdt fordi tilbyderen godtok: 1)" in done
    assert "Merk:" not in done
    _unchanged(db, (a, b))


def test_an_answer_must_name_the_challenges_address(db, tmp_path):
    a, b, c = _sent_round(db)
    wrong = tmp_path / "feil_adresse.csv"
    wrong.write_text(
        f"Utfordring;Tilbyder;AdresseID;Svar\n{a};telenor;300000001;godtar\n"
        f"{b};telenor;300000001;bestrider\n",
        encoding="utf-8",
    )
    message = _fails("svar", wrong, "--db", db, "--hvem", "Telenor")
    assert "feil_adresse.csv, linje 3, felt 'AdresseID'" in message
    assert f"utfordring {b} gjelder adresse-ID 300000005, ikke adresse-ID 300000001" in message
    _unchanged(db, (a, b, c))
    # an area challenge has no address: an Adresse-ID given for it is wrong too
    store = ChallengeStore(db)
    area = store.create(
        {"area_id": "A-1", "kind": "planlagt_ikke_reell", "operator": "telenor"}, who="K"
    )
    store.change(area, version=1, who="K", status="sendt")
    on_area = tmp_path / "omrade.csv"
    on_area.write_text(f"Utfordring;Adresse-ID;Svar\n{area};300000001;godtar\n", encoding="utf-8")
    message = _fails("svar", on_area, "--db", db, "--hvem", "Telenor")
    assert f"utfordring {area} gjelder område A-1, ikke adresse-ID 300000001" in message
    _unchanged(db, (a, b, c, area))
    # the right addresses (and none for the area): recorded, with a note that no operator is named
    right = tmp_path / "riktig.csv"
    right.write_text(
        f"Utfordring;Adresse-ID;Svar\n{a};300000001;godtar\n{area};;bestrider\n",
        encoding="utf-8",
    )
    done = _ok("svar", right, "--db", db, "--hvem", "Telenor").stdout
    assert "Tilsvar lagret: 2 (opprettholdt fordi tilbyderen godtok: 1)" in done
    assert "Merk:" in done and "--tilbyder" in done
    assert [store.get(i)["status"] for i in (a, area)] == ["opprettholdt", "tilsvar"]


# ---------------------------------------------------------------- tester, foreslå


def _speedtest_csv(path: Path, adrid: int, speeds: list[float]) -> Path:
    today = dt.date.today()
    lines = ["tid;ned_mbps;opp_mbps;tilkobling;adrid"]
    for i, speed in enumerate(speeds, start=1):
        day = today - dt.timedelta(days=i)
        lines.append(f"{day.isoformat()}T12:00:00+01:00;{speed};10;kablet;{adrid}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_speedtests(db, tmp_path):
    path = _speedtest_csv(tmp_path / "tester.csv", 300000001, [20.0, 25.0, 30.0])
    result = _ok("tester", path, "--db", db, "--format", "generisk")
    assert "Lagret 3 fartstester fra tester.csv" in result.stdout
    stored = ChallengeStore(db).speedtests()
    assert len(stored) == 3 and set(stored["kilde"]) == {"tester.csv"}
    assert sorted(stored["ned_mbps"]) == [20.0, 25.0, 30.0]
    assert "ukjent format for fartstester: 'speedtest'" in _fails(
        "tester", path, "--db", db, "--format", "speedtest"
    )
    bad = tmp_path / "[red]feil[x].csv"
    bad.write_text("tid;ned_mbps;adrid\n2026-01-01T12:00:00;-5;1\n", encoding="utf-8")
    assert "[red]feil[x].csv" in _fails("tester", bad, "--db", db)
    assert len(ChallengeStore(db).speedtests()) == 3
    assert NO_DATABASE in _fails("tester", path)


def test_propose_twice(db):
    result = _ok("foreslå", "--db", db)
    text = " ".join(result.stdout.split())
    assert "Mobildekning" in text and "Feil teknologi" in text
    made = ChallengeStore(db).list()
    assert len(made) > 0 and set(made["status"]) == {"ny"} and set(made["kilde"]) == {"forslag"}
    assert f"Laget {len(made)} nye utfordringer; 0 fantes fra før." in text
    again = " ".join(_ok("foreslaa", "--db", db).stdout.split())
    assert f"Laget 0 nye utfordringer; {len(made)} fantes fra før." in again


# ---------------------------------------------------------------- serve --historikk


def test_serve_history_folder(tmp_path, monkeypatch):
    """``dekning serve --historikk DIR`` hands the folder to the service's settings."""
    import dekning.cli as cli

    seen: list = []
    monkeypatch.setattr(cli, "has_results", lambda folder: True)
    monkeypatch.setattr(cli, "create_app", lambda settings, runner: settings)
    monkeypatch.setattr(cli, "serve_app", lambda service, settings, *a, **k: seen.append(settings))
    runner = CliRunner(env={"COLUMNS": "200"})
    result = runner.invoke(
        app, ["serve", "--out", str(tmp_path / "ut"), "--historikk", str(tmp_path)]
    )
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert seen[-1].history_dir == tmp_path
    result = runner.invoke(app, ["serve", "--out", str(tmp_path / "ut")])
    assert result.exit_code == 0 and seen[-1].history_dir is None
    assert "--historikk" in runner.invoke(app, ["serve", "--help"]).stdout
