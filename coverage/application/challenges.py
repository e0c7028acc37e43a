"""The files a challenge round sends out: the county's re-consultation list
(:func:`reconsultation_workbook`, modelled on Trøndelag county's template, where addresses
missing from Nkom's list go at the bottom with a comment and are put to a new consultation)
and one list per operator of the challenges it must answer (:func:`operator_lists`), which
:func:`dekning.surveys.operator_answers.read_operator_answers` reads back once the operator
has filled in ``Svar`` and ``Begrunnelse``.

Text from residents and operators is data: in the workbooks it is stored as text (never a
formula), in the CSV files it is protected as :mod:`dekning.textsafe` describes. Ids are whole
numbers shown without thousands separators (``300000001``, never ``3E+08``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dekning import __version__
from dekning.clock import today_in_norway
from dekning.coverage.application.cells import excel_text, store_as_text
from dekning.coverage.application.printing import INTEGER, notes_sheet, table_sheet
from dekning.errors import InputError
from dekning.money import thousands
from dekning.outfolder import atomic_folder
from dekning.schema import require
from dekning.surveys.challenges import KINDS
from dekning.surveys.operator_answers import (
    ADRID_HEADER,
    ANSWER_HEADER,
    ANSWER_LABELS,
    ANSWER_WORDS,
    ID_HEADER,
    OPERATOR_HEADER,
    REASON_HEADER,
)
from dekning.textsafe import write_spreadsheet_csv

KIND_WORDS: dict[str, str] = KINDS
"""Bokmål for each kind of challenge: the store's own table
(:data:`dekning.surveys.challenges.KINDS`)."""
SENT = "sendt"
"""The status of a challenge sent to be answered: the only one these files list."""
TEXT_FIELDS = ("operatordata", "evidens", "kommentar")
"""Text of a challenge the lists read (``kommentar``, the resident's own text, is personal data
and written in none of them)."""
CHALLENGE_COLUMNS = ("id", "adrid", "area_id", "kind", "operator", "status", "frist", *TEXT_FIELDS)
"""Columns of the challenge frame these files read."""
ADDRESS_COLUMNS = ("adrid", "adressetekst", "postnummer", "poststed", "kommunenummer", "gnr", "bnr")
"""Columns of the addresses frame these files read."""
RECONSULTATION_HEADERS = [
    ADRID_HEADER,
    "Adresse",
    "Postnummer",
    "Poststed",
    "Kommunenr.",
    "Gnr.",
    "Bnr.",
    "Tilbyder",
    "Type",
    "Hva tilbyderen rapporterer",
    "Hva dokumentasjonen viser",
    "Kommentar",
    ID_HEADER,
    "Frist",
]
"""Columns of the re-consultation list, in order."""
OPERATOR_HEADERS = [
    ID_HEADER,
    OPERATOR_HEADER,
    ADRID_HEADER,
    "Adresse",
    "Type",
    "Hva tilbyderen rapporterer",
    "Hva dokumentasjonen viser",
    "Frist",
    ANSWER_HEADER,
    REASON_HEADER,
]
"""Columns of an operator's list, in order: the last two for the operator to fill in.
``Tilbyder`` (the operator's name as stored, lower case) and ``Adresse-ID`` are read back and
checked against the challenge (``dekning utfordring svar``)."""
FORMATS = {ID_HEADER: INTEGER, ADRID_HEADER: INTEGER, "Frist": "DD.MM.YYYY"}
"""Number formats by header: ids without grouping (never ``3E+08``), dates as Norwegians
write them."""
ID_WIDTH = 14.0
"""Least width of an id column: a nine-digit adrid with room to spare."""
FILE_STEM = r"[0-9A-Za-zÆØÅæøåÄÖÜäöüÉé_-][0-9A-Za-zÆØÅæøåÄÖÜäöüÉé_.-]{0,59}"
"""An operator's file name (without suffix) after spaces became ``_``: letters, digits,
``_ . -``, not starting with ``.``; never a path."""
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10))}
RESERVED |= {f"lpt{i}" for i in range(1, 10)}
"""Names Windows does not allow for a file, whatever the suffix."""
MARKER = ".dekning-tilbyderlister"
"""The hidden file that says a folder holds operator lists dekning wrote (and may replace)."""
REASON_WIDTH = 50
NOTE_LINE_HEIGHT = 15.0
"""Height (points) of one line of text on a notes sheet."""


def _check(challenges: pd.DataFrame, addresses: pd.DataFrame, what: str) -> None:
    require(challenges, CHALLENGE_COLUMNS, f"{what}(challenges)")
    require(addresses, ADDRESS_COLUMNS, f"{what}(addresses)")
    sent = challenges[challenges["status"].astype(str) == SENT]
    unknown = sorted(set(sent["kind"].astype(str)) - set(KIND_WORDS))
    if unknown:
        raise InputError(
            f"{what}: ukjent type utfordring {unknown[0]!r}; kjente typer: {', '.join(KIND_WORDS)}",
            field="kind",
        )


def _text(values: pd.Series) -> pd.Series:
    """Text with missing values empty."""
    return values.astype(object).where(values.notna(), "").astype(str)


def _date(value: str) -> dt.date | str:
    """An ISO date as a date (a date cell in a workbook); anything else as the text it is."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return value.strip()


def _norwegian_date(value: dt.date | str) -> str:
    """``2026-12-01`` → ``01.12.2026`` (a CSV cell a Norwegian spreadsheet reads as a date)."""
    return value.strftime("%d.%m.%Y") if isinstance(value, dt.date) else value


def _natural(values: pd.Series) -> pd.Series:
    """A sort key that puts ``Storgata 9`` before ``Storgata 10``."""
    return (
        values.astype(str)
        .str.casefold()
        .str.replace(r"\d+", lambda m: m.group(0).zfill(12), regex=True)
    )


def _sent(challenges: pd.DataFrame, addresses: pd.DataFrame) -> pd.DataFrame:
    """The sent challenges joined to their addresses (address columns empty for an area
    challenge and for an address not in the run), sorted by address then id."""
    sent = challenges[challenges["status"].astype(str) == SENT].copy()
    sent["adrid"] = sent["adrid"].astype("Int64")
    place = pd.DataFrame(addresses[list(ADDRESS_COLUMNS)]).drop_duplicates("adrid")
    place["adrid"] = place["adrid"].astype("Int64")
    joined = sent.merge(place, on="adrid", how="left", validate="many_to_one")
    for col in (*ADDRESS_COLUMNS[1:], "area_id", "operator", "operatordata", "evidens"):
        joined[col] = _text(joined[col]).str.strip()
    joined["kommentar"] = _text(joined["kommentar"])
    joined["frist"] = _text(joined["frist"]).map(_date)
    joined["id"] = joined["id"].astype("int64")
    keys = ["_a", "_p", "id"]
    joined["_a"] = _natural(joined["adressetekst"])
    joined["_p"] = joined["postnummer"]
    return joined.sort_values(keys, kind="stable").drop(columns=keys[:2]).reset_index(drop=True)


def _widen_ids(ws: Worksheet, headers: list[str]) -> None:
    """Id columns wide enough for nine digits (LibreOffice shows ``###`` otherwise)."""
    for i, name in enumerate(headers, start=1):
        if name in (ID_HEADER, ADRID_HEADER):
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, ID_WIDTH)


