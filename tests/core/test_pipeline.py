"""The run as a list of named stages; outputs written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dekning.errors import InputError
from dekning.outfolder import atomic_folder
from dekning.pipeline import LABELS, OUTPUT_STAGES, STAGES, analyse, run
from dekning.report import RunReport


def test_every_stage_is_named_once_and_in_the_order_of_the_data_flow():
    assert len(set(LABELS)) == len(LABELS)
    assert LABELS[:7] == (
        "Leser adresser",
        "Leser fast dekning",
        "Leser mobildekning",
        "Leser vegnettet",
        "Leser utfordringer",
        "Klassifiserer adresser",
        "Finner mobilhull langs vegene",
    )
    assert LABELS.index("Lager utbyggingsområder") < LABELS.index("Prioriterer områder")
    assert LABELS.index("Leser spørreundersøkelsen") < LABELS.index(
        "Vurderer bevis for utfordringer"
    )
    assert LABELS[-2:] == ("Lager kart", "Skriver resultater")
    assert [s.label for s in (*STAGES, *OUTPUT_STAGES)] == list(LABELS)


def test_analyse_shows_each_analysis_stage_once(default_config):
    seen: list[str] = []
    result = analyse(default_config, seen.append, RunReport())
    assert seen == [s.label for s in STAGES]
    assert result.summary["adresser"] == len(result.classified)
    assert result.classified.crs == "EPSG:25833" and result.areas.crs == "EPSG:25833"


def test_each_stage_adds_only_its_own_frames(default_config):
    frames: dict[str, object] = {}
    report = RunReport()
    added: dict[str, set[str]] = {}
    for stage in STAGES:
        new = stage.run(default_config, frames, report)  # type: ignore[arg-type]
        assert not set(new) & set(frames), f"{stage.label} overwrote {set(new) & set(frames)}"
        added[stage.label] = set(new)
        frames.update(new)
    assert added["Leser adresser"] == {"addresses", "boundary", "counts"}
    assert added["Klassifiserer adresser"] == {
        "classified",
        "overrides",
        "located_challenges",
        "classified_from",
    }
    assert added["Leser utfordringer"] == {"challenges"}
    assert added["Vurderer bevis for utfordringer"] == {"speed_evidence", "proposals"}
    assert "plan" in added["Prioriterer områder"]


def test_run_shows_every_label_once_and_writes_the_folder(default_config, tmp_path):
    seen: list[str] = []
    out = tmp_path / "ut"
    result = run(default_config, out, seen.append)
    assert seen == list(LABELS)
    assert result.out_dir == out.resolve()
    assert "rapport.json" in result.files and "kart_offentlig.html" in result.files
    report = json.loads((out / "rapport.json").read_text(encoding="utf-8"))
    assert report["sammendrag"]["omrader"] == len(result.areas)
    # a second run replaces the folder dekning wrote
    run(default_config, out)
    assert not any(p.name.startswith(".ut.") for p in tmp_path.iterdir())


def test_a_folder_dekning_did_not_write_is_never_replaced(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "letter.docx").write_text("important", encoding="utf-8")
    with pytest.raises(InputError, match="er ikke skrevet av dekning"), atomic_folder(mine):
        pass
    assert (mine / "letter.docx").read_text(encoding="utf-8") == "important"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_file_in_the_way_is_never_replaced(tmp_path):
    target = tmp_path / "ut"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(InputError, match="er ikke skrevet av dekning"), atomic_folder(target):
        pass
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_a_failed_write_leaves_the_old_results_and_no_temporary_folder(tmp_path):
    target = tmp_path / "ut"
    with atomic_folder(target) as folder:
        (folder / "rapport.json").write_text('{"dekning_versjon": "x"}', encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_folder(target) as folder:
        (folder / "half.csv").write_text("a;b\n", encoding="utf-8")
        raise RuntimeError("disk full")
    assert sorted(p.name for p in target.iterdir()) == ["rapport.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ut"]


def test_an_empty_existing_folder_is_used(tmp_path: Path):
    target = tmp_path / "tom"
    target.mkdir()
    with atomic_folder(target) as folder:
        (folder / "a.txt").write_text("1", encoding="utf-8")
    assert (target / "a.txt").read_text(encoding="utf-8") == "1"


def test_ground_classes_without_a_klasse_column_name_the_file(default_config, tmp_path):
    ground = tmp_path / "grunn.geojson"
    ground.write_text(
        '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
        '"urn:ogc:def:crs:EPSG::25833"}}, "features": [{"type": "Feature", "properties": '
        '{"type": "fjell"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], '
        "[1, 1], [0, 0]]]}}]}",
        encoding="utf-8",
    )
    cfg = default_config.model_copy(
        update={"input": default_config.input.model_copy(update={"ground": ground})}
    )
    with pytest.raises(InputError) as err:
        analyse(cfg)
    assert err.value.field == "klasse" and err.value.file == str(ground)
    assert "fila har: type" in str(err.value)


def test_run_refuses_a_foreign_folder_before_analysing(default_config, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    seen: list[str] = []
    with pytest.raises(InputError, match="er ikke skrevet av dekning"):
        run(default_config, mine, seen.append)
    assert seen == []  # no stage ran
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
