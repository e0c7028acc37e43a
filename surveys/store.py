"""Durable store of survey answers submitted through the API.

SQLite (WAL journal, one transaction per answer) by default; PostgreSQL when the URL starts with
``postgresql://``. Answers are kept as JSON in dekning's own field codes, so the next analysis
run reads them together with the survey export. Reading takes the fields apart in SQL
(``json_extract`` / ``->>``, and ``json_each`` / ``jsonb_each_text`` for the ``mobil`` object),
so no answer is parsed row by row in Python.

An answer is acknowledged (:meth:`SurveyStore.add` returns its id) only after its transaction
is committed and synced (SQLite ``synchronous=FULL``; PostgreSQL's commit). A database that
cannot be reached raises :class:`StoreUnavailable` (the API answers 503); every call opens its
own connection, so the store recovers by itself when the database is back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dekning.errors import ConfigError
from dekning.surveys.database import (  # re-exported: callers import them from here
    HAS_PSYCOPG,
    Database,
    StoreUnavailable,
    is_postgres,
)

SCHEMA_SQLITE = """
CREATE TABLE IF NOT EXISTS svar (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mottatt TEXT NOT NULL,
    data TEXT NOT NULL
)"""
SCHEMA_PG = """
CREATE TABLE IF NOT EXISTS svar (
    id BIGSERIAL PRIMARY KEY,
    mottatt TIMESTAMPTZ NOT NULL,
    data JSONB NOT NULL
)"""

TEXT_FIELDS = (
    "adresse",
    "postnummer",
    "boligtype",
    "teknologi",
    "tilbyder",
    "interessert_fiber",
    "kommentar",
)
NUMBER_FIELDS = ("lat", "lon", "ned_mbps", "opp_mbps", "fornoyd", "betalingsvilje_nok")
FIELDS = (*TEXT_FIELDS, *NUMBER_FIELDS)
"""The fields of a stored answer besides ``mobil`` (``<operator>_<inne|ute>`` → 0, 2 or 3)."""

_SELECT = {
    "sqlite": "SELECT id, mottatt, {} FROM svar ORDER BY id",
    "pg": "SELECT id, mottatt::text, {} FROM svar ORDER BY id",
}
_FIELD = {"sqlite": "json_extract(data, '$.{0}') AS {0}", "pg": "data->>'{0}' AS {0}"}
_OBJECT = {"sqlite": "json_extract(data, '$.{0}') AS {0}", "pg": "(data->'{0}')::text AS {0}"}
_MOBILE = {
    "sqlite": "SELECT s.id, m.key, m.value FROM svar s, json_each(s.data, '$.mobil') m "
    "ORDER BY s.id",
    "pg": "SELECT s.id, m.key, m.value FROM svar s, jsonb_each_text(s.data->'mobil') m "
    "ORDER BY s.id",
}


class SurveyStore:
    """Append-only store of answers.

    Parameters
    ----------
    url
        A file path (SQLite) or ``postgresql://user@host:port/db``.

    Raises
    ------
    ConfigError
        A PostgreSQL URL without psycopg installed.
    StoreUnavailable
        The SQLite file cannot be opened or made. (A PostgreSQL server is first reached by the
        first answer stored or read: a service can start while its database is down.)
    """

    def __init__(self, url: str | Path) -> None:
        self.url = str(url)
        self.is_pg = is_postgres(self.url)
        self._kind = "pg" if self.is_pg else "sqlite"
        if self.is_pg and not HAS_PSYCOPG:
            raise ConfigError(
                "svarlageret i PostgreSQL trenger psycopg: pip install 'dekning[postgres]'"
            )
        self.db = Database(self.url, ((SCHEMA_SQLITE,), (SCHEMA_PG,)))

    def add(self, answer: dict[str, object]) -> int:
        """Store one answer in its own transaction; returns its id once it is committed.

        Raises
        ------
        StoreUnavailable
            The database cannot be reached or written (nothing was stored).
        """
        now = datetime.now(UTC)
        payload = json.dumps(answer, ensure_ascii=False)
        cast = "::jsonb" if self.is_pg else ""
        with self.db.transaction() as tx:
            row = tx.execute(
                f"INSERT INTO svar (mottatt, data) VALUES (?, ?{cast}) RETURNING id",
                (now if self.is_pg else now.isoformat(), payload),
            )
        return int(row[0][0])

    def _query(self, sql: str, columns: Sequence[str]) -> pd.DataFrame:
        """Rows of ``sql`` (built from this module's constants only).

        Raises
        ------
        StoreUnavailable
            The database cannot be reached.
        """
        return pd.DataFrame(self.db.query(sql), columns=list(columns))

    def fields(self, *, with_mobile: bool = False) -> pd.DataFrame:
        """Every stored answer: ``id``, ``mottatt`` and one column per field of :data:`FIELDS`
        (texts as text, numbers as float; missing ones empty or NaN); with ``with_mobile`` also
        ``mobil`` as the stored JSON text."""
        parts = [_FIELD[self._kind].format(f) for f in FIELDS]
        if with_mobile:
            parts.append(_OBJECT[self._kind].format("mobil"))
        sql = _SELECT[self._kind].format(", ".join(parts))
        df = self._query(sql, ("id", "mottatt", *FIELDS, *(("mobil",) if with_mobile else ())))
        df[list(TEXT_FIELDS)] = df[list(TEXT_FIELDS)].fillna("").astype(str)
        for name in NUMBER_FIELDS:
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
        return df.astype({"id": "int64"})

    def mobile(self) -> pd.DataFrame:
        """The ``mobil`` answers in long form: ``id``, ``key`` (``<operator>_<inne|ute>``) and
        ``value`` (0, 2 or 3), one row per answer and key."""
        df = self._query(_MOBILE[self._kind], ("id", "key", "value"))
        df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
        return df.astype({"id": "int64", "key": str})

    def all(self) -> pd.DataFrame:
        """Every stored answer: ``id``, ``mottatt``, one column per field and ``mobil`` (a dict
        per answer: what the planner sees)."""
        df = self.fields(with_mobile=True)
        nested = [
            json.loads(text) if isinstance(text, str) and text else {} for text in df["mobil"]
        ]
        df["mobil"] = pd.Series(nested, index=df.index, dtype=object)
        return df

    def count(self) -> int:
        """Number of stored answers."""
        return int(self._query("SELECT count(*) FROM svar", ("n",))["n"].iloc[0])


def answers_for_analysis(store_url: str | Path) -> pd.DataFrame:
    """Stored answers in the column layout of :func:`dekning.surveys.read.read_survey`.

    The ``mobil`` answers become columns ``mob_<operator>_<inne|ute>`` (0, 2, 3 or NaN), for
    whatever operators the answers name. An absent SQLite file means no answers (an empty
    frame).

    Raises
    ------
    StoreUnavailable
        The database cannot be reached.
    """
    if not is_postgres(store_url) and not Path(store_url).exists():
        return pd.DataFrame()
    store = SurveyStore(store_url)
    df = store.fields()
    if df.empty:
        return pd.DataFrame()
    out = pd.DataFrame(
        {
            "row": -df["id"],  # negative: not a row of the export file
            "id": "api-" + df["id"].astype(str),
            "submitted": df["mottatt"].astype(str),
            "address": df["adresse"],
            "postnummer": df["postnummer"],
            "operator": df["tilbyder"],
            "comment": df["kommentar"],
            "dwelling": df["boligtype"],
            "technology": df["teknologi"],
            "interest_fibre": df["interessert_fiber"],
            "willingness_to_pay": df["betalingsvilje_nok"],
            "down_mbps": df["ned_mbps"],
            "up_mbps": df["opp_mbps"],
            "satisfaction": df["fornoyd"],
            "lat": df["lat"],
            "lon": df["lon"],
        }
    )
    wide = store.mobile().pivot(index="id", columns="key", values="value")
    wide = wide.add_prefix("mob_").reindex(df["id"].to_numpy())
    wide.columns.name = None
    return pd.concat([out, wide.reset_index(drop=True)], axis=1)


__all__ = [
    "FIELDS",
    "HAS_PSYCOPG",
    "StoreUnavailable",
    "SurveyStore",
    "answers_for_analysis",
    "is_postgres",
]
