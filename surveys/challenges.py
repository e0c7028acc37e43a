"""Challenges (utfordringer): residents' evidence against the operator data, as a case that the
county and the operators must answer.

A challenge concerns one address (or one area, with its addresses listed), one kind
(:data:`KINDS`) and usually one operator. It moves through the statuses of
:data:`TRANSITIONS` — ``ny`` → ``sendt`` → ``tilsvar`` → ``opprettholdt`` / ``avvist`` — and
every change is one transaction that updates the challenge, raises its version and appends a
row to its history (``utfordring_logg``) with who did it, when, and the old and new values. A
change is acknowledged (the call returns) only after that transaction is committed and synced,
so an acknowledged change is never lost, even when the process is killed.

Changes are optimistic: the caller names the version it saw, and a change to a challenge that
someone else changed meanwhile is refused (:class:`VersionConflict`) rather than silently
overwritten.

The challenges live in the same database as the survey answers (:mod:`dekning.surveys.store`):
SQLite embedded by default, PostgreSQL for several users. Residents' speed tests submitted
through the API or imported from files are kept there too (``hastighetstest``); they are
personal data and never published.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from dekning.clock import today_in_norway
from dekning.errors import DekningError
from dekning.schema import (
    CHALLENGE_KINDS,
    CHALLENGE_STATUSES,
    OPEN_STATUSES,
    challenge_addresses,
)
from dekning.surveys.database import INTEGRITY_ERRORS, Database, Transaction

KINDS = CHALLENGE_KINDS
"""Kinds of challenge (code → bokmål label)."""
STATUSES = CHALLENGE_STATUSES
"""Statuses (code → bokmål label), in the order a challenge moves through them."""
OPEN = OPEN_STATUSES
"""Statuses of a challenge that is not decided yet."""

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "ny": ("sendt", "avvist"),
    "sendt": ("tilsvar", "opprettholdt", "avvist"),
    "tilsvar": ("opprettholdt", "avvist"),
    "opprettholdt": (),
    "avvist": (),
}
"""The status changes allowed: a decision (``opprettholdt``/``avvist``) is final; a new round
needs a new challenge. ``sendt`` → ``opprettholdt`` is the decision when the operator let the
deadline pass without an answer."""

EDITABLE = ("operator", "frist", "operatordata", "evidens", "kommentar", "vedlegg", "detaljer")
"""Fields a planner may edit besides the status."""

TEXT_LIMIT = 4_000
"""Longest text accepted in a field (a comment, a list of references)."""
MAX_LISTED = 10_000
"""Most addresses an area challenge may list (``detaljer.adrids``)."""
AFTER_DECISION = ("kommentar", "vedlegg")
"""Fields that may still change once a challenge is decided: what an upheld challenge does
(operator, details, deadline) is fixed by the decision."""

COLUMNS = (
    "id",
    "adrid",
    "area_id",
    "kind",
    "operator",
    "status",
    "frist",
    "opprettet",
    "endret",
    "besluttet_av",
    "besluttet",
    "operatordata",
    "evidens",
    "kommentar",
    "vedlegg",
    "tilsvar",
    "kilde",
    "detaljer",
    "versjon",
)
"""Columns of :meth:`ChallengeStore.list` (``detaljer`` is a dict per challenge)."""

HISTORY_COLUMNS = ("utfordring", "versjon", "tid", "hvem", "hendelse", "endring")

_TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS utfordring (
        id {serial},
        adrid {bigint},
        area_id TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        operator TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        frist TEXT NOT NULL DEFAULT '',
        opprettet TEXT NOT NULL,
        endret TEXT NOT NULL,
        besluttet_av TEXT NOT NULL DEFAULT '',
        besluttet TEXT NOT NULL DEFAULT '',
        operatordata TEXT NOT NULL DEFAULT '',
        evidens TEXT NOT NULL DEFAULT '',
        kommentar TEXT NOT NULL DEFAULT '',
        vedlegg TEXT NOT NULL DEFAULT '',
        tilsvar TEXT NOT NULL DEFAULT '',
        kilde TEXT NOT NULL DEFAULT '',
        detaljer TEXT NOT NULL DEFAULT '{{}}',
        versjon INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS utfordring_logg (
        id {serial},
        utfordring {bigint} NOT NULL REFERENCES utfordring(id),
        versjon INTEGER NOT NULL,
        tid TEXT NOT NULL,
        hvem TEXT NOT NULL,
        hendelse TEXT NOT NULL,
        endring TEXT NOT NULL,
        UNIQUE (utfordring, versjon)
    )""",
    """CREATE TABLE IF NOT EXISTS utfordring_adresse (
        utfordring {bigint} NOT NULL REFERENCES utfordring(id),
        adrid {bigint} NOT NULL,
        PRIMARY KEY (utfordring, adrid)
    )""",
    """CREATE TABLE IF NOT EXISTS hastighetstest (
        id {serial},
        mottatt TEXT NOT NULL,
        kilde TEXT NOT NULL,
        nokkel TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL
    )""",
)
_TABLES += (
    "CREATE INDEX IF NOT EXISTS utfordring_status ON utfordring (adrid, status)",
    "CREATE INDEX IF NOT EXISTS utfordring_adresse_adrid ON utfordring_adresse (adrid)",
    "CREATE INDEX IF NOT EXISTS utfordring_logg_sak ON utfordring_logg (utfordring, versjon)",
    # one undecided challenge per address (or area), kind and operator, also between two
    # writers that check at the same moment (PostgreSQL's READ COMMITTED)
    "CREATE UNIQUE INDEX IF NOT EXISTS utfordring_en_apen ON utfordring "
    "(COALESCE(adrid, -1), area_id, kind, operator) WHERE status IN ('ny', 'sendt', 'tilsvar')",
)
_SQLITE = tuple(
    t.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT", bigint="INTEGER") for t in _TABLES
)
_PG = tuple(t.format(serial="BIGSERIAL PRIMARY KEY", bigint="BIGINT") for t in _TABLES)
_ROW = ", ".join(COLUMNS)


