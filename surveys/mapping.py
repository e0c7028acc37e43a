"""Survey column mappings: which export column holds which of dekning's fields, and which
answers mean what (``surveys/mappings/*.toml``, or a user's own TOML file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from dekning.errors import ConfigError

FIELDS = (
    "id",
    "submitted",
    "address",
    "postnummer",
    "lat",
    "lon",
    "dwelling",
    "technology",
    "operator",
    "down_mbps",
    "up_mbps",
    "satisfaction",
    "interest_fibre",
    "willingness_to_pay",
    "comment",
)
CODED = ("technology", "dwelling", "interest_fibre", "willingness_to_pay")
SHIPPED = ("nettskjema", "microsoft_forms")
PLACES = ("inne", "ute")
"""Where a resident judges mobile coverage: indoors or outdoors."""
CODES: dict[str, tuple[str, ...]] = {
    "technology": ("fiber", "kabel", "dsl", "ftb", "satellitt", "ingen"),
    "dwelling": ("helaar", "fritid", "naering"),
    "interest_fibre": ("ja", "nei", "har"),
    "mobile": ("0", "2", "3"),
}
"""The codes of each coded field (``""`` means no answer everywhere); willingness to pay takes
amounts in NOK."""


def answer_column(operator: str, place: str) -> str:
    """Column of the resident's mobile coverage answer (0 none, 2 weak, 3 good) for an operator
    (as the mapping names it) and a place (:data:`PLACES`)."""
    return f"mob_{operator}_{place}"


@dataclass(frozen=True)
class MobileQuestion:
    """One mobile coverage question of the export: an operator, a place, the export column."""

    operator: str
    place: str
    source: str

    @property
    def column(self) -> str:
        """dekning's answer column, :func:`answer_column`."""
        return answer_column(self.operator, self.place)


@dataclass(frozen=True)
class Mapping:
    """Which export column holds which field, and what the answers mean."""

    tool: str
    columns: dict[str, str]
    """dekning field → export column."""
    mobile: tuple[MobileQuestion, ...]
    """The mobile coverage questions (``[columns.mobile]``), in the mapping's order."""
    answers: dict[str, dict[str, str]]
    """field → normalised answer → code ("" = no answer)."""
    source: str = ""


def normalise_answers(values: pd.Series) -> pd.Series:
    """Answers as compared with a mapping's lists: lower case, trimmed, runs of white space as
    one space, en and em dashes as ``-``; missing values are empty."""
    text = values.fillna("").astype(str)
    text = text.str.replace("\u2013", "-", regex=False).str.replace("\u2014", "-", regex=False)
    return text.str.replace(r"\s+", " ", regex=True).str.strip().str.lower()


def _mapping_text(spec: str | Path) -> tuple[str, str]:
    """The TOML text of a mapping and how to name it in errors.

    Raises
    ------
    ConfigError
        The file does not exist, cannot be read or is neither UTF-8 nor Windows-1252 text.
    """
    name = str(spec)
    if name in SHIPPED:
        package = resources.files("dekning.surveys").joinpath("mappings", f"{name}.toml")
        return package.read_text(encoding="utf-8"), f"shipped mapping '{name}'"
    path = Path(spec)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: fant ikke kolonneoppsettet (medfølgende oppsett: {', '.join(SHIPPED)})"
        ) from None
    except OSError as err:
        raise ConfigError(f"{path}: kan ikke lese kolonneoppsettet: {err.strerror}") from None
    try:
        return raw.decode("utf-8-sig"), str(path)
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), str(path)
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path}: kolonneoppsettet er ikke UTF-8-tekst; lagre det som UTF-8"
        ) from None


def _mobile_questions(table: object, source: str) -> tuple[MobileQuestion, ...]:
    """``[columns.mobile]``: keys ``<operator>_<inne|ute>``, split at the last underscore, so an
    operator is named as the input names it (``Ice-Net_inne`` is operator ``Ice-Net``).

    Raises
    ------
    ConfigError
        A key without an operator or whose place is not ``inne``/``ute``, or a value that is not
        a column name.
    """
    if not isinstance(table, dict):
        raise ConfigError(
            f"{source}: [columns.mobile] må være en tabell med nøkler '<operatør>_<sted>'"
        )
    questions = []
    for key, column in table.items():
        operator, _, place = key.rpartition("_")
        if not operator.strip() or operator != operator.strip() or place not in PLACES:
            raise ConfigError(
                f"{source}: [columns.mobile] nøkkelen {key!r} må være '<operatør>_inne' eller "
                "'<operatør>_ute', med operatøren slik mobilrastrene navngir den "
                "(f.eks. 'telenor_inne', 'Ice-Net_ute')"
            )
        if not isinstance(column, str):
            raise ConfigError(f"{source}: [columns.mobile] {key} må være et kolonnenavn (tekst)")
        questions.append(MobileQuestion(operator, place, column))
    return tuple(questions)


