"""One small layer over the two databases dekning keeps its case data in: SQLite (embedded,
one file) and PostgreSQL (several users).

A :class:`Database` opens a new connection per call (so a database that was down is used again
as soon as it is back), runs one transaction per :meth:`Database.transaction` block and commits
it durably before the block's caller goes on: SQLite in WAL mode with ``synchronous=FULL`` and
``BEGIN IMMEDIATE`` (one writer at a time, readers never blocked); PostgreSQL with its ordinary
commit. SQL is written once with ``?`` placeholders and translated for psycopg.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dekning.errors import ConfigError, DekningError

HAS_PSYCOPG = importlib.util.find_spec("psycopg") is not None
"""PostgreSQL support is the optional extra ``dekning[postgres]``."""
if HAS_PSYCOPG:
    import psycopg

CONNECT_TIMEOUT_S = 5
"""Longest wait for a PostgreSQL connection before the store counts as unavailable."""


class StoreUnavailable(DekningError):
    """The survey store cannot be reached or written just now (database down, locked, disk
    full); trying again later may work."""


def unavailable(url: str, err: Exception) -> StoreUnavailable:
    where = "PostgreSQL-databasen" if is_postgres(url) else f"SQLite-fila {url}"
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return StoreUnavailable(f"svarlageret ({where}) er ikke tilgjengelig: {first}")


def is_postgres(url: str | Path) -> bool:
    """Whether ``url`` names a PostgreSQL database (else it is a SQLite file)."""
    return str(url).startswith(("postgresql://", "postgres://"))


Row = tuple[Any, ...]
MIN_SQLITE = (3, 35)
"""Oldest SQLite dekning's SQL runs on (``INSERT … RETURNING``)."""
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    (sqlite3.IntegrityError, psycopg.IntegrityError) if HAS_PSYCOPG else (sqlite3.IntegrityError,)
)
"""A unique or foreign-key constraint refused a write (either database)."""


class Transaction:
    """The open transaction of a :meth:`Database.transaction` block."""

    def __init__(self, con: Any, is_pg: bool) -> None:
        self._con = con
        self._is_pg = is_pg

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement (``?`` placeholders) and return its rows (none for most writes)."""
        if self._is_pg:
            cur = self._con.execute(sql.replace("?", "%s").encode(), tuple(params))
            return list(cur.fetchall()) if cur.description is not None else []
        cur = self._con.execute(sql, tuple(params))
        return list(cur.fetchall())


class Database:
    """A SQLite file or a PostgreSQL URL, with the tables of ``schema`` made on first use.

    Parameters
    ----------
    url
        A file path (SQLite) or ``postgresql://user@host:port/db``.
    schema
        ``(sqlite_statements, postgresql_statements)``: ``CREATE ... IF NOT EXISTS`` statements.

    Raises
    ------
    ConfigError
        A PostgreSQL URL without psycopg installed.
    StoreUnavailable
        The SQLite file cannot be opened or made.
    """

    def __init__(
        self,
        url: str | Path,
        schema: tuple[Sequence[str], Sequence[str]],
        *,
        create: bool = True,
    ) -> None:
        self.url = str(url)
        self.is_pg = is_postgres(self.url)
        self._schema = schema[1] if self.is_pg else schema[0]
        self._schema_made = not create  # a reader never writes the schema
        if self.is_pg and not HAS_PSYCOPG:
            raise ConfigError("PostgreSQL trenger psycopg: pip install 'dekning[postgres]'")
        if not self.is_pg and sqlite3.sqlite_version_info < MIN_SQLITE:
            raise ConfigError(
                f"SQLite {sqlite3.sqlite_version} er for gammel; dekning trenger minst "
                f"{'.'.join(map(str, MIN_SQLITE))} (RETURNING)"
            )
        if not self.is_pg and create:
            try:
                Path(self.url).parent.mkdir(parents=True, exist_ok=True)
                con = self._sqlite()
                try:
                    con.execute("PRAGMA journal_mode=WAL")
                    for statement in self._schema:
                        con.execute(statement)
                finally:
                    con.close()
            except (sqlite3.Error, OSError) as e:
                raise unavailable(self.url, e) from None
            self._schema_made = True

    def _sqlite(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.url, timeout=10, isolation_level=None)
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        return con

    def _pg(self) -> Any:
        pg = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)
        if not self._schema_made:
            with pg.transaction():
                for statement in self._schema:
                    pg.execute(statement.encode())
            self._schema_made = True
        return pg

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction, committed (and synced) when the block ends without an error and
        rolled back otherwise.

        Raises
        ------
        StoreUnavailable
            The database cannot be reached, is locked for too long, or cannot be written.
        """
        if self.is_pg:
            try:
                with self._pg() as pg, pg.transaction():
                    yield Transaction(pg, True)
            except psycopg.OperationalError as e:
                raise unavailable(self.url, e) from None
            return
        try:
            con = self._sqlite()
        except (sqlite3.Error, OSError) as e:
            raise unavailable(self.url, e) from None
        try:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise unavailable(self.url, e) from None
            try:
                yield Transaction(con, False)
            except sqlite3.OperationalError as e:  # disk full, I/O error inside the block
                con.execute("ROLLBACK")
                raise unavailable(self.url, e) from None
            except BaseException:
                con.execute("ROLLBACK")
                raise
            try:
                con.execute("COMMIT")
            except sqlite3.OperationalError as e:
                raise unavailable(self.url, e) from None
        finally:
            con.close()

    def has_table(self, name: str) -> bool:
        """Whether the database has the table ``name`` (a reader's database may not)."""
        sql = (
            "SELECT 1 FROM information_schema.tables WHERE table_name = ?"
            if self.is_pg
            else "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        )
        return bool(self.query(sql, (name,)))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one read-only statement (``?`` placeholders).

        Raises
        ------
        StoreUnavailable
            The database cannot be reached.
        """
        if self.is_pg:
            try:
                with self._pg() as pg:
                    return list(pg.execute(sql.replace("?", "%s").encode(), tuple(params)))
            except psycopg.OperationalError as e:
                raise unavailable(self.url, e) from None
        try:
            con = self._sqlite()
            try:
                return list(con.execute(sql, tuple(params)).fetchall())
            finally:
                con.close()
        except sqlite3.OperationalError as e:
            raise unavailable(self.url, e) from None


__all__ = [
    "CONNECT_TIMEOUT_S",
    "HAS_PSYCOPG",
    "INTEGRITY_ERRORS",
    "Database",
    "StoreUnavailable",
    "Transaction",
    "is_postgres",
    "unavailable",
]