class ChallengeError(DekningError):
    """A change to a challenge that cannot be made (the message says why, in bokmål)."""


class NotFound(ChallengeError):
    """No challenge with that id."""


class VersionConflict(ChallengeError):
    """The challenge was changed by someone else since the caller read it."""


class InvalidChange(ChallengeError):
    """A status change the rules do not allow, or a bad field value."""


class DuplicateChallenge(ChallengeError):
    """An open challenge of the same kind for the same address and operator exists."""


@dataclass(frozen=True)
class ProposalResult:
    """What :meth:`ChallengeStore.propose` did: the ids it made and how many it left out."""

    created: list[int]
    skipped: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _text(name: str, value: object) -> str:
    """A text field, checked: strings only, at most :data:`TEXT_LIMIT` characters, no NUL."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidChange(f"feltet {name!r} må være tekst")
    if len(value) > TEXT_LIMIT or "\x00" in value:
        raise InvalidChange(f"feltet {name!r} er for langt eller inneholder ugyldige tegn")
    return value.strip()


def _deadline(value: object) -> str:
    """An ISO date (``YYYY-MM-DD``) or ""."""
    text = _text("frist", value)
    if text:
        try:
            date.fromisoformat(text)
        except ValueError:
            raise InvalidChange(f"frist {text!r} er ikke en dato (ÅÅÅÅ-MM-DD)") from None
    return text


def _details(value: object) -> str:
    """``detaljer`` as JSON text: a mapping of plain values (numbers, text, lists of them)."""
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise InvalidChange("feltet 'detaljer' må være et objekt")
    try:
        text = json.dumps(dict(value), ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidChange("feltet 'detaljer' kan bare ha tall, tekst og lister") from None
    if len(text) > 16 * TEXT_LIMIT:
        raise InvalidChange("feltet 'detaljer' er for stort")
    listed = value.get("adrids")
    if listed is not None:
        if not isinstance(listed, list) or len(listed) > MAX_LISTED:
            raise InvalidChange(f"detaljer.adrids må være en liste med høyst {MAX_LISTED} id-er")
        for item in listed:
            try:
                ok = _address_id(item) is not None
            except InvalidChange:
                ok = False
            if not ok:
                raise InvalidChange("detaljer.adrids kan bare ha heltall (adresse-id-er)")
    return text


def _address_id(value: object) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise InvalidChange("adrid må være et heltall")
    if not 0 <= int(value) < 2**62:
        raise InvalidChange("adrid er utenfor gyldig område")
    return int(value)


def _new_row(fields: Mapping[str, Any], *, source: str) -> dict[str, Any]:
    """A new challenge's stored values, checked.

    Raises
    ------
    InvalidChange
        Unknown kind, neither an address nor an area, or a bad field.
    """
    unknown = set(fields) - {"adrid", "area_id", "kind", *EDITABLE}
    if unknown:
        raise InvalidChange(f"ukjente felt: {', '.join(sorted(unknown))}")
    kind = fields.get("kind")
    if kind not in KINDS:
        raise InvalidChange(f"ukjent type {kind!r}; gyldige: {', '.join(KINDS)}")
    adrid = _address_id(fields.get("adrid"))
    area_id = _text("area_id", fields.get("area_id"))
    if adrid is None and not area_id:
        raise InvalidChange("en utfordring gjelder en adresse (adrid) eller et område (area_id)")
    now = _now()
    return {
        "adrid": adrid,
        "area_id": area_id,
        "kind": kind,
        "operator": _text("operator", fields.get("operator")).lower(),
        "status": "ny",
        "frist": _deadline(fields.get("frist")),
        "opprettet": now,
        "endret": now,
        "besluttet_av": "",
        "besluttet": "",
        "operatordata": _text("operatordata", fields.get("operatordata")),
        "evidens": _text("evidens", fields.get("evidens")),
        "kommentar": _text("kommentar", fields.get("kommentar")),
        "vedlegg": _text("vedlegg", fields.get("vedlegg")),
        "tilsvar": "",
        "kilde": source,
        "detaljer": _details(fields.get("detaljer")),
        "versjon": 1,
    }


_STORED = tuple(c for c in COLUMNS if c != "id")


class ChallengeStore:
    """Challenges, their history and residents' speed tests in one database.

    Parameters
    ----------
    url
        The survey store's database: a SQLite file or ``postgresql://...``.
    answer_days
        Days an operator has to answer once a challenge is sent (the default ``frist``).
    """

    def __init__(self, url: str | Path, *, answer_days: int = 21, create: bool = True) -> None:
        self.db = Database(url, (_SQLITE, _PG), create=create)
        self.answer_days = answer_days
        self.readonly = not create
        """A reader (a run): it never writes the schema, and a database without the
        challenge tables simply has no challenges."""

    def _missing(self, table: str) -> bool:
        """Whether a reader's database lacks ``table`` (never for a writer: it made it)."""
        return self.readonly and not self.db.has_table(table)

    # ------------------------------------------------------------ writing

    def _open_exists(self, tx: Transaction, row: Mapping[str, Any], *, any_status: bool) -> bool:
        where = "" if any_status else " AND status IN ('ny', 'sendt', 'tilsvar')"
        found = tx.execute(
            "SELECT id FROM utfordring WHERE COALESCE(adrid, -1) = ? AND area_id = ? "
            f"AND kind = ? AND operator = ?{where} LIMIT 1",
            (
                -1 if row["adrid"] is None else row["adrid"],
                row["area_id"],
                row["kind"],
                row["operator"],
            ),
        )
        return bool(found)

    def _insert(self, tx: Transaction, row: Mapping[str, Any], who: str) -> int:
        placeholders = ", ".join("?" for _ in _STORED)
        new_id = int(
            tx.execute(
                f"INSERT INTO utfordring ({', '.join(_STORED)}) VALUES ({placeholders}) "
                "RETURNING id",
                [row[c] for c in _STORED],
            )[0][0]
        )
        self._log(tx, new_id, 1, row["opprettet"], who, "opprettet", {"status": [None, "ny"]})
        self._addresses(tx, new_id, row)
        return new_id

    @staticmethod
    def _addresses(tx: Transaction, challenge: int, row: Mapping[str, Any]) -> None:
        """The challenge's addresses (its own or an area's list) in ``utfordring_adresse``."""
        tx.execute("DELETE FROM utfordring_adresse WHERE utfordring = ?", (challenge,))
        for adrid in challenge_addresses(row["adrid"], json.loads(row["detaljer"] or "{}")):
            tx.execute(
                "INSERT INTO utfordring_adresse (utfordring, adrid) VALUES (?, ?)",
                (challenge, adrid),
            )

    @staticmethod
    def _log(
        tx: Transaction,
        challenge: int,
        version: int,
        when: str,
        who: str,
        event: str,
        change: Mapping[str, Any],
    ) -> None:
        tx.execute(
            "INSERT INTO utfordring_logg (utfordring, versjon, tid, hvem, hendelse, endring) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (challenge, version, when, who, event, json.dumps(change, ensure_ascii=False)),
        )

    def create(self, fields: Mapping[str, Any], *, who: str, source: str = "planlegger") -> int:
        """Make one challenge (status ``ny``); returns its id once it is committed.

        Raises
        ------
        InvalidChange
            A bad field (see :func:`_new_row`).
        DuplicateChallenge
            An open challenge of the same kind for the same address (or area) and operator.
        StoreUnavailable
            The database cannot be written (nothing was stored).
        """
        row = _new_row(fields, source=source)
        who = _text("hvem", who) or "ukjent"
        duplicate = DuplicateChallenge(
            f"det finnes allerede en åpen utfordring av typen {KINDS[row['kind']]!r} "
            "for denne adressen og tilbyderen"
        )
        try:
            with self.db.transaction() as tx:
                if self._open_exists(tx, row, any_status=False):
                    raise duplicate
                return self._insert(tx, row, who)
        except INTEGRITY_ERRORS:  # another writer made the same one at the same moment
            raise duplicate from None

    def propose(self, proposals: pd.DataFrame, *, who: str = "dekning") -> ProposalResult:
        """Make the proposed challenges (one transaction for all): every row of ``proposals``
        (columns as :meth:`create` takes) for which no challenge of the same kind, address
        (or area) and operator exists yet, whatever its status — a decided challenge is not
        proposed again; a planner can make a new one by hand.

        Raises
        ------
        InvalidChange
            A bad row (nothing is stored then).
        StoreUnavailable
            The database cannot be written (nothing is stored).
        """
        rows = [
            _new_row({str(k): v for k, v in rec.items() if _present(v)}, source="forslag")
            for rec in proposals.to_dict(orient="records")
        ]
        created: list[int] = []
        try:
            with self.db.transaction() as tx:
                for row in rows:
                    if not self._open_exists(tx, row, any_status=True):
                        created.append(self._insert(tx, row, who))
        except INTEGRITY_ERRORS:
            raise DuplicateChallenge(
                "noen andre lagret en av de samme utfordringene samtidig; ingenting er lagret, "
                "prøv igjen"
            ) from None
        return ProposalResult(created, len(rows) - len(created))

    def _locked(self, tx: Transaction, challenge: int) -> dict[str, Any]:
        lock = " FOR UPDATE" if self.db.is_pg else ""
        rows = tx.execute(f"SELECT {_ROW} FROM utfordring WHERE id = ?{lock}", (challenge,))
        if not rows:
            raise NotFound(f"fant ingen utfordring med id {challenge}")
        return dict(zip(COLUMNS, rows[0], strict=True))

    def change(
        self,
        challenge: int,
        *,
        version: int,
        who: str,
        status: str | None = None,
        fields: Mapping[str, Any] | None = None,
        today: date | None = None,
    ) -> dict[str, Any]:
        """Change a challenge's status and/or fields in one transaction; returns the challenge
        as stored afterwards (its ``versjon`` one higher).

        Sending (``sendt``) sets the deadline ``frist`` to ``today`` + ``answer_days`` unless
        one is given; a decision (``opprettholdt``/``avvist``) records who made it and when.

        Raises
        ------
        NotFound
            No such challenge.
        VersionConflict
            ``version`` is not the stored version (someone else changed it).
        InvalidChange
            A status change :data:`TRANSITIONS` does not allow, or a bad field.
        StoreUnavailable
            The database cannot be written (nothing changed).
        """
        edits = dict(fields or {})
        unknown = set(edits) - set(EDITABLE) - {"tilsvar"}
        if unknown:
            raise InvalidChange(f"felt som ikke kan endres: {', '.join(sorted(unknown))}")
        who = _text("hvem", who) or "ukjent"
        with self.db.transaction() as tx:
            old = self._locked(tx, challenge)
            if int(old["versjon"]) != int(version):
                raise VersionConflict(
                    f"utfordring {challenge} er endret av andre (versjon {old['versjon']}, "
                    f"du hadde {version}); hent den på nytt"
                )
            new = self._changed(old, status, edits, who, today or today_in_norway())
            diff = {k: [old[k], new[k]] for k in COLUMNS if old[k] != new[k] and k != "endret"}
            if not diff:
                return _public(old)
            new["versjon"] = int(old["versjon"]) + 1
            new["endret"] = _now()
            sets = ", ".join(f"{k} = ?" for k in _STORED)
            tx.execute(
                f"UPDATE utfordring SET {sets} WHERE id = ?",
                [*(new[k] for k in _STORED), challenge],
            )
            event = "status" if "status" in diff else "endret"
            self._log(tx, challenge, new["versjon"], new["endret"], who, event, diff)
            if "detaljer" in diff:
                self._addresses(tx, challenge, new)
        return _public(new)

    def _changed(
        self,
        old: Mapping[str, Any],
        status: str | None,
        edits: Mapping[str, Any],
        who: str,
        today: date,
    ) -> dict[str, Any]:
        new = dict(old)
        frozen = sorted(
            name
            for name, value in edits.items()
            if name not in AFTER_DECISION and value != old.get(name)
        )
        if old["status"] not in OPEN and frozen:
            raise InvalidChange(
                f"utfordringen er avgjort ({old['status']}): {', '.join(frozen)} kan ikke endres "
                "lenger; lag en ny utfordring"
            )
        for name, value in edits.items():
            if name == "detaljer":
                new[name] = _details(value)
            elif name == "frist":
                new[name] = _deadline(value)
            elif name == "operator":
                new[name] = _text(name, value).lower()
            else:
                new[name] = _text(name, value)
        if status is not None and status != old["status"]:
            if status not in STATUSES:
                raise InvalidChange(f"ukjent status {status!r}; gyldige: {', '.join(STATUSES)}")
            if status not in TRANSITIONS[old["status"]]:
                allowed = ", ".join(TRANSITIONS[old["status"]]) or "ingen (saken er avgjort)"
                raise InvalidChange(
                    f"kan ikke gå fra {old['status']!r} til {status!r}; tillatt: {allowed}"
                )
            new["status"] = status
            if status == "sendt" and not new["frist"]:
                new["frist"] = (today + timedelta(days=self.answer_days)).isoformat()
            if status in ("opprettholdt", "avvist"):
                new["besluttet_av"] = who
                new["besluttet"] = _now()
        return new

    def record_answers(self, answers: pd.DataFrame, *, who: str, file: str = "") -> dict[str, int]:
        """Operators' answers (from :func:`dekning.surveys.operator_answers.read_operator_answers`:
        ``rad``, ``id``, ``svar`` ∈ {godtar, bestrider}, ``begrunnelse``, ``operator``) moved
        into the challenges, all in one transaction: a ``sendt`` challenge gets the answer and
        the status ``tilsvar``; when the operator accepts (``godtar``), it is upheld
        (``opprettholdt``) at once, decided by the operator. An answer already recorded is
        skipped; an answer to a challenge that is not ``sendt`` or belongs to another
        operator stops the import with nothing changed.

        Returns
        -------
        dict
            ``tilsvar`` (answers recorded), ``opprettholdt`` (of them upheld by acceptance),
            ``uendret`` (already recorded).

        Raises
        ------
        InvalidChange
            A row that cannot be applied, naming its line in ``file``.
        """
        counts = {"tilsvar": 0, "opprettholdt": 0, "uendret": 0}
        with self.db.transaction() as tx:
            for rec in answers.to_dict(orient="records"):
                self._answer(tx, {str(k): v for k, v in rec.items()}, who, file, counts)
        return counts

    def _answer(
        self, tx: Transaction, rec: Mapping[str, Any], who: str, file: str, counts: dict[str, int]
    ) -> None:
        where = f"{file}, linje {rec.get('rad', '?')}: " if file else ""
        try:
            old = self._locked(tx, int(rec["id"]))
        except NotFound as err:
            raise InvalidChange(f"{where}{err}") from None
        said = str(rec["svar"])
        answer = f"{said}: {rec.get('begrunnelse', '')}".rstrip(": ").strip()
        operator = str(rec.get("operator") or "").strip().lower()
        if operator and old["operator"] and operator != old["operator"]:
            raise InvalidChange(
                f"{where}utfordring {old['id']} gjelder {old['operator']!r}, ikke {operator!r}"
            )
        if old["status"] != "sendt":
            if old["tilsvar"] == _text("tilsvar", answer):
                counts["uendret"] += 1
                return
            raise InvalidChange(
                f"{where}utfordring {old['id']} har status {old['status']!r}; bare sendte "
                "utfordringer kan få tilsvar"
            )
        now = _now()
        new = dict(old, status="tilsvar", tilsvar=_text("tilsvar", answer), endret=now)
        new["versjon"] = int(old["versjon"]) + 1
        diff = {k: [old[k], new[k]] for k in ("status", "tilsvar")}
        self._write(tx, new)
        self._log(tx, new["id"], new["versjon"], now, who, "tilsvar", diff)
        counts["tilsvar"] += 1
        if said == "godtar":
            decided = dict(new, status="opprettholdt", besluttet=now)
            decided["besluttet_av"] = f"{old['operator'] or who} (godtok)"
            decided["versjon"] = new["versjon"] + 1
            self._write(tx, decided)
            change = {"status": ["tilsvar", "opprettholdt"]}
            self._log(tx, new["id"], decided["versjon"], now, who, "status", change)
            counts["opprettholdt"] += 1

    @staticmethod
    def _write(tx: Transaction, row: Mapping[str, Any]) -> None:
        sets = ", ".join(f"{k} = ?" for k in _STORED)
        tx.execute(
            f"UPDATE utfordring SET {sets} WHERE id = ?", [*(row[k] for k in _STORED), row["id"]]
        )

    # ------------------------------------------------------------ reading

    def list(
        self,
        *,
        status: Sequence[str] = (),
        operator: str | None = None,
        kind: str | None = None,
    ) -> pd.DataFrame:
        """Challenges (columns :data:`COLUMNS`), by id; filtered by status, operator and kind."""
        if self._missing("utfordring"):
            return _frame([])
        where: list[str] = []
        params: list[object] = []
        if status:
            where.append(f"status IN ({', '.join('?' for _ in status)})")
            params.extend(status)
        if operator:
            where.append("operator = ?")
            params.append(operator.lower())
        if kind:
            where.append("kind = ?")
            params.append(kind)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.query(f"SELECT {_ROW} FROM utfordring{clause} ORDER BY id", params)
        return _frame(rows)

    def open_at(self, adrid: int) -> bool:
        """Whether an undecided challenge (status in :data:`OPEN`) concerns the address, as its
        own address or as one listed by an area challenge."""
        if self._missing("utfordring_adresse"):
            return False
        marks = ", ".join("?" for _ in OPEN)
        rows = self.db.query(
            "SELECT 1 FROM utfordring_adresse a JOIN utfordring u ON u.id = a.utfordring "
            f"WHERE a.adrid = ? AND u.status IN ({marks}) LIMIT 1",
            (int(adrid), *OPEN),
        )
        return bool(rows)

    def get(self, challenge: int) -> dict[str, Any]:
        """One challenge as stored (``detaljer`` a dict).

        Raises
        ------
        NotFound
            No such challenge.
        """
        rows = self.db.query(f"SELECT {_ROW} FROM utfordring WHERE id = ?", (challenge,))
        if not rows:
            raise NotFound(f"fant ingen utfordring med id {challenge}")
        return _public(dict(zip(COLUMNS, rows[0], strict=True)))

    def history(self, challenge: int | None = None) -> pd.DataFrame:
        """The history (columns :data:`HISTORY_COLUMNS`; ``endring`` a dict of
        ``field: [old, new]``), oldest first; of one challenge or of all."""
        clause, params = (
            ("WHERE utfordring = ? ", (challenge,)) if challenge is not None else ("", ())
        )
        rows = self.db.query(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM utfordring_logg {clause}"
            "ORDER BY utfordring, versjon",
            params,
        )
        df = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
        df["endring"] = [json.loads(t) for t in df["endring"]]
        return df.astype({"utfordring": "int64", "versjon": "int64"})

    # ------------------------------------------------------------ speed tests

    def add_speedtests(self, tests: pd.DataFrame, *, source: str) -> builtins.list[int]:
        """Store speed tests (one transaction); returns the ids of those stored once committed.
        Columns as :data:`dekning.surveys.speedtests.SPEEDTEST_COLUMNS` (``tid`` a timestamp).

        A test already stored (the same time, place, speeds and connection — the same file
        imported twice, or a resident sending a test again) is left out, so a repeated test
        never counts twice towards the evidence rules."""
        now = _now()
        ids: builtins.list[int] = []
        with self.db.transaction() as tx:
            for rec in tests.to_dict(orient="records"):
                data = {str(k): _plain(v) for k, v in rec.items()}
                key = test_key(data)
                found = tx.execute(
                    "INSERT INTO hastighetstest (mottatt, kilde, nokkel, data) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (nokkel) DO NOTHING RETURNING id",
                    (now, source, key, json.dumps(data, ensure_ascii=False)),
                )
                if found:
                    ids.append(int(found[0][0]))
        return ids

    def speedtests(self) -> pd.DataFrame:
        """Every stored speed test: ``id``, ``mottatt``, ``kilde`` and its fields (``tid`` a
        UTC timestamp)."""
        if self._missing("hastighetstest"):
            return pd.DataFrame(columns=["id", "mottatt", "kilde"])
        rows = self.db.query("SELECT id, mottatt, kilde, data FROM hastighetstest ORDER BY id")
        fields = pd.DataFrame([json.loads(r[3]) for r in rows])
        head = pd.DataFrame(rows, columns=["id", "mottatt", "kilde", "data"]).drop(columns="data")
        out = pd.concat([head, fields.drop(columns=["kilde"], errors="ignore")], axis=1)
        if "tid" in out:
            out["tid"] = pd.to_datetime(out["tid"], utc=True, format="ISO8601")
        return out