def _check_code(fld: str, code: str, source: str) -> None:
    """Stop at a code the field does not know (it would silently count as no answer).

    Raises
    ------
    ConfigError
        Naming the field, the code and the known codes.
    """
    if code == "":
        return
    if fld == "willingness_to_pay":
        try:
            ok = 0 <= float(code) < 1e9
        except ValueError:
            ok = False
        if not ok:
            raise ConfigError(
                f"{source}: [answers.willingness_to_pay] {code!r} må være et beløp i kroner"
            )
        return
    if code not in CODES[fld]:
        raise ConfigError(
            f"{source}: [answers.{fld}] ukjent kode {code!r}; koder: "
            f'{", ".join(CODES[fld])} og "" (ikke svart)'
        )


def _answer_lookups(table: object, source: str) -> dict[str, dict[str, str]]:
    """``[answers.<field>]``: normalised answer → code, per coded field.

    Raises
    ------
    ConfigError
        A field that is not coded, or a code whose answers are not a list of strings.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [answers] må være en tabell av [answers.<felt>]-tabeller")
    lookups: dict[str, dict[str, str]] = {}
    for fld, codes in table.items():
        if fld not in (*CODED, "mobile"):
            raise ConfigError(
                f"{source}: [answers.{fld}] er ikke et kodet felt ({', '.join((*CODED, 'mobile'))})"
            )
        if not isinstance(codes, dict):
            raise ConfigError(
                f"{source}: [answers.{fld}] må være en tabell av kode = liste av svar "
                f'(f.eks. 3 = ["god"]), ikke {type(codes).__name__}'
            )
        lookup: dict[str, str] = {}
        for code, words in codes.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ConfigError(f"{source}: [answers.{fld}] {code!r} må være en liste av tekster")
            _check_code(fld, code, source)
            lookup.update(dict.fromkeys(normalise_answers(pd.Series(words, dtype=object)), code))
        lookups[fld] = lookup
    return lookups


def load_mapping(spec: str | Path) -> Mapping:
    """Load a mapping: a path to a TOML file, or the name of a shipped one (``nettskjema``,
    ``microsoft_forms``).

    Raises
    ------
    ConfigError
        Missing file, invalid TOML, unknown keys or fields, no address column, a bad
        ``[columns.mobile]`` key, or answers that are not lists of strings.
    """
    text, source = _mapping_text(spec)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: ikke gyldig TOML: {err}") from None
    unknown = set(raw) - {"tool", "columns", "answers"}
    if unknown:
        raise ConfigError(f"{source}: ukjent(e) nøkkel(er) {', '.join(sorted(unknown))}")
    if not isinstance(raw.get("columns", {}), dict):
        raise ConfigError(f"{source}: [columns] må være en tabell av felt = kolonnenavn")
    cols = dict(raw.get("columns", {}))
    mobile = _mobile_questions(cols.pop("mobile", {}), source)
    not_text = [k for k, v in cols.items() if not isinstance(v, str) or not v.strip()]
    if not_text:
        raise ConfigError(f"{source}: [columns] {not_text[0]} må være et kolonnenavn (tekst)")
    bad = set(cols) - set(FIELDS)
    if bad:
        raise ConfigError(
            f"{source}: ukjent(e) felt i [columns]: {', '.join(sorted(bad))}; "
            f"kjente: {', '.join(FIELDS)}"
        )
    if "address" not in cols and not {"lat", "lon"} <= set(cols):
        raise ConfigError(f"{source}: [columns] trenger 'address' (eller 'lat' og 'lon')")
    answers = _answer_lookups(raw.get("answers", {}), source)
    columns = {k: str(v) for k, v in cols.items()}
    return Mapping(str(raw.get("tool", "")), columns, mobile, answers, source)
