"""``dekning utfordring …``: challenges (utfordringer) from the command line (issue 14).

Residents' evidence against the operator data becomes challenges that the county and the
operators answer. The commands work on the challenge store (:mod:`dekning.surveys.challenges`)
in the survey answers' database: ``--db URL``, or the configuration's ``input.survey_db``.

- ``foreslå`` (also ``foreslaa``): run the analysis and store the challenges the evidence
  supports;
- ``ny``, ``liste``, ``vis``, ``endre``: make, list, show and change challenges by hand;
- ``send``: send the new challenges to the operators (status ``sendt``, with a deadline);
- ``eksporter``: the county's re-consultation workbook and one list per operator;
- ``svar``: read an operator's filled-in list back (each row's ``Tilbyder`` and
  ``Adresse-ID`` checked against its challenge and ``--tilbyder``);
- ``tester``: store residents' speed tests (evidence for the next run).

Every text from the store or a file is printed literally (never read as rich markup), and
every error dekning raises on purpose is printed as one message in bokmål (exit status 2).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import geopandas as gpd
import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from dekning.cli_common import ConfigOpt, friendly, out, read_config
from dekning.cli_text import BokmalCommand, BokmalGroup
from dekning.clock import today_in_norway
from dekning.config import Config
from dekning.coverage.application.challenges import (
    ADDRESS_COLUMNS,
    operator_lists,
    reconsultation_workbook,
)
from dekning.errors import ConfigError, InputError
from dekning.money import thousands
from dekning.pipeline import analyse
from dekning.postgis import mask_url
from dekning.surveys.challenges import (
    COLUMNS,
    KINDS,
    STATUSES,
    ChallengeStore,
    InvalidChange,
)
from dekning.surveys.database import is_postgres
from dekning.surveys.operator_answers import (
    ADRID_HEADER,
    HEADERS_ATTR,
    OPERATOR_HEADER,
    read_operator_answers,
)
from dekning.surveys.speedtests import FORMATS, read_speedtests
from dekning.textsafe import terminal_text, write_spreadsheet_csv

NO_DATABASE = "ingen database for utfordringer: bruk --db eller sett input.survey_db i oppsettet"
"""The error when neither ``--db`` nor ``input.survey_db`` names the store."""
ADDRESSES_GPKG = "adresser_klassifisert.gpkg"
"""The classified addresses of an earlier run (``eksporter --fra-kjoring``)."""
WORKBOOK = "ny_horing.xlsx"
OPERATOR_FOLDER = "tilbydere"

app = typer.Typer(
    cls=BokmalGroup,
    name="utfordring",
    help="Utfordringer av tilbydernes dekningsdata: foreslå dem fra innbyggernes "
    "dokumentasjon, lag og endre dem, send dem til tilbyderne, eksporter listene og les "
    "svarene tilbake.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Databasen med utfordringene: en SQLite-fil eller postgresql://... "
        "Standard: input.survey_db i oppsettet.",
    ),
]
WhoOpt = Annotated[
    str, typer.Option("--hvem", help="Hvem som gjør endringen (navnet lagres i historikken).")
]


def _say(*parts: object) -> None:
    """Print one line made of ``parts``, every part literally (control characters shown)."""
    out.print(Text.assemble(*(terminal_text(p) for p in parts)), soft_wrap=True)


def _database(cfg: Config, db: str | None) -> str:
    """The challenge store's URL: ``--db``, else ``input.survey_db``.

    Raises
    ------
    ConfigError
        Neither names one.
    """
    url = db or cfg.input.survey_db
    if not url:
        raise ConfigError(NO_DATABASE)
    return url


def _open(cfg: Config, db: str | None, *, existing: bool = True) -> tuple[ChallengeStore, str]:
    """The challenge store and its URL.

    Parameters
    ----------
    existing
        A SQLite file must exist already (commands that only read or change challenges never
        make a new, empty database from a mistyped name).

    Raises
    ------
    ConfigError
        No database is named, or (``existing``) the SQLite file does not exist.
    """
    url = _database(cfg, db)
    if existing and not is_postgres(url) and not Path(url).is_file():
        raise ConfigError(f"databasen {url} finnes ikke (ingen utfordringer er lagret der ennå)")
    return ChallengeStore(url, answer_days=cfg.evidence.answer_days), url


def _with_database(cfg: Config, url: str) -> Config:
    """``cfg`` with ``input.survey_db`` set to ``url`` (the run reads the challenges there)."""
    if cfg.input.survey_db == url:
        return cfg
    return cfg.model_copy(update={"input": cfg.input.model_copy(update={"survey_db": url})})


def _shown_url(url: str) -> str:
    return mask_url(url) if is_postgres(url) else url


def _kind(kind: str | None) -> str | None:
    """A kind code, checked (None stays None)."""
    if kind is not None and kind not in KINDS:
        raise InvalidChange(f"ukjent type {kind!r}; gyldige: {', '.join(KINDS)}")
    return kind


def _statuses(statuses: list[str] | None) -> list[str]:
    """Status codes, checked."""
    for status in statuses or ():
        if status not in STATUSES:
            raise InvalidChange(f"ukjent status {status!r}; gyldige: {', '.join(STATUSES)}")
    return list(statuses or ())


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def _place(row: Mapping[str, Any]) -> str:
    """The address id of a challenge, or ``område <id>`` for an area challenge."""
    if not _blank(row["adrid"]):
        return str(int(row["adrid"]))
    return f"område {row['area_id']}" if row["area_id"] else ""


# ---------------------------------------------------------------- foreslå


def _propose(config: Path | None, db: str | None, who: str) -> None:
    cfg = read_config(config)
    store, url = _open(cfg, db, existing=False)
    result = analyse(_with_database(cfg, url))
    proposals = result.survey["utfordringer_forslag"]
    made = store.propose(proposals, who=who)
    created = store.list().set_index("id").reindex(made.created)["kind"]
    table = Table(title=f"Foreslåtte utfordringer ({_shown_url(url)})")
    table.add_column("Type")
    table.add_column("Nye", justify="right")
    table.add_column("Fantes fra før", justify="right")
    proposed = (
        proposals["kind"].astype(str).value_counts() if len(proposals) else pd.Series(dtype="int64")
    )
    new = created.astype(str).value_counts()
    for kind, label in KINDS.items():
        n_all, n_new = int(proposed.get(kind, 0)), int(new.get(kind, 0))
        if n_all:
            table.add_row(label, thousands(n_new), thousands(n_all - n_new))
    table.add_row("i alt", thousands(len(made.created)), thousands(made.skipped))
    out.print(table)
    _say(
        f"Laget {thousands(len(made.created))} nye utfordringer; "
        f"{thousands(made.skipped)} fantes fra før."
    )


PROPOSE_HELP = (
    "Kjør analysen og lagre utfordringene som dokumentasjonen støtter (fartstester og svar "
    "fra spørreundersøkelsen). En utfordring som finnes fra før (samme type, adresse og "
    "tilbyder, uansett status), lages ikke på nytt."
)


@app.command("foreslå", cls=BokmalCommand, help=PROPOSE_HELP)
@friendly
def propose(
    config: ConfigOpt = None,
    db: DbOpt = None,
    who: Annotated[
        str, typer.Option("--hvem", help="Hvem som lager utfordringene (lagres i historikken).")
    ] = "dekning",
) -> None:
    """Run the analysis and store the proposed challenges; print the counts per kind."""
    _propose(config, db, who)


# the same command under an ASCII name (keyboards and scripts without "å")
app.command(
    "foreslaa", cls=BokmalCommand, help=PROPOSE_HELP + " (Samme som foreslå.)", hidden=True
)(propose)


# ---------------------------------------------------------------- ny


@app.command(cls=BokmalCommand, help="Lag én utfordring (status ny); skriver ut id-en.")
@friendly
def ny(
    kind: Annotated[
        str,
        typer.Option("--type", help=f"Type utfordring: {', '.join(KINDS)}.", show_default=False),
    ],
    who: WhoOpt,
    adrid: Annotated[
        int | None, typer.Option("--adrid", help="Adressens id (adrid) i adresseregisteret.")
    ] = None,
    area_id: Annotated[
        str | None,
        typer.Option("--omrade", help="Et helt område (uten én adresse), f.eks. O-002."),
    ] = None,
    operator: Annotated[str | None, typer.Option("--tilbyder", help="Tilbyderen.")] = None,
    operatordata: Annotated[
        str | None, typer.Option("--operatordata", help="Hva tilbyderen rapporterer.")
    ] = None,
    comment: Annotated[str | None, typer.Option("--kommentar", help="Kommentar.")] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidens", help="Hva dokumentasjonen viser.")
    ] = None,
    attachment: Annotated[
        str | None, typer.Option("--vedlegg", help="Vedlegg (henvisninger til filer).")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Make one challenge and print its id."""
    cfg = read_config(config)
    store, _ = _open(cfg, db, existing=False)
    fields = {
        "adrid": adrid,
        "area_id": area_id,
        "kind": kind,
        "operator": operator,
        "operatordata": operatordata,
        "kommentar": comment,
        "evidens": evidence,
        "vedlegg": attachment,
    }
    new_id = store.create({k: v for k, v in fields.items() if v is not None}, who=who)
    _say(f"Laget utfordring {new_id} ({KINDS[kind]}, status ny).")