TEST_IDENTITY = (
    "tid",
    "adrid",
    "adresse",
    "postnummer",
    "lat",
    "lon",
    "ned_mbps",
    "opp_mbps",
    "latens_ms",
    "tilkobling",
)
"""What makes two speed tests the same test."""


def test_key(test: Mapping[str, Any]) -> str:
    """A speed test's identity (sha256 of :data:`TEST_IDENTITY`; the time in UTC)."""
    when = test.get("tid")
    stamp = ""
    if when:
        moment = pd.Timestamp(when)
        moment = moment.tz_localize("Europe/Oslo") if moment.tzinfo is None else moment
        stamp = moment.tz_convert("UTC").isoformat()
    parts = [stamp, *(json.dumps(test.get(k), sort_keys=True) for k in TEST_IDENTITY[1:])]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _present(value: object) -> bool:
    """Whether a proposal's value is given (not None, NaN, NA or NaT)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _plain(value: object) -> object:
    """A speed-test value as JSON: timestamps as ISO text, NaN/NA as null."""
    if isinstance(value, pd.Timestamp | datetime):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, Mapping | list):
        return value
    if not _present(value):
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalar
    return value


def _public(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as callers see it: ``detaljer`` parsed, ``adrid`` an int or None."""
    out = dict(row)
    out["detaljer"] = json.loads(out["detaljer"] or "{}")
    out["adrid"] = None if out["adrid"] is None else int(out["adrid"])
    out["id"] = int(out["id"])
    out["versjon"] = int(out["versjon"])
    return out


def _frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["detaljer"] = pd.Series(
        [json.loads(t or "{}") for t in df["detaljer"]], index=df.index, dtype=object
    )
    df["adrid"] = pd.array(df["adrid"].to_numpy(dtype=object), dtype="Int64")
    return df.astype({"id": "int64", "versjon": "int64"})
