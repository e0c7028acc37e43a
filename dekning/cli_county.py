"""``dekning fylke``: every municipality of a county (or of the country) in one run, on Dask,
and the county's ranking and selection (:mod:`dekning.county`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dekning.cli_common import err, friendly, out
from dekning.county import REPORT, run_county
from dekning.county_config import load_county_config
from dekning.money import nok, percent, thousands
from dekning.textsafe import terminal_text

HELP = (
    "Kjør alle kommunene i et fylke (eller hele landet) fra nasjonale filer, på Dask: "
    "resultatene per kommune som i en vanlig kjøring, og fylkets rangering og valg av "
    "områder innenfor den statlige rammen."
)


def county(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Fylkesoppsettet (TOML); se README.")
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Resultatmappe (erstattes som helhet).")
    ] = Path("dekning-fylke"),
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--klynge",
            help="Adressen til en Dask-planlegger som kjører (tcp://vert:8786); uten den: en "
            "lokal klynge.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--arbeidere", min=1, help="Lokale arbeidsprosesser (standard: oppsettet)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Ingen fremdriftsvisning.")] = False,
) -> None:
    """Run a county: split the national files, every municipality as a Dask task, then the
    county's view; print the county's figures per municipality."""
    cc = load_county_config(config)

    def step(text: str) -> None:
        if not quiet:
            err.print(f"· {text}", highlight=False, markup=False)

    result = run_county(
        cc, out_dir, source=str(config), scheduler=scheduler, workers=workers, step=step
    )
    summary = result.summary
    table = Table(title=f"{cc.county.name}: valgt for fylket")
    for name, justify in (
        ("Kommune", "left"),
        ("Områder", "right"),
        ("Valgt", "right"),
        ("Enheter nådd", "right"),
        ("Statlig", "right"),
        ("Kommunal", "right"),
        ("Sekunder", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    per = {m["kommunenummer"]: m for m in summary.get("kommuner", [])}
    for r in result.municipalities:
        m = per.get(r.kommunenummer, {})
        table.add_row(
            terminal_text(f"{r.kommunenummer} {r.name}" + (" (feilet)" if r.failed else "")),
            thousands(m.get("omrader", 0)),
            thousands(m.get("valgte_omrader", 0)),
            thousands(m.get("valgte_enheter", 0)),
            nok(m.get("statlig", 0)),
            nok(m.get("kommunal", 0)),
            f"{r.seconds:.1f}".replace(".", ","),
        )
    out.print(table)
    failed = [r for r in result.municipalities if r.failed]
    for r in failed:
        out.print(terminal_text(f"Kommune {r.kommunenummer} {r.name} feilet: {r.note}"))
    for r in result.municipalities:
        if r.note and not r.failed:
            out.print(terminal_text(f"Kommune {r.kommunenummer} {r.name}: {r.note}"))
    if not summary.get("bevist_optimal", True):
        gap = summary.get("mip_gap")
        out.print(
            "Fylkets valg stoppet ved tidsgrensen (county.time_limit_s) og er ikke bevist det "
            "beste mulige" + (f"; det kan være opptil {percent(gap, 2)} fra det" if gap else ""),
            markup=False,
        )
    out.print(terminal_text(f"Resultater: {result.out_dir} (se {REPORT})"))
    if failed:
        raise typer.Exit(code=1)


def register(app: typer.Typer, command_cls: type) -> None:
    """Add ``fylke`` to the ``dekning`` app."""
    app.command("fylke", cls=command_cls, help=HELP)(friendly(county))


__all__ = ["county", "register"]
