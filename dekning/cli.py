"""The ``dekning`` command line: ``run``, ``validate``, ``serve``.

Errors that dekning raises on purpose (bad input, bad configuration) are printed as one readable
message and the command exits with status 2; they never show a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from dekning import __version__
from dekning.api.app import Settings, create_app, has_results, service_config
from dekning.api.server import serve as serve_app
from dekning.api.settings import TOKEN_ENV, read_token
from dekning.config import Config, load_config, load_default_config
from dekning.coverage.application.package import write_application
from dekning.errors import DekningError
from dekning.money import nok
from dekning.pipeline import LABELS, analyse
from dekning.pipeline import run as run_pipeline
from dekning.summary import format_summary
from dekning.surveys.report import validate_survey_cli
from dekning.textsafe import terminal_text

app = typer.Typer(
    name="dekning",
    help="Bredbånd- og mobildekning for kommuner: dekning per adresse, utbyggingsområder, "
    "kommunal egenandel, kart og API. Broadband and mobile coverage planner.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Text from input (names, addresses, file paths) is printed literally: no rich markup, emoji
# codes or highlighting is ever read from it.
err = Console(stderr=True, markup=False, emoji=False, highlight=False)
out = Console(markup=False, emoji=False, highlight=False)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="TOML configuration; default: the embedded synthetic data set."
    ),
]


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DekningError as e:
            err.print(Text.assemble(("Feil: ", "bold red"), terminal_text(e)), soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper


def _config(path: Path | None) -> Config:
    return load_config(path) if path is not None else load_default_config()


@app.callback(invoke_without_command=True)
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"dekning {__version__}")
        raise typer.Exit()


def scenario_table(scenarios: pd.DataFrame) -> Table:
    """The budget scenarios side by side (municipal co-funding per year), in kroner."""
    table = Table(title="Budsjettscenarioer (kommunal egenandel per år)")
    for col in ("budsjett", "områder", "enheter", "kommunal", "statlig", "kr per enhet"):
        table.add_column(col, justify="left" if col == "områder" else "right")
    rows: list[dict[Hashable, Any]] = scenarios.to_dict("records")
    for r in rows:
        budget = r["budsjett"]
        table.add_row(
            "ubegrenset" if budget is None or pd.isna(budget) else nok(budget),
            r["omrader"] or "ingen",
            str(r["enheter"]),
            nok(r["kommunal"]),
            nok(r["statlig"]),
            nok(r["kommunal_per_enhet"]),
        )
    return table


@app.command()
@_friendly
def run(
    config: ConfigOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder (replaced).")] = Path(
        "dekning-ut"
    ),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Run the whole analysis and write the output folder.

    Without --config it runs on the embedded synthetic data set (data/).
    """
    cfg = _config(config)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
    ) as progress:
        task = progress.add_task("Starter", total=len(LABELS))
        seen: list[str] = []

        def step(name: str) -> None:
            if seen:
                progress.advance(task)
            seen.append(name)
            progress.update(task, description=name)
            if not err.is_terminal and not quiet:
                err.print(f"· {name}", highlight=False)

        result = run_pipeline(cfg, out_dir, step)
        progress.update(task, completed=len(LABELS), description="Ferdig")
    out.print(format_summary(result.summary), highlight=False)
    if result.scenarios is not None and len(result.scenarios) > 1:
        out.print(scenario_table(result.scenarios))
    if result.report.warnings:
        out.print(f"Advarsler: {len(result.report.warnings)} (se rapport.json)", highlight=False)
        for w in result.report.warnings:
            out.print(terminal_text(f"  - {w.message}: {w.count}"))
    out.print(f"Resultater: {result.out_dir}", highlight=False)


@app.command()
@_friendly
def validate(
    survey: Annotated[
        Path | None, typer.Argument(help="Survey export (CSV/XLSX) to validate and geocode.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="Column mapping (TOML) for the survey.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Check the configuration and every input file (or a survey export) without writing anything."""
    cfg = _config(config)
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


@app.command()
@_friendly
def apply(
    area_id: Annotated[
        str, typer.Argument(help="Build-out area id, e.g. O-002 (see finansiering.csv).")
    ],
    config: ConfigOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder of the package.")
    ] = None,
) -> None:
    """Write the application package of one build-out area (addresses, outline, funding workbook,
    summary)."""
    cfg = _config(config)
    result = analyse(cfg)
    target = out_dir or Path(f"soknad_{area_id}")
    path = write_application(
        result.classified, result.areas, area_id, cfg, target, routes=result.routes
    )
    row = result.areas.set_index("area_id").loc[area_id]
    out.print(
        f"Område {area_id}: {int(row['enheter'])} enheter, kostnad {nok(row['kost_total'])}, "
        f"kommunal egenandel {nok(row['kommunal'])}",
        highlight=False,
        soft_wrap=True,
    )
    out.print(f"Søknadspakke: {path}", highlight=False)


@app.command()
@_friendly
def serve(
    config: ConfigOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder of a run (made if missing).")
    ] = Path("dekning-ut"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log", help="Log every request (a ?token= is hidden)."
        ),
    ] = False,
    planner_token_file: Annotated[
        Path | None,
        typer.Option(
            help="File whose first line is the token of the planner endpoints (planner map, "
            f"answers). Without it: the environment variable {TOKEN_ENV}; neither: planner "
            "endpoints answer 403. Never on the command line, where ps shows it.",
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            envvar="DEKNING_TRUSTED_PROXIES",
            help="Address of a reverse proxy whose X-Forwarded-For names the client (repeat "
            "the option; the variable takes them separated by spaces). Default none: "
            "X-Forwarded-For is ignored.",
        ),
    ] = None,
    max_header_bytes: Annotated[
        int, typer.Option(min=1024, help="Longest request head (request line and headers).")
    ] = 16_384,
    keep_alive: Annotated[
        int, typer.Option(min=1, help="Seconds an idle connection is kept after an answer.")
    ] = 5,
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


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="dekning")


if __name__ == "__main__":  # pragma: no cover
    main()
