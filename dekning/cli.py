"""The ``dekning`` command line: ``run``, ``validate``, ``apply``, ``serve``, ``diff``, the
county run ``fylke`` (:mod:`dekning.cli_county`) and the challenge commands ``utfordring …`` (``foreslå``, ``ny``, ``liste``, ``vis``, ``endre``,
``send``, ``eksporter``, ``svar``, ``tester``; :mod:`dekning.cli_challenges`).

Errors that dekning raises on purpose (bad input, bad configuration) are printed as one readable
message and the command exits with status 2; they never show a traceback.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Hashable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from dekning import __version__
from dekning.api.app import Settings, create_app, has_results, service_config
from dekning.api.server import serve as serve_app
from dekning.api.settings import TOKEN_ENV, read_token
from dekning.cli_challenges import app as challenge_app
from dekning.cli_common import ConfigOpt, err, friendly, out, read_config
from dekning.cli_county import register as register_county
from dekning.cli_text import BokmalCommand, BokmalGroup, word_typer
from dekning.coverage.application.package import write_application
from dekning.errors import DekningError, InputError
from dekning.history import CHANGES, changed_inputs, diff_runs
from dekning.money import nok, thousands
from dekning.pipeline import LABELS, STAGES, analyse
from dekning.pipeline import run as run_pipeline
from dekning.postgis import is_database_url, mask_url, write_postgis
from dekning.summary import format_summary
from dekning.surveys.report import validate_survey_cli
from dekning.textsafe import terminal_text, write_spreadsheet_csv

word_typer()
app = typer.Typer(
    cls=BokmalGroup,
    name="dekning",
    help="Bredbånd- og mobildekning for kommuner: dekning per adresse, utbyggingsområder, "
    "kommunal egenandel, kart og API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


STAGE_LABELS = tuple(s.label for s in STAGES)
DB_LABEL = "Skriver til PostGIS"


@app.callback(invoke_without_command=True)
def _main(
    version: Annotated[bool, typer.Option("--version", help="Vis versjonen og avslutt.")] = False,
) -> None:
    if version:
        out.print(f"dekning {__version__}")
        raise typer.Exit()


def wrap_lines(text: str, width: int, indent: str = "  ") -> str:
    """``text`` wrapped line by line at ``width`` between words only: a figure written with
    no-break spaces (``4 877 493 kr``) is never split; continued lines are indented."""
    return "\n".join(
        textwrap.fill(
            line,
            width=max(width, 20),
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        if line
        else line
        for line in text.split("\n")
    )


def _kroner(value: float) -> str:
    """A whole number (kroner, units) with no-break thousands spaces, without ``kr``."""
    return nok(value).removesuffix("\u00a0kr")


def scenario_table(scenarios: pd.DataFrame) -> Table:
    """The budget scenarios side by side (municipal co-funding per year), in kroner."""
    table = Table(title="Budsjettscenarioer (kommunal egenandel per år, kroner)")
    for col in ("budsjett", "områder", "enheter", "kommunal", "statlig", "per enhet"):
        text = col == "områder"  # area ids wrap between ids; figures never wrap inside
        table.add_column(
            col,
            justify="left" if text else "right",
            no_wrap=not text,
            min_width=6 if text else None,
        )
    rows: list[dict[Hashable, Any]] = scenarios.to_dict("records")
    for r in rows:
        budget = r["budsjett"]
        table.add_row(
            "ubegrenset" if budget is None or pd.isna(budget) else _kroner(budget),
            r["omrader"] or "ingen",
            _kroner(r["enheter"]),
            _kroner(r["kommunal"]),
            _kroner(r["statlig"]),
            _kroner(r["kommunal_per_enhet"]),
        )
    return table


@app.command(
    cls=BokmalCommand,
    help="Kjør hele analysen og skriv resultatmappa. Uten --config brukes det innebygde "
    "syntetiske datasettet (data/).",
)
@friendly
def run(
    config: ConfigOpt = None,
    out_dir: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            help="Resultatmappe (erstattes), eller en PostgreSQL/PostGIS-database "
            "(postgresql://bruker@vert/db): da skrives tabellene dit i én transaksjon, ingen filer.",
        ),
    ] = "dekning-ut",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Ingen fremdriftsvisning.")] = False,
) -> None:
    """Run the whole analysis and write the output folder.

    Without --config it runs on the embedded synthetic data set (data/). ``--out
    postgresql://...`` writes the results to that database instead of a folder; a configured
    ``output.database`` gets them as well as the folder (:mod:`dekning.postgis`).
    """
    cfg = read_config(config)
    database = out_dir if is_database_url(out_dir) else cfg.output.database
    labels = list(STAGE_LABELS) if is_database_url(out_dir) else list(LABELS)
    if database is not None:
        labels.append(DB_LABEL)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
    ) as progress:
        task = progress.add_task("Starter", total=len(labels))
        seen: list[str] = []

        def step(name: str) -> None:
            if seen:
                progress.advance(task)
            seen.append(name)
            progress.update(task, description=name)
            if not err.is_terminal and not quiet:
                err.print(f"· {name}", highlight=False)

        if is_database_url(out_dir):
            result = analyse(cfg, step)
        else:
            result = run_pipeline(cfg, Path(out_dir), step)
        run_id = None
        if database is not None:
            step(DB_LABEL)
            try:
                run_id = write_postgis(result, cfg, database, schema=cfg.output.database_schema)
            except DekningError as e:
                if result.out_dir is None:
                    raise
                raise type(e)(f"{e} (resultatmappa {result.out_dir} er skrevet)") from None
        progress.update(task, completed=len(labels), description="Ferdig")
    out.print(wrap_lines(format_summary(result.summary), out.width), soft_wrap=True)
    if result.scenarios is not None and len(result.scenarios) > 1:
        out.print(scenario_table(result.scenarios))
    if result.report.warnings:
        where = "rapport.json" if result.out_dir is not None else "kjoringer.advarsler"
        out.print(f"Advarsler: {len(result.report.warnings)} (se {where})", highlight=False)
        for w in result.report.warnings:
            line = terminal_text(f"  - {w.message}: {w.count}").plain  # control chars shown
            out.print(Text(wrap_lines(line, out.width, indent="    ")), soft_wrap=True)
    if result.out_dir is not None:
        out.print(f"Resultater: {result.out_dir}", highlight=False)
    if database is not None:
        out.print(
            f"Database: {mask_url(database)}, skjema {cfg.output.database_schema}, "
            f"kjøring {run_id}",
            highlight=False,
            soft_wrap=True,
        )


@app.command(
    cls=BokmalCommand,
    help="Kontroller oppsettet og alle inndatafiler (eller en eksport fra spørreundersøkelsen) "
    "uten å skrive noe.",
)
@friendly
def validate(
    survey: Annotated[
        Path | None,
        typer.Argument(
            help="Eksport fra spørreundersøkelsen (CSV/XLSX) som skal kontrolleres og geokodes."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", "-m", help="Kolonneoppsett (TOML) for spørreundersøkelsen."),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Check the configuration and every input file (or a survey export) without writing anything."""
    cfg = read_config(config)
    if survey is not None:
        validate_survey_cli(survey, mapping, cfg, out)
        return
    result = analyse(cfg)
    table = Table(
        title="Inndata er i orden" if not result.report.warnings else "Inndata lest, med advarsler"
    )
    table.add_column("Hva")
    table.add_column("Antall", justify="right")
    for key in (
        "adresser",
        "husstander",
        "husstander_uten_100",
        "stotteberettigede_adresser",
        "omrader",
    ):
        table.add_row(key, str(result.summary[key]))
    for w in result.report.warnings:
        table.add_row(f"advarsel: {w.message}", str(w.count))
    out.print(table)


