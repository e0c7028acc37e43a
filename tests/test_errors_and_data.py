"""The error hierarchy and the embedded synthetic data set."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from dekning.errors import ConfigError, DekningError, InputError


def test_input_error_names_file_row_field():
    e = InputError("not a number: 'x'", file="a.csv", row=4, field="Nord")
    assert str(e) == "a.csv, row 4, field 'Nord': not a number: 'x'"
    assert isinstance(e, DekningError)
    assert issubclass(ConfigError, DekningError)
    assert str(InputError("plain")) == "plain"


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".csv", ".geojson", ".tif")
    }


@pytest.mark.slow
def test_generator_rewrites_the_same_bytes(tmp_path, data_dir):
    script = data_dir / "generator" / "generate.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert _digest(tmp_path) == _digest(data_dir)
    assert len(_digest(tmp_path)) == 15  # 4 csv, 4 geojson, 7 tif


def test_default_data_is_labelled_synthetic(data_dir):
    text = (data_dir / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "made up" in text
