"""A run written to a real PostgreSQL/PostGIS server (started by .ci/run): tables, geometry
types and SRID, spatial indexes, figures to the krone, the run's metadata, and the guarantee that
readers see one whole run, never a half-written one."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dekning import __version__, cli, cli_common
from dekning import postgis as postgis_module
from dekning.config import Config, OutputConfig
from dekning.errors import ConfigError
from dekning.pipeline import RunResult
from dekning.postgis import (
    PostgisError,
    is_database_url,
    mask_url,
    result_tables,
    write_postgis,
)

psycopg = pytest.importorskip("psycopg")

PASSWORD = "hemmelig-Passord-42"


def _pg_url() -> str:
    url = os.environ.get("DEKNING_TEST_PG_URL")
    if not url:
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts a PostgreSQL server)")
    return url


@pytest.fixture
def pg_url() -> str:
    return _pg_url()


@pytest.fixture
def schema(pg_url: str) -> Iterator[str]:
    """A schema of its own for each test, dropped afterwards."""
    name = f"test_{secrets.token_hex(4)}"
    yield name
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _with_password(url: str, password: str = PASSWORD) -> str:
    parts = urllib.parse.urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    netloc = f"{user.split(':', 1)[0] or 'postgres'}:{password}@{host}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _one(con, query: str, params: tuple = ()):
    row = con.execute(query, params).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


# --- without a server --------------------------------------------------------------------


def test_urls_and_masking():
    assert is_database_url("postgresql://u@h/db") and is_database_url("postgres://h/db")
    assert not is_database_url("dekning-ut") and not is_database_url(Path("postgresql"))
    masked = mask_url(f"postgresql://planlegger:{PASSWORD}@db.kommune.no:5432/gis")
    assert masked == "postgresql://planlegger:***@db.kommune.no:5432/gis"
    masked = mask_url(f"postgresql://db/gis?user=p&password={PASSWORD}&sslmode=require")
    assert PASSWORD not in masked and "password=***" in masked and "sslmode=require" in masked
    assert mask_url("postgresql://planlegger@db/gis") == "postgresql://planlegger@db/gis"


def test_an_unreachable_server_is_a_clear_error_without_the_password(
    default_result, default_config
):
    url = f"postgresql://planlegger:{PASSWORD}@127.0.0.1:1/gis"  # nothing listens on port 1
    with pytest.raises(PostgisError, match="fikk ikke kontakt med PostgreSQL-databasen") as info:
        write_postgis(default_result, default_config, url)
    assert PASSWORD not in str(info.value) and "planlegger:***@127.0.0.1:1" in str(info.value)


def test_a_bad_schema_name_is_refused_before_connecting(default_result, default_config):
    with pytest.raises(ConfigError, match="ugyldig skjemanavn"):
        write_postgis(default_result, default_config, "postgresql://h:1/db", schema="a; drop")


class _Rows:
    def __init__(self, row):
        self.row = row

    def fetchone(self):
        return self.row


class _ServerWithoutPostgis:
    """Answers the extension checks of a server without (or with a locked) PostGIS."""

    def __init__(self, *, installed: bool) -> None:
        self.installed = installed

    def execute(self, query: str, params: tuple = ()):
        if "pg_extension" in query:
            return _Rows(None)
        if "pg_available_extensions" in query:
            return _Rows((1,) if self.installed else None)
        raise psycopg.errors.InsufficientPrivilege(
            'permission denied to create extension "postgis"'
        )


def test_a_server_without_postgis_is_a_clear_error():
    with pytest.raises(PostgisError, match=r"PostGIS er ikke installert.*postgis-3"):
        postgis_module._ensure_postgis(_ServerWithoutPostgis(installed=False))
    with pytest.raises(PostgisError, match=r"kan ikke lage den.*CREATE EXTENSION postgis"):
        postgis_module._ensure_postgis(_ServerWithoutPostgis(installed=True))


# --- on a real PostGIS -------------------------------------------------------------------


postgres = pytest.mark.postgres


@postgres
def test_a_run_in_postgis(pg_url, schema, default_result: RunResult, default_config: Config):
    run_id = write_postgis(default_result, default_config, pg_url, schema=schema)
    tables = result_tables(default_result)
    names = [n for n, _ in tables]
    assert names[:3] == ["adresser", "omrader", "traseer"]
    assert {"mobil_veg_segmenter", "mobil_veg_hull", "master"} <= set(names)
    assert any(n.startswith("aggregat_") for n in names)
    with psycopg.connect(pg_url) as con:
        for name, frame in tables:
            assert _one(con, f"SELECT count(*) FROM {schema}.{name}") == len(frame), name
            assert _one(con, f"SELECT count(*) FROM {schema}.{name}_alle") == len(frame), name
            if "geometry" not in frame.columns:
                continue
            kinds = con.execute(
                f"SELECT DISTINCT GeometryType(geom), ST_SRID(geom) FROM {schema}.{name}"
            ).fetchall()
            assert {srid for _, srid in kinds} == {25833}, name
            expected = {str(t).upper() for t in frame.geom_type.unique()}
            got = {str(k) for k, _ in kinds}
            assert {g.removeprefix("MULTI") for g in got} == {
                e.removeprefix("MULTI") for e in expected
            }, name
            column = _one(
                con,
                "SELECT type, srid FROM geometry_columns WHERE f_table_schema = %s "
                "AND f_table_name = %s",
                (schema, name),
            )
            assert column[1] == 25833 and column[0] in {"POINT", "MULTIPOLYGON", "MULTILINESTRING"}
            indexdef = _one(
                con,
                "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s "
                "AND indexdef ILIKE '%%USING gist%%'",
                (schema, f"{name}_alle"),
            )
            assert "(geom)" in indexdef
        # figures to the krone, types as stored
        areas = default_result.areas
        for col in ("kommunal", "statlig", "kost_total"):
            total = _one(con, f"SELECT sum({col})::bigint FROM {schema}.omrader")
            assert total == int(areas[col].sum()), col
        assert _one(con, f"SELECT count(*) FROM {schema}.omrader WHERE valgt") == int(
            areas["valgt"].sum()
        )
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'omrader'",
                (schema,),
            ).fetchall()
        )
        assert types["kommunal"] == "bigint" and types["valgt"] == "boolean"
        assert types["trase_m"] == "double precision" and types["area_id"] == "text"
        cls = default_result.classified
        first = cls.iloc[0]
        x, y, adrid = _one(
            con,
            f"SELECT ST_X(geom), ST_Y(geom), adrid FROM {schema}.adresser ORDER BY fid LIMIT 1",
        )
        assert (x, y, adrid) == (first.geometry.x, first.geometry.y, first["adrid"])
        # the run's metadata
        row = con.execute(
            f"SELECT run_id, gjeldende, dekning_versjon, kommune, stotteordning_aar, "
            f"sammendrag, konfigurasjon, inndata, tabeller, tidspunkt FROM {schema}.kjoringer"
        ).fetchall()
    assert len(row) == 1
    rid, current, version, kommune, year, summary, config, inputs, counts, when = row[0]
    assert rid == run_id and current is True and version == __version__
    assert kommune == default_config.municipality.name
    assert year == default_result.summary["stotteordning_aar"]
    assert summary == json.loads(json.dumps(default_result.summary, default=str))
    assert config["municipality"]["name"] == default_config.municipality.name
    assert counts == {n: len(f) for n, f in tables}
    assert when is not None
    by_key = {e["nokkel"]: e for e in inputs}
    addresses = default_config.input.addresses
    assert by_key["addresses"]["navn"] == addresses.name
    assert by_key["addresses"]["sha256"] == hashlib.sha256(addresses.read_bytes()).hexdigest()


def _smaller(result: RunResult) -> RunResult:
    """A different run: fewer addresses and other municipal figures (so a mix would show)."""
    areas = result.areas.assign(kommunal=result.areas["kommunal"] + 1)
    return dataclasses.replace(result, classified=result.classified.iloc[:100], areas=areas)


def _view_state(con, schema: str) -> tuple:
    return (
        _one(con, f"SELECT run_id FROM {schema}.kjoringer WHERE gjeldende"),
        _one(con, f"SELECT count(*) FROM {schema}.adresser"),
        _one(con, f"SELECT sum(kommunal)::bigint FROM {schema}.omrader"),
    )


@postgres
def test_readers_see_one_whole_run(pg_url, schema, default_result, default_config):
    first = write_postgis(default_result, default_config, pg_url, schema=schema)
    old = (first, len(default_result.classified), int(default_result.areas["kommunal"].sum()))
    reader = psycopg.connect(pg_url)
    reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    late = psycopg.connect(pg_url)  # its snapshot is taken before the run, tables read after
    late.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        assert _view_state(reader, schema) == old
        late.execute("SELECT 1")
        second = write_postgis(_smaller(default_result), default_config, pg_url, schema=schema)
        assert _view_state(reader, schema) == old  # the old run, complete
        assert _view_state(late, schema) == old
        assert _one(reader, f"SELECT count(*) FROM {schema}.adresser_alle") == old[1]
        reader.rollback()
        late.rollback()
        new = (second, 100, old[2] + len(default_result.areas))
        assert _view_state(reader, schema) == new
    finally:
        reader.close()
        late.close()
    third = write_postgis(default_result, default_config, pg_url, schema=schema, keep_runs=2)
    with psycopg.connect(pg_url) as con:
        runs = [r[0] for r in con.execute(f"SELECT run_id FROM {schema}.kjoringer ORDER BY 1")]
        assert runs == sorted([second, third])  # the current run and the one before
        kept = {r[0] for r in con.execute(f"SELECT DISTINCT run_id FROM {schema}.adresser_alle")}
        assert kept == {second, third}
        assert _view_state(con, schema)[0] == third


@postgres
def test_a_failed_run_leaves_the_previous_one(
    pg_url, schema, default_result, default_config, monkeypatch
):
    first = write_postgis(default_result, default_config, pg_url, schema=schema)
    real = postgis_module.write_table
    calls: list[str] = []

    def failing(con, schema_, name, frame, run_id):
        if calls:
            raise RuntimeError("skrivingen stoppet midt i")
        calls.append(name)
        return real(con, schema_, name, frame, run_id)

    monkeypatch.setattr(postgis_module, "write_table", failing)
    with pytest.raises(RuntimeError, match="midt i"):
        write_postgis(_smaller(default_result), default_config, pg_url, schema=schema)
    fresh = f"{schema}_ny"
    with pytest.raises(RuntimeError, match="midt i"):
        calls.clear()
        write_postgis(default_result, default_config, pg_url, schema=fresh)
    with psycopg.connect(pg_url) as con:
        expected = (first, len(default_result.classified), int(default_result.areas.kommunal.sum()))
        assert _view_state(con, schema) == expected
        assert _one(con, f"SELECT count(*) FROM {schema}.kjoringer") == 1
        assert _one(con, f"SELECT count(DISTINCT run_id) FROM {schema}.adresser_alle") == 1
        assert _one(con, "SELECT to_regnamespace(%s)::text", (fresh,)) is None


@postgres
def test_a_run_with_other_columns(pg_url, schema, default_result, default_config):
    write_postgis(default_result, default_config, pg_url, schema=schema)
    cls = default_result.classified.assign(ny_kolonne="x").drop(columns=["gnr"])
    cls["hus"] = cls["hus"].astype("float64") + 0.5  # bigint → double precision
    cls["bnr"] = 1  # text stays text
    changed = dataclasses.replace(default_result, classified=cls)
    second = write_postgis(changed, default_config, pg_url, schema=schema)
    with psycopg.connect(pg_url) as con:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = 'adresser' ORDER BY ordinal_position",
                (schema,),
            )
        ]
        assert "ny_kolonne" in cols and "gnr" not in cols and cols[0] == "fid"
        assert _one(con, f"SELECT sum(hus) FROM {schema}.adresser") == pytest.approx(
            float(cls["hus"].sum())
        )
        assert _one(con, f"SELECT run_id FROM {schema}.kjoringer WHERE gjeldende") == second
        # the earlier run's rows are kept whole, with the widened types
        assert _one(
            con, f"SELECT count(*) FROM {schema}.adresser_alle WHERE run_id <> %s", (second,)
        ) == len(cls)


@postgres
def test_the_password_is_never_in_an_error(pg_url, default_result, default_config):
    url = _with_password(pg_url)
    parts = urllib.parse.urlsplit(url)
    missing_db = urllib.parse.urlunsplit(
        parts._replace(path="/finnes_ikke_" + secrets.token_hex(3))
    )
    with pytest.raises(PostgisError) as info:
        write_postgis(default_result, default_config, missing_db)
    assert PASSWORD not in str(info.value) and ":***@" in str(info.value)


@postgres
def test_dekning_run_out_postgresql(pg_url, schema, default_config, tmp_path, monkeypatch):
    cfg = default_config.model_copy(update={"output": OutputConfig(database_schema=schema)})
    monkeypatch.setattr(cli_common, "load_default_config", lambda: cfg)
    runner = CliRunner()
    url = _with_password(pg_url)
    proc = runner.invoke(cli.app, ["run", "--out", url, "--quiet"])
    assert proc.exit_code == 0, proc.output
    assert "Adresser" in proc.output or "adresser" in proc.output
    assert f"skjema {schema}" in proc.output and PASSWORD not in proc.output
    assert "Resultater:" not in proc.output  # no folder written
    assert not any(tmp_path.iterdir())
    with psycopg.connect(pg_url) as con:
        run_id = _one(con, f"SELECT run_id FROM {schema}.kjoringer WHERE gjeldende")
        assert f"kjøring {run_id}" in proc.output
        n = _one(con, f"SELECT count(*) FROM {schema}.adresser")
        assert n > 0
    # a configured database gets the run as well as the folder
    both = cfg.model_copy(update={"output": OutputConfig(database=pg_url, database_schema=schema)})
    monkeypatch.setattr(cli_common, "load_default_config", lambda: both)
    proc = runner.invoke(cli.app, ["run", "--out", str(tmp_path / "ut"), "--quiet"])
    assert proc.exit_code == 0, proc.output
    assert (tmp_path / "ut" / "omrader.gpkg").exists() and "Resultater:" in proc.output
    with psycopg.connect(pg_url) as con:
        assert _one(con, f"SELECT count(*) FROM {schema}.kjoringer") == 2
    # a failing database: exit 2, a message without the password
    bad = _with_password(pg_url.rsplit("/", 1)[0] + "/finnes_ikke_db")
    proc = runner.invoke(cli.app, ["run", "--out", bad, "--quiet"])
    assert proc.exit_code == 2 and "Feil:" in proc.output and PASSWORD not in proc.output
