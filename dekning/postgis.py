"""Write a run into PostgreSQL/PostGIS: tables with spatial indexes, one transaction per run.

Design (what readers see)
-------------------------
Everything lives in one schema (``dekning`` by default):

- ``kjoringer``: one row per kept run (id, time, dekning version, municipality, scheme year,
  summary, configuration, input files with their sha256, warnings, row counts), and the flag
  ``gjeldende`` on exactly one row: the current run.
- ``<name>_alle`` (``adresser_alle``, ``omrader_alle``, ...): the rows of every kept run, keyed
  by ``(run_id, fid)``; geometry in ``geom`` as ``geometry(<type>, 25833)`` with a GiST index.
- ``<name>`` (``adresser``, ``omrader``, ``traseer``, ``scenarioer``, ``aggregat_<by>``,
  ``mobil_veg_segmenter``, ``mobil_veg_hull``, ``master``): a view of the current run's rows
  with that run's columns. Open these in QGIS (key column ``fid``).

A run inserts its rows, moves ``gjeldende`` to itself and deletes the runs beyond
``output.keep_runs`` (rows of ``_alle`` follow by ``ON DELETE CASCADE``), all in one transaction.
The switch is plain row versioning (MVCC), not renaming: a reader sees either the previous run
or the new one, complete, never a mix, and a reader's transaction that began before the commit
keeps seeing the previous run to its end. DDL happens only when a table or column is new (the
first run, or a configuration that adds a column), or when a view's columns change; it then
waits for readers that hold the view (``lock_timeout``) instead of showing them half a run.
A failure anywhere rolls the whole transaction back: nothing of the failed run is left behind
(not even the PostGIS extension or the schema it created).

Concurrent writers to the same schema are serialised by an advisory lock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from dekning import __version__
from dekning.config import Config
from dekning.crs import WORK_CRS
from dekning.errors import ConfigError, DekningError
from dekning.result import RunResult

if TYPE_CHECKING:
    import psycopg

SRID = 25833
"""EPSG code of every geometry written (:data:`dekning.crs.WORK_CRS`)."""
CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT = "60s"
"""Longest wait for a lock held by a reader (only when a table, column or view changes)."""
RESERVED = ("run_id", "fid", "geom")
"""Columns every ``_alle`` table has; a frame column of the same name gets the suffix ``_data``."""


class PostgisError(DekningError):
    """The run could not be written to PostgreSQL/PostGIS; nothing of it was written."""


def is_database_url(target: str | Path) -> bool:
    """Whether ``target`` (``--out``) names a PostgreSQL database rather than a folder."""
    return str(target).startswith(("postgresql://", "postgres://"))


def mask_url(url: str) -> str:
    """``url`` with its password (in the user part or as ``password=``) shown as ``***``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "postgresql://***"
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = "&".join(
        f"{k}=***" if k.lower() == "password" else f"{k}={v}"
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secrets(url: str) -> list[str]:
    """The password of ``url`` as written and decoded (to scrub from messages)."""
    found: list[str] = []
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password:
            found += [parts.password, urllib.parse.unquote(parts.password)]
        for k, v in urllib.parse.parse_qsl(parts.query):
            if k.lower() == "password" and v:
                found += [v, urllib.parse.quote(v)]
    except ValueError:
        pass
    return sorted({s for s in found if s}, key=len, reverse=True)


def _error(url: str, what: str, err: BaseException) -> PostgisError:
    text = str(err).strip()
    first = text.splitlines()[0] if text else type(err).__name__
    message = f"{what} ({mask_url(url)}): {first}"
    for secret in _secrets(url):
        message = message.replace(secret, "***")
    return PostgisError(message)


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(series.dtype):
        return "double precision"
    return "text"


_MULTI = {
    "Point": "Point",
    "MultiPoint": "MultiPoint",
    "LineString": "MultiLineString",
    "MultiLineString": "MultiLineString",
    "Polygon": "MultiPolygon",
    "MultiPolygon": "MultiPolygon",
}


def _geometry_type(geoms: Any) -> str:
    """The PostGIS type of a geometry column: points stay points, lines and polygons become
    their multi type (so a run with a single polygon and one with two share a type)."""
    kinds = {_MULTI.get(str(t), "Geometry") for t in pd.Series(geoms.geom_type).dropna()}
    return kinds.pop() if len(kinds) == 1 else "Geometry"


def _ewkb(geoms: Any, kind: str) -> list[str | None]:
    """Hex EWKB with SRID 25833 (what PostGIS reads from COPY text), multi types promoted."""
    arr = np.asarray(geoms, dtype=object)
    if kind in ("MultiLineString", "MultiPolygon"):
        single = shapely.get_type_id(arr) == (1 if kind == "MultiLineString" else 3)
        maker = shapely.multilinestrings if kind == "MultiLineString" else shapely.multipolygons
        arr = arr.copy()
        arr[single] = [maker([g]) for g in arr[single]]
    arr = shapely.set_srid(arr, SRID)
    hexes = shapely.to_wkb(arr, hex=True, include_srid=True)
    return [None if h is None else str(h) for h in hexes]


def _values(series: pd.Series, pg_type: str) -> list[Any]:
    """Python values of a column for COPY, missing ones (NaN, NA, None) as None."""
    convert = {"double precision": float, "bigint": int, "boolean": bool}.get(pg_type, str)
    missing = series.isna().tolist()
    return [None if m else convert(v) for m, v in zip(missing, series.tolist(), strict=True)]


def _layout(frame: Any) -> tuple[list[str], list[str], list[list[Any]], str | None]:
    """Column names, PostgreSQL types, values per column, and the geometry type (or None) of a
    DataFrame or GeoDataFrame."""
    geometry_name = getattr(frame, "_geometry_column_name", None)
    if geometry_name is not None and frame.crs is not None and not frame.crs.equals(WORK_CRS):
        frame = frame.to_crs(WORK_CRS)
    names, types, columns = [], [], []
    for col in frame.columns:
        if col == geometry_name:
            continue
        name = str(col)
        name = f"{name}_data" if name in RESERVED else name
        pg_type = _pg_type(frame[col])
        names.append(name)
        types.append(pg_type)
        columns.append(_values(frame[col], pg_type))
    kind = None
    if geometry_name is not None:
        kind = _geometry_type(frame.geometry)
        names.append("geom")
        types.append(f"geometry({kind},{SRID})")
        columns.append(_ewkb(frame.geometry.to_numpy(), kind))
    return names, types, columns, kind


def result_tables(result: RunResult) -> list[tuple[str, pd.DataFrame]]:
    """The frames of a run written to the database, by table name (views keep these names)."""
    tables: list[tuple[str, pd.DataFrame]] = [
        ("adresser", result.classified),
        ("omrader", result.areas),
    ]
    if result.routes is not None:
        tables.append(("traseer", result.routes))
    if result.scenarios is not None:
        tables.append(("scenarioer", result.scenarios))
    for by, df in result.aggregates.items():
        tables.append((f"aggregat_{by}".lower(), df))
    if result.road_mobile is not None:
        tables.append(("mobil_veg_segmenter", result.road_mobile.segments))
        tables.append(("mobil_veg_hull", result.road_mobile.stretches))
    if result.masts is not None:
        tables.append(("master", result.masts.sites))
    return tables


def input_files(cfg: Config) -> list[dict[str, Any]]:
    """Every input file of the configuration: key, path and sha256 (None when unreadable)."""
    entries: list[tuple[str, Path]] = []
    for key, value in cfg.input:
        if isinstance(value, Path):
            entries.append((key, value))
    for i, raster in enumerate(cfg.input.mobile):
        entries.append((f"mobile[{i}]", raster.path))
    out = []
    for key, path in entries:
        try:
            with path.open("rb") as f:
                digest: str | None = hashlib.file_digest(f, "sha256").hexdigest()
        except OSError:
            digest = None
        out.append({"nokkel": key, "fil": str(path), "navn": path.name, "sha256": digest})
    return out


def masked_config(cfg: Config) -> dict[str, Any]:
    """The configuration as JSON, with passwords of database URLs masked."""
    data: dict[str, Any] = json.loads(cfg.model_dump_json())
    for section, key in (("input", "survey_db"), ("output", "database")):
        value = data.get(section, {}).get(key)
        if isinstance(value, str):
            data[section][key] = mask_url(value)
    return data


def new_run_id() -> str:
    """A sortable, unique run id: UTC time and 6 random hex digits."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


# --- SQL -------------------------------------------------------------------------------------


def _ensure_postgis(con: psycopg.Connection) -> None:
    import psycopg

    if con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    available = con.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
    ).fetchone()
    if not available:
        raise PostgisError(
            "PostGIS er ikke installert på databasetjeneren; installer det (Debian: "
            "postgresql-<versjon>-postgis-3) eller skriv til en database som har det"
        )
    try:
        con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise PostgisError(
            "PostGIS-utvidelsen finnes ikke i databasen, og brukeren kan ikke lage den "
            f"({first}); be databaseadministratoren kjøre CREATE EXTENSION postgis"
        ) from None


def _columns(con: psycopg.Connection, schema: str, relation: str) -> dict[str, str]:
    """Columns of a table or view and their types (empty when it does not exist)."""
    rows = con.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        (f'"{schema}"."{relation}"',),
    ).fetchall()
    return {str(n): str(t) for n, t in rows}


def _normal(pg_type: str) -> str:
    return pg_type.replace(" ", "").lower()


def _widened(old: str, new: str) -> str | None:
    """The type an existing column must change to so that ``new`` values fit (None: they fit)."""
    if _normal(old) == _normal(new):
        return None
    if old.startswith("geometry") or new.startswith("geometry"):
        return (
            f"geometry(Geometry,{SRID})" if _normal(old) != f"geometry(geometry,{SRID})" else None
        )
    numbers = ("bigint", "double precision")
    if old in numbers and new in numbers:
        return "double precision" if old == "bigint" else None
    return None if old == "text" else "text"


def _create_schema(con: psycopg.Connection, schema: str) -> None:
    from psycopg import sql

    if _columns(con, schema, "kjoringer"):
        return  # made by an earlier run: no DDL, so readers are never locked out
    s = sql.Identifier(schema)
    con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s))
    con.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.kjoringer ("
            " run_id text PRIMARY KEY,"
            " tidspunkt timestamptz NOT NULL,"
            " gjeldende boolean NOT NULL DEFAULT false,"
            " dekning_versjon text NOT NULL,"
            " kommune text,"
            " kommunenummer text,"
            " stotteordning_aar integer,"
            " sammendrag jsonb NOT NULL,"
            " konfigurasjon jsonb NOT NULL,"
            " inndata jsonb NOT NULL,"
            " advarsler jsonb NOT NULL,"
            " tabeller jsonb NOT NULL)"
        ).format(s)
    )
    con.execute(
        sql.SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS kjoringer_en_gjeldende "
            "ON {}.kjoringer (gjeldende) WHERE gjeldende"
        ).format(s)
    )


def write_table(
    con: psycopg.Connection, schema: str, name: str, frame: pd.DataFrame, run_id: str
) -> int:
    """Write one frame of the run into ``<schema>.<name>_alle`` (made or widened as needed) and
    make the view ``<schema>.<name>`` show the current run's columns; returns the row count."""
    from psycopg import sql

    names, types, columns, kind = _layout(frame)
    s, table = sql.Identifier(schema), sql.Identifier(f"{name}_alle")
    existing = _columns(con, schema, f"{name}_alle")
    view_cols = list(_columns(con, schema, name))
    wanted_view = ["fid", *names]
    if not existing:
        defs = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t))
            for n, t in zip(names, types, strict=True)
        )
        con.execute(
            sql.SQL(
                "CREATE TABLE {s}.{t} (run_id text NOT NULL REFERENCES {s}.kjoringer (run_id) "
                "ON DELETE CASCADE, fid bigint NOT NULL, {defs}, PRIMARY KEY (run_id, fid))"
            ).format(s=s, t=table, defs=defs)
        )
    else:
        alters, retyped = [], False
        for n, t in zip(names, types, strict=True):
            if n not in existing:
                alters.append(sql.SQL("ADD COLUMN {} {}").format(sql.Identifier(n), sql.SQL(t)))
            elif (wider := _widened(existing[n], t)) is not None:
                retyped = True
                using = sql.SQL("{}::text").format(sql.Identifier(n)) if wider == "text" else None
                alters.append(
                    sql.SQL("ALTER COLUMN {} TYPE {}{}").format(
                        sql.Identifier(n),
                        sql.SQL(wider),
                        sql.SQL(" USING ") + using if using is not None else sql.SQL(""),
                    )
                )
        if retyped and view_cols:  # a view's column cannot change type under it
            con.execute(sql.SQL("DROP VIEW {}.{}").format(s, sql.Identifier(name)))
            view_cols = []
        if alters:
            con.execute(sql.SQL("ALTER TABLE {}.{} ").format(s, table) + sql.SQL(", ").join(alters))
    if kind is not None and "geom" not in existing:  # a new table or a new geometry
        con.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {}.{} USING gist (geom)").format(
                sql.Identifier(f"{name}_alle_geom_gist"), s, table
            )
        )
    target = sql.SQL(", ").join(sql.Identifier(n) for n in ("run_id", "fid", *names))
    with con.cursor() as cur:
        copy_sql = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(s, table, target)
        with cur.copy(copy_sql) as copy:
            for fid, row in enumerate(zip(*columns, strict=True), start=1):
                copy.write_row((run_id, fid, *row))
    if view_cols != wanted_view:
        if view_cols:
            con.execute(sql.SQL("DROP VIEW {}.{}").format(s, sql.Identifier(name)))
        con.execute(
            sql.SQL(
                "CREATE VIEW {s}.{v} AS SELECT {cols} FROM {s}.{t} "
                "WHERE run_id = (SELECT k.run_id FROM {s}.kjoringer k WHERE k.gjeldende)"
            ).format(
                s=s,
                v=sql.Identifier(name),
                t=table,
                cols=sql.SQL(", ").join(sql.Identifier(n) for n in wanted_view),
            )
        )
    return len(frame)