@app.command(
    cls=BokmalCommand,
    help="Skriv søknadspakken for ett utbyggingsområde (adresseliste, omriss, "
    "finansieringsark og sammendrag).",
)
@friendly
def apply(
    area_id: Annotated[
        str, typer.Argument(help="Områdets id, f.eks. O-002 (se finansiering.csv).")
    ],
    config: ConfigOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Mappe for søknadspakken.")
    ] = None,
) -> None:
    """Write the application package of one build-out area (addresses, outline, funding workbook,
    summary)."""
    cfg = read_config(config)
    result = analyse(cfg)
    target = out_dir or Path(f"soknad_{area_id}")
    path = write_application(
        result.classified,
        result.areas,
        area_id,
        cfg,
        target,
        routes=result.routes,
        report=result.report,
    )
    for w in result.report.warnings:
        if w.code == "summary_pdf_missing":
            err.print(Text(wrap_lines(f"Advarsel: {w.message}", err.width)), soft_wrap=True)
    row = result.areas.set_index("area_id").loc[area_id]
    out.print(
        f"Område {area_id}: {int(row['enheter'])} enheter, kostnad {nok(row['kost_total'])}, "
        f"kommunal egenandel {nok(row['kommunal'])}",
        highlight=False,
        soft_wrap=True,
    )
    out.print(f"Søknadspakke: {path}", highlight=False)


