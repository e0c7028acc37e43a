"""The hostile-input corpus: a copy of the default data with one file broken, run through the CLI
in-process.

``hostile`` gives each case its own copy of the default data set (``data/``, with the default
configuration beside it as ``dekning.toml``) and runs ``dekning run --config ... --out ...``
against one output folder that an earlier successful run wrote. Every failing case must exit
with status 2, print a message naming the file (and line and field where they apply), show no
traceback, leave that earlier output exactly as it was and write nothing else.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dekning.cli import app
from dekning.config import default_data_dir


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path) with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _names(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@dataclass
class Outcome:
    """What a run printed and returned."""

    code: int
    text: str


@dataclass
class Hostile:
    """One case: a private copy of the default data and the shared previous output."""

    data: Path
    out: Path

    @property
    def config(self) -> Path:
        return self.data / "dekning.toml"

    def path(self, name: str) -> Path:
        return self.data / name

    def edit(self, name: str, change: Callable[[str], str], encoding: str = "utf-8") -> Path:
        """Rewrite a text file of the copy through ``change``."""
        p = self.path(name)
        p.write_text(change(p.read_text(encoding=encoding)), encoding=encoding)
        return p

    def set_line(self, name: str, line: int, change: Callable[[list[str]], list[str]]) -> Path:
        """Change the fields (split at ``;``) of one line (1 = header) of a CSV of the copy."""
        p = self.path(name)
        lines = p.read_text(encoding="utf-8-sig").splitlines()
        lines[line - 1] = ";".join(change(lines[line - 1].split(";")))
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return p

    def configure(self, change: Callable[[str], str]) -> None:
        """Rewrite the configuration text."""
        self.config.write_text(change(self.config.read_text(encoding="utf-8")), encoding="utf-8")

    def add_input(self, key: str, value: str) -> None:
        """Set ``[input].key`` (a relative path or a TOML value)."""
        text = self.config.read_text(encoding="utf-8")
        text = text.replace("[input]\n", f"[input]\n{key} = {value}\n", 1)
        self.config.write_text(text, encoding="utf-8")

    def run(self) -> Outcome:
        before_out = _tree(self.out)
        before_parent = _names(self.out.parent)
        before_data = _names(self.data)
        result = CliRunner().invoke(
            app, ["run", "-q", "--config", str(self.config), "--out", str(self.out)]
        )
        text = result.output  # stdout and stderr, as the user sees them
        if result.exit_code != 0:
            assert _tree(self.out) == before_out, "a failed run changed the previous output"
        assert _names(self.out.parent) == before_parent, "something was written beside --out"
        assert _names(self.data) == before_data, "something was written among the inputs"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"uncaught {type(result.exception).__name__}: {text}")
        return Outcome(result.exit_code, text)

    def refused(self, *expected: str) -> str:
        """Run, and check the run stopped with status 2, no traceback and every ``expected``
        text in its message. Returns the message."""
        outcome = self.run()
        assert outcome.code == 2, outcome.text
        assert "Traceback" not in outcome.text and "Warning:" not in outcome.text
        assert outcome.text.startswith("Feil:"), outcome.text
        for want in expected:
            assert want in outcome.text, f"{want!r} not in {outcome.text!r}"
        return outcome.text


@pytest.fixture(scope="session")
def previous_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder written by a successful run of the default data."""
    out = tmp_path_factory.mktemp("previous") / "ut"
    result = CliRunner().invoke(app, ["run", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def hostile(tmp_path: Path, previous_output: Path) -> Iterator[Hostile]:
    data = tmp_path / "data"
    shutil.copytree(
        default_data_dir(), data, ignore=shutil.ignore_patterns("generator", "__*", "README.md")
    )
    yield Hostile(data, previous_output)
