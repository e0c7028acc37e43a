"""The output folder: swapped in whole, leftovers of killed runs cleaned, foreign folders kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dekning.errors import InputError
from dekning.outfolder import WRITING, atomic_folder, exchange, leftovers


def _output(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "rapport.json").write_text(json.dumps({"dekning_versjon": version}), "utf-8")
    return folder


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = _output(tmp_path / "a", "1"), _output(tmp_path / "b", "2")
    if not exchange(a, b):
        pytest.skip("this file system cannot exchange two paths (renameat2)")
    assert json.loads((a / "rapport.json").read_text("utf-8"))["dekning_versjon"] == "2"
    assert json.loads((b / "rapport.json").read_text("utf-8"))["dekning_versjon"] == "1"


def test_exchange_of_a_missing_path_is_an_os_error(tmp_path):
    a = _output(tmp_path / "a", "1")
    with pytest.raises(FileNotFoundError):
        exchange(a, tmp_path / "missing")


def test_leftovers_of_a_killed_run_are_removed_and_nothing_else(tmp_path):
    out = _output(tmp_path / "ut", "1")
    stale = [tmp_path / ".ut.abcd1234", tmp_path / ".ut.zz_y9x8w"]
    for folder in stale:
        folder.mkdir()
        (folder / "kart_offentlig.html").write_text("half", "utf-8")
        (folder / WRITING).write_text("123\n", "utf-8")
    kept = [
        tmp_path / ".ut.notours",
        tmp_path / ".andre.abcd1234",
        tmp_path / "ut.abcd1234",
        tmp_path / ".ut.backup01",  # the right shape, but a user's: no marker
    ]
    for folder in kept:
        folder.mkdir()
        (folder / "keep.txt").write_text("mine", "utf-8")
    assert leftovers(out) == sorted(stale)
    with atomic_folder(out) as folder:
        (folder / "rapport.json").write_text('{"dekning_versjon": "2"}', "utf-8")
    assert not any(p.exists() for p in stale)
    assert all(p.is_dir() for p in kept)
    assert json.loads((out / "rapport.json").read_text("utf-8"))["dekning_versjon"] == "2"


def test_an_old_output_left_between_two_renames_is_put_back(tmp_path):
    out = tmp_path / "ut"
    _output(tmp_path / ".ut.old", "1")
    with pytest.raises(RuntimeError), atomic_folder(out):
        raise RuntimeError("stopped while writing")
    assert json.loads((out / "rapport.json").read_text("utf-8"))["dekning_versjon"] == "1"
    assert not (tmp_path / ".ut.old").exists()


def test_an_old_copy_next_to_a_complete_output_is_removed(tmp_path):
    out = _output(tmp_path / "ut", "2")
    _output(tmp_path / ".ut.old", "1")
    with atomic_folder(out) as folder:
        (folder / "rapport.json").write_text('{"dekning_versjon": "3"}', "utf-8")
    assert not (tmp_path / ".ut.old").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ut"]


def test_a_foreign_folder_is_refused_before_anything_is_removed(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "brev.docx").write_text("viktig", "utf-8")
    stale = tmp_path / ".mine.abcd1234"
    stale.mkdir()
    with pytest.raises(InputError, match="er ikke skrevet av dekning"), atomic_folder(mine):
        pass
    assert (mine / "brev.docx").read_text("utf-8") == "viktig"


def test_a_report_that_is_not_an_object_is_not_dekning_s(tmp_path):
    folder = tmp_path / "ut"
    folder.mkdir()
    (folder / "rapport.json").write_text('"no dekning_versjon here"', "utf-8")
    (folder / "data.csv").write_text("a;b\n", "utf-8")
    with pytest.raises(InputError, match="er ikke skrevet av dekning"), atomic_folder(folder):
        pass
    assert sorted(p.name for p in folder.iterdir()) == ["data.csv", "rapport.json"]


def test_the_new_output_holds_no_marker(tmp_path):
    out = tmp_path / "ut"
    with atomic_folder(out) as folder:
        assert (folder / WRITING).is_file()
        (folder / "rapport.json").write_text('{"dekning_versjon": "1"}', "utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["rapport.json"]
