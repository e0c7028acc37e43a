from __future__ import annotations

from pathlib import Path

import pytest

from dekning.config import Config, load_config, load_default_config
from dekning.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_config_resolves_paths_and_defaults():
    cfg = load_default_config()
    assert isinstance(cfg, Config)
    assert cfg.input.addresses.is_absolute() and cfg.input.addresses.exists()
    assert {(m.operator, m.technology) for m in cfg.input.mobile} == {
        (o, t) for o in ("telenor", "telia", "ice") for t in ("4g", "5g")
    }
    assert all(m.path.exists() for m in cfg.input.mobile)
    assert cfg.costs.detour_factor == 1.3  # documented default
    assert cfg.classify.scheme_year == 2024


def test_relative_paths_are_read_from_the_config_folder(tmp_path):
    cfg = load_config(write(tmp_path, '[input]\naddresses = "sub/a.csv"\n'))
    assert cfg.input.addresses == tmp_path / "sub" / "a.csv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[input]\naddresses = "a.csv"\nunknown = 1\n', "ukjent nøkkel 'input.unknown'"),
        ('[inputs]\naddresses = "a.csv"\n', "ukjent nøkkel 'inputs'"),
        ("[classify]\nscheme_year = 2024\n", "mangler nøkkelen 'input.addresses'"),
        (
            '[input]\naddresses = "a.csv"\n[costs]\ncost_per_metre_nok = -5\n',
            "'costs.cost_per_metre_nok'",
        ),
        (
            '[input]\naddresses = "a.csv"\n[classify]\nscheme_year = "tjuefire"\n',
            "'classify.scheme_year'",
        ),
        (
            '[input]\naddresses = "a.csv"\n[municipality]\nkommunenummer = "501"\n',
            "'municipality.kommunenummer'",
        ),
        (
            '[input]\naddresses = "a.csv"\n[classify]\nmobile_outdoor_dbm = -90\nmobile_indoor_dbm = -100\n',
            "mobile_indoor_dbm må være ≥ mobile_outdoor_dbm",
        ),
        (
            '[input]\naddresses = "a.csv"\nmobile = [{ operator = "telenor", technology = "3g", path = "x.tif" }]\n',
            "'input.mobile.0.technology'",
        ),
    ],
)
def test_invalid_configs_name_the_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text))
    assert expected in str(exc.value)
    assert str(tmp_path / "c.toml") in str(exc.value)


def test_not_toml(tmp_path):
    with pytest.raises(ConfigError, match="ikke gyldig TOML"):
        load_config(write(tmp_path, "[input\naddresses = 'a'"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="fant ikke oppsettsfila"):
        load_config(tmp_path / "none.toml")


@pytest.mark.parametrize(
    "county", ["trondelag", "Trøndelag", "Møre og Romsdal", " Vestfold og Telemark"]
)
def test_known_counties_by_name_or_key(tmp_path, county):
    text = f'[input]\naddresses = "a.csv"\n[municipality]\ncounty = "{county}"\n'
    assert load_config(write(tmp_path, text)).municipality.county == county


def test_unknown_county_is_an_error_listing_the_known_ones(tmp_path):
    """A typo must not silently fall back to the national co-funding rule."""
    text = '[input]\naddresses = "a.csv"\n[municipality]\ncounty = "atlantis"\n'
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text))
    message = str(exc.value)
    assert "'municipality.county'" in message and "ukjent fylke" in message
    assert "trondelag" in message and "more_og_romsdal" in message and "'atlantis'" in message


def test_utf8_with_bom_and_windows_1252_are_read(tmp_path):
    text = '[input]\naddresses = "a.csv"\n[municipality]\nname = "Bø i Telemark"\n'
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_config(p).municipality.name == "Bø i Telemark"
    p = tmp_path / "ansi.toml"
    p.write_bytes(text.encode("cp1252"))
    assert load_config(p).municipality.name == "Bø i Telemark"


def test_configuration_that_is_not_text(tmp_path):
    p = tmp_path / "c.toml"
    p.write_bytes(b'[input]\naddresses = "\x81\x8d.csv"\n')  # neither UTF-8 nor Windows-1252
    with pytest.raises(ConfigError, match="verken UTF-8- eller Windows-1252-tekst"):
        load_config(p)
    p.write_bytes('[input]\naddresses = "a.csv"\n'.encode("utf-16"))
    with pytest.raises(ConfigError, match="ikke tekst; lagre den som UTF-8"):
        load_config(p)
    folder = tmp_path / "mappe.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match="kan ikke lese oppsettsfila"):
        load_config(folder)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[areas]\nmax_gap_m = -1\n", "'areas.max_gap_m': må være større enn 0.0 (fikk -1)"),
        ('[classify]\nmobile_satisfactory = "inne"\n', "må være en av 'indoor' eller 'outdoor'"),
        ('[areas]\nmin_households = "tre"\n', "'areas.min_households': må være et heltall"),
        ("[classify]\nmobile_speed_tiers_kbps = [100000, 30000]\n", "stigende hastigheter"),
    ],
)
def test_validation_errors_are_bokmal(tmp_path, text, expected):
    p = tmp_path / "c.toml"
    p.write_text('[input]\naddresses = "a.csv"\n' + text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(p)
    assert "ugyldig oppsett" in str(caught.value)
    assert expected in str(caught.value)
    assert "Input should" not in str(caught.value)