@app.command(
    cls=BokmalCommand,
    help="Server API-et og kartene over resultatene av en kjøring. Finnes ingen resultater "
    "ennå, kjøres analysen først. Offentlig kart: /kart. Planleggerkart: /kart/planlegger "
    "(token som Authorization: Bearer eller ?token=...). API-dokumentasjon: /docs.",
)
@friendly
def serve(
    config: ConfigOpt = None,
    out_dir: Annotated[
        Path,
        typer.Option("--out", "-o", help="Resultatmappe for en kjøring (lages om den mangler)."),
    ] = Path("dekning-ut"),
    host: Annotated[str, typer.Option(help="Nettverksgrensesnitt å lytte på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log", help="Logg hver forespørsel (en ?token= skjules)."
        ),
    ] = False,
    planner_token_file: Annotated[
        Path | None,
        typer.Option(
            help="Fil der første linje er tokenet for planleggertilgang (planleggerkart, "
            f"enkeltsvar). Uten den: miljøvariabelen {TOKEN_ENV}; ingen av dem: "
            "planleggertilgang er slått av (403). Aldri på kommandolinja, der ps viser den.",
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            envvar="DEKNING_TRUSTED_PROXIES",
            help="Adressen til en omvendt mellomtjener (reverse proxy) hvis X-Forwarded-For "
            "navngir klienten (gjenta valget; variabelen tar dem atskilt med mellomrom). "
            "Standard ingen: X-Forwarded-For ses bort fra.",
        ),
    ] = None,
    max_header_bytes: Annotated[
        int,
        typer.Option(
            min=1024, help="Lengste forespørselshode (forespørselslinje og hoder), i byte."
        ),
    ] = 16_384,
    keep_alive: Annotated[
        int, typer.Option(min=1, help="Sekunder en ledig forbindelse holdes åpen etter et svar.")
    ] = 5,
    history_dir: Annotated[
        Path | None,
        typer.Option(
            "--historikk",
            help="Mappe med tidligere kjøringers resultatmapper, som endringene mellom kjøringer "
            "(/v1/planlegger/endringer) sammenligner. Standard: mappa som har resultatmappa.",
        ),
    ] = None,
) -> None:
    """Serve the API and the maps (uvicorn) over the results of a run.

    When the output folder holds no results yet, the analysis runs first. A planner's re-run
    (POST /v1/planlegger/kjor) runs the same analysis into the same folder, in the background.
    Public map: /kart. Planner map: /kart/planlegger (token as Authorization: Bearer, or
    ?token=...).
    """
    settings = Settings(
        config_path=config,
        out_dir=out_dir,
        history_dir=history_dir,
        planner_token=read_token(planner_token_file, os.environ),
        trusted_proxies=tuple(trusted_proxy or ()),
        max_header_bytes=max_header_bytes,
        keep_alive_s=keep_alive,
    )
    cfg = service_config(settings)
    if not has_results(out_dir):
        err.print(f"Fant ingen resultater i {out_dir}: kjører analysen først", highlight=False)
        run_pipeline(cfg, out_dir)
    service = create_app(settings, runner=lambda: run_pipeline(cfg, out_dir))
    serve_app(service, settings, host, port, access_log=access_log)


@app.command(
    cls=BokmalCommand,
    help="Vis hva som er endret per adresse mellom to kjøringer (tilbud fått eller mistet, "
    "støtteberettigelse, område), med antall; og hvilke inndatafiler som er endret.",
)
@friendly
def diff(
    old: Annotated[Path, typer.Argument(help="Resultatmappa fra den gamle kjøringen.")],
    new: Annotated[Path, typer.Argument(help="Resultatmappa fra den nye kjøringen.")],
    csv_out: Annotated[
        Path | None,
        typer.Option("--csv", help="Skriv de endrede adressene til denne CSV-fila."),
    ] = None,
) -> None:
    """What changed per address between two runs' output folders, with counts."""
    if csv_out is not None and csv_out.exists():
        raise InputError(
            "fila finnes fra før; velg et annet navn (dekning skriver ikke over den)", file=csv_out
        )
    table, counts = diff_runs(old, new)
    summary = Table(title=f"Endringer fra {old} til {new}")
    summary.add_column("Endring")
    summary.add_column("Adresser", justify="right")
    for key, words in CHANGES.items():
        summary.add_row(words, thousands(counts[key]))
    summary.add_row("endrede adresser i alt", thousands(len(table)))
    out.print(summary)
    for key, before, after in changed_inputs(old, new):
        out.print(f"Inndata endret: {key} (sha256 {before} → {after})")
    if csv_out is not None:
        write_spreadsheet_csv(table, csv_out)
        out.print(f"Skrev {thousands(len(table))} endrede adresser til {csv_out}")


register_county(app, BokmalCommand)  # after run … diff: listed in this order in --help
app.add_typer(challenge_app, name="utfordring")


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="dekning")


if __name__ == "__main__":  # pragma: no cover
    main()