# ---------------------------------------------------------------- liste


EXTRA = {"kind": ("type",), "status": ("status_tekst",)}
"""Label columns of the CSV, each after its code."""


def _export_frame(challenges: pd.DataFrame) -> pd.DataFrame:
    """The challenges as a CSV holds them: ``detaljer`` as JSON text, labels beside codes."""
    table = challenges[list(COLUMNS)].copy()
    table["detaljer"] = [
        json.dumps(d, ensure_ascii=False, sort_keys=True) for d in table["detaljer"]
    ]
    table["type"] = table["kind"].map(KINDS)
    table["status_tekst"] = table["status"].map(STATUSES)
    order = [c for name in COLUMNS for c in (name, *EXTRA.get(name, ()))]
    return table[order]


@app.command(
    cls=BokmalCommand,
    help="List utfordringene (id, adresse, type, tilbyder, status, frist og versjon), "
    "eventuelt bare noen statuser, én tilbyder eller én type; --csv skriver dem til en fil.",
)
@friendly
def liste(
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status", help=f"Bare denne statusen (gjenta valget): {', '.join(STATUSES)}."
        ),
    ] = None,
    operator: Annotated[
        str | None, typer.Option("--tilbyder", help="Bare denne tilbyderen.")
    ] = None,
    kind: Annotated[str | None, typer.Option("--type", help="Bare denne typen.")] = None,
    csv_out: Annotated[
        Path | None,
        typer.Option("--csv", help="Skriv utfordringene til denne CSV-fila (må være ny)."),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """List the challenges as a table (and optionally into a new CSV file)."""
    if csv_out is not None and csv_out.exists():
        raise InputError(
            "fila finnes fra før; velg et annet navn (dekning skriver ikke over den)", file=csv_out
        )
    wanted = _statuses(status)
    cfg = read_config(config)
    store, _ = _open(cfg, db)
    rows = store.list(status=wanted, operator=operator, kind=_kind(kind))
    table = Table(title=f"Utfordringer: {thousands(len(rows))}")
    for name, right in (
        ("id", True),
        ("adresse-id", True),
        ("type", False),
        ("tilbyder", False),
        ("status", False),
        ("frist", False),
        ("versjon", True),
    ):
        table.add_column(name, justify="right" if right else "left")
    records: list[dict[str, Any]] = rows.to_dict("records")  # type: ignore[assignment]
    for r in records:
        table.add_row(
            terminal_text(r["id"]),
            terminal_text(_place(r)),
            terminal_text(KINDS.get(r["kind"], r["kind"])),
            terminal_text(r["operator"]),
            terminal_text(STATUSES.get(r["status"], r["status"])),
            terminal_text(r["frist"]),
            terminal_text(r["versjon"]),
        )
    out.print(table)
    if csv_out is not None:
        write_spreadsheet_csv(_export_frame(rows), csv_out)
        _say(f"Skrev {thousands(len(rows))} utfordringer til ", csv_out)


# ---------------------------------------------------------------- vis

FIELD_WORDS = {
    "adrid": "adresse-id",
    "area_id": "område",
    "kind": "type",
    "operator": "tilbyder",
    "status": "status",
    "frist": "frist",
    "versjon": "versjon",
    "opprettet": "opprettet",
    "endret": "endret",
    "besluttet_av": "besluttet av",
    "besluttet": "besluttet",
    "operatordata": "tilbyderen rapporterer",
    "evidens": "dokumentasjonen viser",
    "kommentar": "kommentar",
    "vedlegg": "vedlegg",
    "tilsvar": "tilsvar",
    "kilde": "kilde",
    "detaljer": "detaljer",
}
"""Fields of one challenge as ``vis`` names them, in order."""


def _value(name: str, value: object) -> str:
    if _blank(value) or value == "" or value == {}:
        return ""
    if name == "kind":
        return f"{KINDS.get(str(value), value)} ({value})"
    if name == "status":
        return f"{STATUSES.get(str(value), value)} ({value})"
    if name == "detaljer":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _change_text(change: Mapping[str, Any]) -> str:
    """A history row's change as ``felt: gammel → ny; …``."""
    parts = []
    for name, pair in change.items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        words = FIELD_WORDS.get(name, name)
        parts.append(f"{words}: {_value(name, before)} → {_value(name, after)}")
    return "; ".join(parts)


@app.command(cls=BokmalCommand, help="Vis én utfordring med hele historikken.")
@friendly
def vis(
    challenge: Annotated[int, typer.Argument(help="Utfordringens id.")],
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Show one challenge and its history."""
    cfg = read_config(config)
    store, _ = _open(cfg, db)
    row = store.get(challenge)
    _say(f"Utfordring {row['id']}")
    for name, words in FIELD_WORDS.items():
        text = _value(name, row[name])
        if text:
            _say(f"  {words}: ", text)
    history = store.history(challenge)
    table = Table(title="Historikk")
    for name in ("versjon", "tid", "hvem", "hendelse", "endring"):
        table.add_column(name, justify="right" if name == "versjon" else "left")
    records: list[dict[str, Any]] = history.to_dict("records")  # type: ignore[assignment]
    for h in records:
        table.add_row(
            terminal_text(h["versjon"]),
            terminal_text(h["tid"]),
            terminal_text(h["hvem"]),
            terminal_text(h["hendelse"]),
            terminal_text(_change_text(h["endring"])),
        )
    out.print(table)


# ---------------------------------------------------------------- endre


@app.command(
    cls=BokmalCommand,
    help="Endre status, kommentar eller frist for én utfordring. Oppgi versjonen du så "
    "(dekning utfordring vis): er den endret av andre siden, avvises endringen.",
)
@friendly
def endre(
    challenge: Annotated[int, typer.Argument(help="Utfordringens id.")],
    version: Annotated[
        int, typer.Option("--versjon", help="Versjonen du endrer fra.", show_default=False)
    ],
    who: WhoOpt,
    status: Annotated[
        str | None, typer.Option("--status", help=f"Ny status: {', '.join(STATUSES)}.")
    ] = None,
    comment: Annotated[str | None, typer.Option("--kommentar", help="Ny kommentar.")] = None,
    deadline: Annotated[
        str | None, typer.Option("--frist", help="Ny svarfrist (ÅÅÅÅ-MM-DD).")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Change one challenge's status, comment or deadline (optimistically, by version)."""
    fields = {k: v for k, v in (("kommentar", comment), ("frist", deadline)) if v is not None}
    if status is None and not fields:
        raise InvalidChange("ingenting å endre: bruk --status, --kommentar eller --frist")
    cfg = read_config(config)
    store, _ = _open(cfg, db)
    new = store.change(challenge, version=version, who=who, status=status, fields=fields)
    if new["versjon"] == version:
        _say(f"Utfordring {challenge}: ingen endring (versjon {version}).")
        return
    _say(
        f"Utfordring {challenge}: status {STATUSES.get(new['status'], new['status'])}, "
        f"versjon {new['versjon']}",
        f", frist {new['frist']}." if new["frist"] else ".",
    )


# ---------------------------------------------------------------- send


@app.command(
    cls=BokmalCommand,
    help="Send utfordringer til tilbyderne: status sendt, svarfrist i dag + "
    "evidence.answer_days (en frist satt fra før beholdes). Uten --id: alle med status ny.",
)
@friendly
def send(
    who: WhoOpt,
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="Bare denne utfordringen (gjenta valget).")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Move the given (default: every ``ny``) challenges to ``sendt``."""
    cfg = read_config(config)
    store, _ = _open(cfg, db)
    if ids:
        chosen = [store.get(i) for i in dict.fromkeys(ids)]
        late = [c for c in chosen if c["status"] != "ny"]
        if late:
            listed = ", ".join(f"{c['id']} ({c['status']})" for c in late)
            raise InvalidChange(f"bare utfordringer med status ny kan sendes; ikke: {listed}")
        todo = [(c["id"], c["versjon"]) for c in chosen]
    else:
        new = store.list(status=["ny"])
        todo = list(zip(new["id"].tolist(), new["versjon"].tolist(), strict=True))
    if not todo:
        _say("Ingen utfordringer med status ny å sende.")
        return
    today = today_in_norway()
    deadlines: set[str] = set()
    for challenge, version in todo:
        row = store.change(
            int(challenge), version=int(version), who=who, status="sendt", today=today
        )
        deadlines.add(row["frist"])
    shown = ", ".join(f"{d[8:10]}.{d[5:7]}.{d[:4]}" for d in sorted(deadlines))  # 17.12.2026
    _say(f"Sendte {thousands(len(todo))} utfordringer; svarfrist {shown}.")
    _say("Lag listene til tilbyderne med: dekning utfordring eksporter MAPPE")


# ---------------------------------------------------------------- eksporter


def _run_addresses(folder: Path) -> pd.DataFrame:
    """The classified addresses of an earlier run's output folder.

    Raises
    ------
    InputError
        The folder holds no run's ``adresser_klassifisert.gpkg``, or the file lacks a column.
    """
    path = folder / ADDRESSES_GPKG
    if not path.is_file():
        raise InputError(
            f"fant ikke {ADDRESSES_GPKG}: mappa er ikke resultatet av en kjøring", file=folder
        )
    try:
        table = pd.DataFrame(gpd.read_file(path, layer="adresser", ignore_geometry=True))
    except Exception as e:  # pyogrio/fiona raise their own errors for a broken file
        raise InputError(f"kan ikke lese {ADDRESSES_GPKG}: {e}", file=path) from None
    missing = [c for c in ADDRESS_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"mangler kolonnene {', '.join(missing)}", file=path)
    return table


def _check_target(folder: Path) -> None:
    """The export folder must be new or empty (dekning never mixes its files with others).

    Raises
    ------
    InputError
        ``folder`` is a file, or a folder that is not empty.
    """
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(
            "mappa finnes og er ikke tom; velg en ny eller tom mappe (ingenting er skrevet)",
            file=folder,
        )


def _rule_note(cfg: Config) -> str:
    rules = cfg.evidence
    share = f"{rules.slow_ratio * 100:g}".replace(".", ",")
    return (
        f"Fartstester teller når det er minst {rules.min_tests} tester på minst "
        f"{rules.min_days} ulike dager (medianen teller, kablet foran trådløst); en median under "
        f"{share} % av tilbudt hastighet regnes som for lav. Tilbyderne har {rules.answer_days} "
        "dager på å svare."
    )


@app.command(
    cls=BokmalCommand,
    help=f"Skriv fylkeskommunens liste til ny høring ({WORKBOOK}) og én liste per tilbyder "
    f"({OPERATOR_FOLDER}/<tilbyder>.xlsx og .csv) over de sendte utfordringene, i en ny eller "
    "tom mappe. Adressene hentes fra en ny kjøring av analysen, eller raskere fra en tidligere "
    "kjøring (--fra-kjoring).",
)
@friendly
def eksporter(
    folder: Annotated[Path, typer.Argument(help="Mappa som skal skrives (ny eller tom).")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    round_name: Annotated[
        str | None,
        typer.Option("--runde", help="Rundens navn i lista (standard: utfordringer <dato>)."),
    ] = None,
    from_run: Annotated[
        Path | None,
        typer.Option(
            "--fra-kjoring",
            help=f"Resultatmappe fra en tidligere kjøring: adressene leses fra {ADDRESSES_GPKG} "
            "i stedet for å kjøre analysen.",
        ),
    ] = None,
) -> None:
    """Write the re-consultation workbook and the operators' lists of the sent challenges."""
    target = folder.resolve()
    _check_target(target)
    cfg = read_config(config)
    store, url = _open(cfg, db)
    sent = store.list(status=["sendt"])
    if sent.empty:
        raise InputError(
            "ingen utfordringer har status sendt; send dem først med «dekning utfordring send»"
        )
    if from_run is not None:
        addresses = _run_addresses(from_run)
    else:
        addresses = pd.DataFrame(analyse(_with_database(cfg, url)).classified)
    name = round_name or f"utfordringer {today_in_norway().strftime('%d.%m.%Y')}"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        rows = reconsultation_workbook(
            sent,
            addresses,
            tmp / WORKBOOK,
            municipality=cfg.municipality.name,
            round_name=name,
            rule_note=_rule_note(cfg),
        )
        lists = operator_lists(sent, addresses, tmp / OPERATOR_FOLDER)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, target)  # replaces only an empty folder, in one step
        except OSError:
            raise InputError(
                "mappa ble tatt i bruk mens listene ble skrevet; ingenting er skrevet",
                file=target,
            ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _say(f"Skrev {target / WORKBOOK} ({thousands(rows)} utfordringer til ny høring)")
    for operator, workbook in lists.items():
        stem = workbook.stem
        n = int((sent["operator"] == operator).sum())
        _say(
            f"Skrev {target / OPERATOR_FOLDER / workbook.name} og "
            f"{target / OPERATOR_FOLDER / (stem + '.csv')} ",
            f"({operator}: {thousands(n)} utfordringer)",
        )
    if not lists:
        _say("Ingen av de sendte utfordringene har en tilbyder: ingen tilbyderlister.")


# ---------------------------------------------------------------- svar


@app.command(
    cls=BokmalCommand,
    help="Les en tilbyders svar (lista fra eksporter med Svar og Begrunnelse fylt ut) og "
    "lagre dem: svaret blir tilsvar; godtar tilbyderen, er utfordringen opprettholdt.",
)
@friendly
def svar(
    file: Annotated[Path, typer.Argument(help="Tilbyderens utfylte liste (.xlsx eller .csv).")],
    who: WhoOpt,
    operator: Annotated[
        str | None,
        typer.Option(
            "--tilbyder",
            help="Tilbyderen som har svart: hver rad må gjelde denne tilbyderen (kolonnen "
            "Tilbyder fylles ut med navnet der den mangler).",
        ),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Record an operator's answers."""
    answers = read_operator_answers(file)
    cfg = read_config(config)
    store, _ = _open(cfg, db)
    if answers.empty:
        _say("Ingen besvarte rader i ", file, "; ingenting er endret.")
        return
    answers = _checked_answers(answers, store, file, operator)
    if operator is None and not answers["operator"].astype(bool).all():
        _say(
            "Merk: ikke alle rader i ",
            file,
            " oppgir tilbyderen; bruk --tilbyder for å sjekke at svarene gjelder riktig tilbyder.",
        )
    counts = store.record_answers(answers, who=who, file=str(file))
    _say(
        f"Tilsvar lagret: {thousands(counts['tilsvar'])} "
        f"(opprettholdt fordi tilbyderen godtok: {thousands(counts['opprettholdt'])}); "
        f"lagret fra før: {thousands(counts['uendret'])}."
    )


def _checked_answers(
    answers: pd.DataFrame, store: ChallengeStore, file: Path, operator: str | None
) -> pd.DataFrame:
    """The answers of ``file`` with their ``Tilbyder`` and ``Adresse-ID`` checked against
    ``--tilbyder`` and the stored challenges (``operator`` filled with ``--tilbyder`` where
    the file gives none). The store checks the operator again when it records the answers.

    Raises
    ------
    InputError
        A row names another operator than ``--tilbyder`` or than its challenge's, or another
        address than its challenge's; the error names the file, the line and the column
        (nothing is changed).
    """
    headers = answers.attrs.get(HEADERS_ATTR, {})
    operator_field = headers.get("operator", OPERATOR_HEADER)
    adrid_field = headers.get("adrid", ADRID_HEADER)
    out = answers.copy()
    named = out["operator"].astype(str).str.strip().str.lower()
    if operator is not None:
        wanted = operator.strip().lower()
        if not wanted:
            raise InvalidChange("--tilbyder kan ikke være tomt")
        other = (named != "") & (named != wanted)
        if other.any():
            row = out[other].iloc[0]
            raise InputError(
                f"raden gjelder tilbyderen {named[other].iloc[0]!r}, ikke {wanted!r} "
                f"(--tilbyder); ingenting er endret",
                file=file,
                line=int(row["rad"]),
                field=operator_field,
            )
        named = named.where(named != "", wanted)
    out["operator"] = named
    stored = {
        int(c["id"]): {str(k): v for k, v in c.items()}
        for c in store.list().to_dict(orient="records")
    }
    for rec in out.to_dict(orient="records"):
        cid = int(rec["id"])
        challenge = stored.get(cid)
        if challenge is None:
            continue  # the store names the unknown id (and the line) itself
        own = str(challenge["operator"] or "")
        if rec["operator"] and own and rec["operator"] != own:
            raise InputError(
                f"utfordring {cid} gjelder tilbyderen {own!r}, ikke {rec['operator']!r}; "
                "ingenting er endret",
                file=file,
                line=int(rec["rad"]),
                field=operator_field,
            )
        if _blank(rec["adrid"]):
            continue
        given = int(rec["adrid"])
        if _blank(challenge["adrid"]) or int(challenge["adrid"]) != given:
            place = _place(challenge)
            where = f"adresse-ID {place}" if place.isdigit() else (place or "ingen adresse")
            raise InputError(
                f"utfordring {cid} gjelder {where}, ikke adresse-ID {given}; ingenting er endret",
                file=file,
                line=int(rec["rad"]),
                field=adrid_field,
            )
    return out


# ---------------------------------------------------------------- tester


@app.command(
    cls=BokmalCommand,
    help="Lagre innbyggernes fartstester fra en fil (CSV/XLSX) i databasen; neste kjøring "
    "knytter dem til adresser og vurderer dem etter reglene for dokumentasjon (evidence i oppsettet).",
)
@friendly
def tester(
    file: Annotated[Path, typer.Argument(help="Fila med fartstestene.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"Filens format: {' eller '.join(FORMATS)} (standard: gjenkjennes fra "
            "overskriftene).",
        ),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Store speed tests read from a file."""
    cfg = read_config(config)
    _database(cfg, db)  # no database named: say so before reading the file
    tests = read_speedtests(file, fmt)
    store, url = _open(cfg, db, existing=False)
    ids = store.add_speedtests(tests, source=file.name)
    _say(f"Lagret {thousands(len(ids))} fartstester fra ", file.name, " i ", _shown_url(url), ".")


__all__ = ["NO_DATABASE", "app"]