def write_postgis(
    result: RunResult,
    cfg: Config,
    url: str,
    *,
    schema: str = "dekning",
    keep_runs: int | None = None,
) -> str:
    """Write a run into PostgreSQL/PostGIS in one transaction; returns the new run's id.

    Parameters
    ----------
    url
        ``postgresql://user@host:port/db`` (a password is best kept in ``~/.pgpass`` or
        ``PGPASSWORD``; it is never shown in messages).
    schema
        Schema of the tables and views (made when missing).
    keep_runs
        Runs kept, this one included (None: ``cfg.output.keep_runs``).

    Raises
    ------
    ConfigError
        psycopg is not installed, or the schema name is not a plain lower-case name.
    PostgisError
        The database cannot be reached, has no PostGIS, or refused a write; the transaction
        was rolled back and the previous run is still the current one.
    """
    try:
        import psycopg
    except ImportError:
        raise ConfigError(
            "å skrive til PostgreSQL trenger psycopg: pip install 'dekning[postgres]'"
        ) from None
    if not schema or not schema.replace("_", "a").isalnum() or not schema.islower():
        raise ConfigError(f"ugyldig skjemanavn {schema!r}: bruk små bokstaver, tall og _")
    keep = cfg.output.keep_runs if keep_runs is None else max(1, keep_runs)
    run_id = new_run_id()
    tables = result_tables(result)
    try:
        con = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=False)
    except psycopg.Error as e:
        raise _error(url, "fikk ikke kontakt med PostgreSQL-databasen", e) from None
    try:
        with con, con.transaction():
            con.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"dekning:{schema}",))
            _ensure_postgis(con)
            _create_schema(con, schema)
            from psycopg import sql

            s = sql.Identifier(schema)
            summary = json.loads(json.dumps(result.summary, ensure_ascii=False, default=str))
            con.execute(
                sql.SQL(
                    "INSERT INTO {}.kjoringer (run_id, tidspunkt, dekning_versjon, kommune, "
                    "kommunenummer, stotteordning_aar, sammendrag, konfigurasjon, inndata, "
                    "advarsler, tabeller) VALUES (%s, now(), %s, %s, %s, %s, %s::jsonb, "
                    "%s::jsonb, %s::jsonb, %s::jsonb, '{{}}'::jsonb)"
                ).format(s),
                (
                    run_id,
                    __version__,
                    cfg.municipality.name,
                    cfg.municipality.kommunenummer,
                    summary.get("stotteordning_aar"),
                    json.dumps(summary, ensure_ascii=False),
                    json.dumps(masked_config(cfg), ensure_ascii=False),
                    json.dumps(input_files(cfg), ensure_ascii=False),
                    result.report.to_json(),
                ),
            )
            counts = {name: write_table(con, schema, name, df, run_id) for name, df in tables}
            con.execute(
                sql.SQL("UPDATE {}.kjoringer SET tabeller = %s::jsonb WHERE run_id = %s").format(s),
                (json.dumps(counts), run_id),
            )
            con.execute(
                sql.SQL("UPDATE {}.kjoringer SET gjeldende = false WHERE gjeldende").format(s)
            )
            con.execute(
                sql.SQL("UPDATE {}.kjoringer SET gjeldende = true WHERE run_id = %s").format(s),
                (run_id,),
            )
            con.execute(
                sql.SQL(
                    "DELETE FROM {s}.kjoringer WHERE run_id NOT IN (SELECT run_id FROM "
                    "{s}.kjoringer ORDER BY tidspunkt DESC, run_id DESC LIMIT %s)"
                ).format(s=s),
                (keep,),
            )
    except psycopg.errors.LockNotAvailable as e:
        raise _error(
            url,
            "en annen tilkobling holder tabellene i databasen; kjøringen ble ikke skrevet "
            "(prøv igjen når den er ferdig)",
            e,
        ) from None
    except psycopg.Error as e:
        raise _error(
            url, "kunne ikke skrive kjøringen til PostgreSQL; ingenting ble skrevet", e
        ) from None
    finally:
        con.close()
    return run_id


__all__ = [
    "PostgisError",
    "input_files",
    "is_database_url",
    "mask_url",
    "masked_config",
    "result_tables",
    "write_postgis",
    "write_table",
]
