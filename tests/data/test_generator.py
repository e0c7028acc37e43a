"""The embedded synthetic data set and its seeded generator (data/generator/, not installed)."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import setuptools

REPO = Path(__file__).resolve().parents[2]


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".csv", ".geojson", ".tif")
    }


@pytest.mark.slow
def test_generator_rewrites_the_same_bytes(tmp_path, data_dir):
    script = REPO / "data" / "generator" / "generate.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert _digest(tmp_path) == _digest(data_dir)
    assert len(_digest(tmp_path)) == 17  # 6 csv, 4 geojson, 7 tif


def test_default_data_is_labelled_synthetic(data_dir):
    text = (data_dir / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "made up" in text
    for p in sorted(data_dir.rglob("*")):
        if p.suffix in (".csv", ".geojson", ".tif") and "generator" not in p.parts:
            assert f"`{p.name}`" in text or f"{p.parent.name}/" in text, p.name


def test_generator_is_not_installed_with_the_package():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    find = config["tool"]["setuptools"]["packages"]["find"]
    assert find["namespaces"] is False
    packages = set(setuptools.find_packages(where=str(REPO), include=find["include"]))
    assert {"dekning.data", "dekning.coverage.planning", "dekning.api"} <= packages
    assert not any("generator" in p for p in packages)
    assert importlib.util.find_spec("dekning.data") is not None
