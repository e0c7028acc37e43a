"""``dekning validate SURVEY --mapping M``: the validation and geocoding report of one export.

Text from the export (and its file name) is printed as written: rich markup such as ``[bold]`` or
``[link=…]`` and terminal escape sequences in it are shown, never applied
(:func:`dekning.textsafe.terminal_text`), with any console.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dekning.config import Config
from dekning.coverage.read.addresses import read_addresses, read_boundary
from dekning.surveys.geocode import geocode
from dekning.surveys.mapping import load_mapping
from dekning.surveys.read import read_survey
from dekning.textsafe import terminal_text


def validate_survey_cli(path: Path, mapping: Path | None, cfg: Config, console: Console) -> None:
    """Print every rejected row with its reason, the geocoding match rate and unmatched rows.

    Parameters
    ----------
    path
        The survey export.
    mapping
        Its column mapping (default: the configuration's ``input.survey_mapping`` or
        ``surveys.mapping``).
    cfg
        The configuration (address register, boundary, geocoding thresholds).
    console
        Where the report is printed (bokmål).

    Raises
    ------
    DekningError
        As :func:`~dekning.surveys.read.load_mapping`, :func:`~dekning.surveys.read.read_survey`
        and the address readers.
    """
    m = load_mapping(
        mapping if mapping is not None else (cfg.input.survey_mapping or cfg.surveys.mapping)
    )
    read = read_survey(path, m)
    addresses = read_addresses(cfg.input.addresses, epsg=cfg.input.addresses_epsg)
    boundary = read_boundary(cfg.input.boundary).union_all() if cfg.input.boundary else None
    geo = geocode(
        read.answers,
        addresses,
        boundary=boundary,
        min_score=cfg.surveys.fuzzy_min_score,
        snap_m=cfg.surveys.snap_m,
    )
    n_rej = read.rejected["row"].nunique()
    tool = f" ({m.tool or 'ukjent verktøy'}, {m.source})"
    console.print(Text.assemble(terminal_text(path, "bold"), terminal_text(tool)))
    console.print(
        f"Rader: {read.total}   godkjent: {len(read.answers)}   avvist: {n_rej}", highlight=False
    )
    if n_rej:
        rejected = read.rejected[["row", "field", "value", "reason"]]
        console.print(_table("Avviste rader", ("rad", "felt", "verdi", "grunn"), rejected))
    counts = geo.answers["match"].value_counts().to_dict()
    console.print(
        f"Geokoding: {geo.match_rate:.1%} funnet  (eksakt {counts.get('exact', 0)}, "
        f"fuzzy {counts.get('fuzzy', 0)}, koordinater {counts.get('coordinates', 0)}, "
        f"utenfor kommunen {counts.get('outside', 0)}, ikke funnet {counts.get('unmatched', 0)})",
        highlight=False,
    )
    if len(geo.unmatched):
        unmatched = geo.unmatched[["row", "address", "postnummer", "match"]]
        headers = ("rad", "adresse", "postnummer", "status")
        console.print(_table("Adresser som ikke ble funnet", headers, unmatched))


def _table(title: str, headers: tuple[str, ...], frame: pd.DataFrame) -> Table:
    """A rich table of ``frame``'s rows as text (:func:`dekning.textsafe.terminal_text`), under
    bokmål ``headers``."""
    table = Table(*headers, title=title)
    for line in frame.astype(str).to_numpy():
        table.add_row(*map(terminal_text, line))
    return table