def _notes(ws: Worksheet, lines: list[str]) -> None:
    """The project's notes sheet, each row tall enough for its wrapped sentence (LibreOffice
    does not grow a row for wrapped text written by openpyxl)."""
    notes_sheet(ws, lines)
    for row, text in enumerate(lines, start=1):
        ws.row_dimensions[row].height = NOTE_LINE_HEIGHT * max(1, math.ceil(len(text) / 95))


def _table_sheet(ws: Worksheet, table: pd.DataFrame, footer: str) -> None:
    """The project's table layout, text stored as text, ids wide enough."""
    store_as_text(ws)
    table_sheet(ws, table, FORMATS, footer=footer)
    _widen_ids(ws, list(table.columns))


def _exists(path: Path) -> InputError:
    """The error for a target file that exists already."""
    return InputError(
        "fila finnes fra før; velg et annet navn (dekning skriver ikke over den)", file=path
    )


def _write_new_file(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through ``write(tmp_path)`` into a temporary file next to ``path`` and put
    it in place in one step, only when ``path`` does not exist (dekning never writes over a
    file: it may be someone's edited copy).

    Raises
    ------
    InputError
        ``path`` exists (before or once written); nothing is changed.
    """
    path = path.resolve()
    if path.exists():
        raise _exists(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)
        try:
            os.link(tmp, path)  # fails, changing nothing, when the file appeared meanwhile
        except FileExistsError:
            raise _exists(path) from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise _exists(path) from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def reconsultation_table(challenges: pd.DataFrame, addresses: pd.DataFrame) -> pd.DataFrame:
    """The sent address challenges as the re-consultation list's rows (bokmål headers,
    :data:`RECONSULTATION_HEADERS`), sorted by address then challenge; ``Frist`` a date (or
    the text given when it is not an ISO date), ids whole numbers. ``Kommentar`` is empty, for
    the municipality to fill in: the list goes to the county and into a public
    re-consultation, so the residents' own comments (personal data) are left out."""
    _check(challenges, addresses, "reconsultation_workbook")
    rows = _sent(challenges, addresses)
    rows = rows[rows["adrid"].notna()].reset_index(drop=True)
    table = pd.DataFrame(
        {
            ADRID_HEADER: rows["adrid"].astype("int64"),
            "Adresse": rows["adressetekst"],
            "Postnummer": rows["postnummer"],
            "Poststed": rows["poststed"],
            "Kommunenr.": rows["kommunenummer"],
            "Gnr.": rows["gnr"],
            "Bnr.": rows["bnr"],
            "Tilbyder": rows["operator"],
            "Type": rows["kind"].map(KIND_WORDS),
            "Hva tilbyderen rapporterer": rows["operatordata"],
            "Hva dokumentasjonen viser": rows["evidens"],
            "Kommentar": "",  # for the municipality: residents' comments are personal data
            ID_HEADER: rows["id"],
            "Frist": rows["frist"],
        }
    )
    return table[RECONSULTATION_HEADERS]


def _reconsultation_notes(
    table: pd.DataFrame,
    challenges: pd.DataFrame,
    *,
    municipality: str,
    round_name: str,
    rule_note: str,
) -> list[str]:
    """The notes sheet of the re-consultation list, one sentence a line."""
    sent = challenges[challenges["status"].astype(str) == SENT]
    areas = int(sent["adrid"].isna().sum())
    unknown = int((table["Adresse"] == "").sum())
    lines = [
        f"Ny høring – {municipality}",
        f"Kommune: {municipality}.",
        f"Runde: {round_name}.",
        f"Skrevet: {today_in_norway().strftime('%d.%m.%Y')} av dekning {__version__}.",
        f"Utfordringer til ny høring: {thousands(len(table))} "
        f"(adresser: {thousands(table[ADRID_HEADER].nunique())}).",
    ]
    counts = table["Type"].value_counts()
    for kind, words in KIND_WORDS.items():
        n = int(counts.get(words, 0))
        if n:
            lines.append(f"{words}: {thousands(n)} ({kind}).")
    lines += [
        "Lista har én rad per utfordring om en adresse med status «sendt», sortert etter "
        "adresse og så utfordringens nummer. Adresser som mangler i Nkoms liste, står sammen "
        "med de andre; fylkeskommunen legger dem nederst i sin mal med kommentaren og tar dem "
        "med i en ny høring.",
        "Utfordringer om et helt område (uten én adresse) er ikke med i denne lista "
        f"(sendt i denne runden: {thousands(areas)}); de står i tilbydernes lister.",
        "«Hva tilbyderen rapporterer» er det tilbyderens data sier om adressen; «Hva "
        "dokumentasjonen viser» er det innbyggernes dokumentasjon viser (for eksempel "
        "medianen av flere hastighetstester).",
        "Kommentar er tom, til kommunens egne merknader. Innbyggernes kommentarer er utelatt "
        "fordi de er personopplysninger (lista går til fylkeskommunen og kan bli offentlig i "
        "en ny høring).",
        "Frist er datoen tilbyderen må svare innen.",
    ]
    if unknown:
        lines.append(
            f"{thousands(unknown)} adresse(r) finnes ikke i kjøringens adresser; bare "
            "adresse-ID-en er fylt ut."
        )
    if rule_note:
        lines.append(rule_note)
    return lines


def reconsultation_workbook(
    challenges: pd.DataFrame,
    addresses: pd.DataFrame,
    path: Path,
    *,
    municipality: str,
    round_name: str,
    rule_note: str = "",
) -> int:
    """Write the county's re-consultation list: one row per sent address challenge.

    Parameters
    ----------
    challenges
        The challenge frame of the store (columns :data:`CHALLENGE_COLUMNS`); only status
        ``sendt`` with an ``adrid`` is listed (area challenges are not).
    addresses
        The run's classified addresses (columns :data:`ADDRESS_COLUMNS`).
    path
        The ``.xlsx`` to write; it must not exist (dekning never writes over a file).
    municipality, round_name
        Named on the notes sheet and in the footer.
    rule_note
        A sentence about the rule the round rests on, added to the notes sheet.

    Returns
    -------
    int
        The number of rows written.

    Raises
    ------
    InputError
        A frame lacks a column or holds an unknown kind; ``path`` exists.
    """
    table = reconsultation_table(challenges, addresses)
    notes = _reconsultation_notes(
        table, challenges, municipality=municipality, round_name=round_name, rule_note=rule_note
    )
    footer = f"{municipality} – ny høring, {round_name}"

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            excel_text(table).to_excel(writer, index=False, sheet_name="Ny høring")
            _table_sheet(writer.sheets["Ny høring"], table, footer)
            _notes(writer.book.create_sheet("Om lista"), notes)

    _write_new_file(Path(path), write)
    return len(table)


def safe_file_stem(operator: str) -> str:
    """An operator's name as a file name without suffix: spaces become ``_``.

    Raises
    ------
    InputError
        The name cannot be a file name (:data:`FILE_STEM`; a path, ``..``, a hidden name,
        a name Windows reserves).
    """
    stem = re.sub(r"\s+", "_", unicodedata.normalize("NFC", operator).strip())
    if (
        not re.fullmatch(FILE_STEM, stem)
        or ".." in stem
        or stem.endswith(".")
        or stem.split(".")[0].casefold() in RESERVED
    ):
        raise InputError(
            f"tilbyderen {operator!r} kan ikke brukes som filnavn: bruk 1–60 tegn av bokstaver, "
            "sifre, mellomrom, '_', '.' og '-', og ikke '.' først eller sist",
            field="operator",
        )
    return stem


def operator_table(challenges: pd.DataFrame, addresses: pd.DataFrame) -> pd.DataFrame:
    """Every sent challenge with a known operator as the operators' lists hold them
    (:data:`OPERATOR_HEADERS`, ``Svar`` and ``Begrunnelse`` empty), with the operator in a
    column ``operator`` in front; sorted by address then challenge."""
    _check(challenges, addresses, "operator_lists")
    rows = _sent(challenges, addresses)
    rows = rows[rows["operator"] != ""].reset_index(drop=True)
    street = rows["adressetekst"]
    town = (rows["postnummer"] + " " + rows["poststed"]).str.strip()
    address = street.where(town == "", street + ", " + town)
    area = rows["adrid"].isna()
    address = address.where(~area, "Område " + rows["area_id"])
    table = pd.DataFrame(
        {
            "operator": rows["operator"],
            ID_HEADER: rows["id"],
            OPERATOR_HEADER: rows["operator"].str.lower(),
            ADRID_HEADER: rows["adrid"],
            "Adresse": address,
            "Type": rows["kind"].map(KIND_WORDS),
            "Hva tilbyderen rapporterer": rows["operatordata"],
            "Hva dokumentasjonen viser": rows["evidens"],
            "Frist": rows["frist"],
            ANSWER_HEADER: "",
            REASON_HEADER: "",
        }
    )
    return table[["operator", *OPERATOR_HEADERS]]


def _instructions(operator: str, table: pd.DataFrame) -> list[str]:
    """The notes sheet of an operator's list."""
    accepted = "; ".join(f"{a}: {', '.join(w)}" for a, w in ANSWER_WORDS.items())
    return [
        f"Utfordringer til {operator}",
        f"Skrevet: {today_in_norway().strftime('%d.%m.%Y')} av dekning {__version__}.",
        f"Utfordringer å svare på: {thousands(len(table))}.",
        "Hver rad er en utfordring: innbyggernes dokumentasjon («Hva dokumentasjonen viser») "
        "stemmer ikke med det dere rapporterer («Hva tilbyderen rapporterer»).",
        f"Skriv i kolonnen Svar «godtar» ({ANSWER_LABELS['godtar'].lower()}) eller «bestrider» "
        f"({ANSWER_LABELS['bestrider'].lower()}), og begrunn svaret i kolonnen Begrunnelse.",
        f"Disse ordene leses også (store eller små bokstaver): {accepted}.",
        "En rad uten svar regnes som ikke besvart ennå. Ikke endre kolonnene Utfordring, "
        "Tilbyder og Adresse-ID: de leses tilbake og sjekkes mot utfordringen, og en fil der "
        "de ikke stemmer, blir avvist. De andre kolonnene leses ikke tilbake.",
        "Svar innen datoen i kolonnen Frist, og send fila tilbake som .xlsx eller .csv.",
        "Adresse-ID er adressens id i Nkoms og Kartverkets data; en utfordring om et helt "
        "område har ingen adresse-ID.",
    ]


def _operator_workbook(path: Path, operator: str, table: pd.DataFrame) -> None:
    """One operator's list as a workbook, with a dropdown of the answers on ``Svar``."""
    footer = f"Utfordringer til {operator}"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        excel_text(table).to_excel(writer, index=False, sheet_name="Utfordringer")
        ws = writer.sheets["Utfordringer"]
        _table_sheet(ws, table, footer)
        column = get_column_letter(OPERATOR_HEADERS.index(ANSWER_HEADER) + 1)
        reason = get_column_letter(OPERATOR_HEADERS.index(REASON_HEADER) + 1)
        ws.column_dimensions[column].width = 14
        ws.column_dimensions[reason].width = REASON_WIDTH
        last = max(len(table) + 1, 2)
        answers = DataValidation(
            type="list",
            formula1='"' + ",".join(ANSWER_WORDS) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Ukjent svar",
            error="Velg godtar eller bestrider.",
            promptTitle="Svar",
            prompt="godtar eller bestrider",
            showInputMessage=True,
        )
        answers.add(f"{column}2:{column}{last}")
        ws.add_data_validation(answers)
        _notes(writer.book.create_sheet("Slik svarer du"), _instructions(operator, table))


def _is_operator_folder(folder: Path) -> bool:
    """Whether ``folder`` holds operator lists dekning wrote (its :data:`MARKER`)."""
    try:
        content = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(content, dict) and "dekning_versjon" in content


def operator_lists(
    challenges: pd.DataFrame, addresses: pd.DataFrame, folder: Path
) -> dict[str, Path]:
    """Write one list per operator of the sent challenges it must answer:
    ``folder/<operator>.xlsx`` and ``folder/<operator>.csv``.

    The columns (:data:`OPERATOR_HEADERS`) are those
    :func:`~dekning.surveys.operator_answers.read_operator_answers` reads back; ``Svar`` and
    ``Begrunnelse`` are empty for the operator to fill in, and the workbook offers the
    answers in a dropdown on ``Svar``. The folder is written in full or not at all and
    replaces an earlier one only when it is empty or dekning wrote it
    (:func:`dekning.outfolder.atomic_folder`; a hidden :data:`MARKER` file says so).

    Parameters
    ----------
    challenges
        The challenge frame of the store; rows with status ``sendt`` and an operator.
    addresses
        The run's classified addresses.
    folder
        The folder to write (made or replaced).

    Returns
    -------
    dict of str to pathlib.Path
        The workbook of each operator (absolute paths), in the operators' sort order.

    Raises
    ------
    InputError
        A frame lacks a column or holds an unknown kind; an operator's name cannot be a file
        name, or two names give the same file (without regard to case); ``folder`` exists and
        dekning did not write it.
    """
    table = operator_table(challenges, addresses)
    operators = sorted(set(table["operator"]), key=str.casefold)
    stems: dict[str, str] = {}
    for operator in operators:
        stem = safe_file_stem(operator)
        clash = next((o for o, s in stems.items() if s.casefold() == stem.casefold()), None)
        if clash is not None:
            raise InputError(
                f"tilbyderne {clash!r} og {operator!r} får samme filnavn ({stem}); "
                "skriv navnene likt",
                field="operator",
            )
        stems[operator] = stem
    out = Path(folder).resolve()
    with atomic_folder(out, owned=_is_operator_folder) as tmp:
        for operator, stem in stems.items():
            rows = table[table["operator"] == operator].drop(columns="operator")
            rows = rows.reset_index(drop=True)
            csv = rows.assign(Frist=rows["Frist"].map(_norwegian_date))
            write_spreadsheet_csv(csv, tmp / f"{stem}.csv")
            _operator_workbook(tmp / f"{stem}.xlsx", operator, rows)
        marker = {"dekning_versjon": __version__, "tilbydere": stems}
        (tmp / MARKER).write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
    return {operator: out / f"{stem}.xlsx" for operator, stem in stems.items()}


__all__ = [
    "KIND_WORDS",
    "OPERATOR_HEADERS",
    "RECONSULTATION_HEADERS",
    "operator_lists",
    "operator_table",
    "reconsultation_table",
    "reconsultation_workbook",
    "safe_file_stem",
]
