"""The package's shape: import layers (import-linter contracts in pyproject.toml), the symlinked
stage folders, and no imports hidden inside functions."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
STAGES = ("coverage", "surveys", "maps", "api", "data")
LINKED = (
    "surveys",
    "maps",
    "api",
    "data",
    *(f"coverage/{s}" for s in ("read", "classify", "planning", "application")),
)


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_import_contracts_are_kept():
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _mini_package(root: Path, modules: dict[str, str]) -> None:
    """A throw-away ``dekning`` tree with the project's own contracts."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    lines = ['[tool.importlinter]\nroot_package = "dekning"\n']
    for contract in config["tool"]["importlinter"]["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            rendered = (
                "[" + ", ".join(f'"{v}"' for v in value) + "]"
                if isinstance(value, list)
                else ("true" if value is True else "false" if value is False else f'"{value}"')
            )
            lines.append(f"{key} = {rendered}")
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    contracts = config["tool"]["importlinter"]["contracts"]
    names = {
        n.strip() for layer in contracts[0]["layers"] for n in layer.replace(":", "|").split("|")
    }
    names |= {
        m.removeprefix("dekning.")
        for c in contracts[1:]
        for m in (*c.get("source_modules", ()), *c.get("forbidden_modules", ()))
    }
    for name in sorted({*names, *modules}):
        path = root / "dekning" / Path(*name.split("."))
        path.mkdir(parents=True, exist_ok=True)
        for parent in [path, *path.relative_to(root).parents]:
            if str(parent) != ".":
                (root / parent / "__init__.py").touch()
        (path / "__init__.py").write_text(modules.get(name, ""), encoding="utf-8")


@pytest.mark.parametrize(
    ("module", "back_edge"),
    [
        ("coverage.read", "import dekning.pipeline\n"),
        ("coverage.classify", "import dekning.coverage.planning\n"),
        ("pipeline", "import dekning.cli\n"),
        ("maps", "import dekning.coverage.classify\n"),
        ("api", "import dekning.pipeline\n"),
        ("surveys", "import dekning.coverage.classify\n"),
    ],
)
def test_a_back_edge_breaks_a_contract(tmp_path, module, back_edge):
    _mini_package(tmp_path, {module: back_edge})
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout
    assert "BROKEN" in done.stdout


def test_the_mini_package_without_back_edges_keeps_the_contracts(tmp_path):
    _mini_package(tmp_path, {"pipeline": "import dekning.coverage.read\n"})
    done = _lint(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("stage", LINKED)
def test_stage_folders_are_the_package_tree(stage):
    link = REPO / "dekning" / stage
    assert link.is_symlink(), f"dekning/{stage} must link to the top-level folder"
    assert link.resolve() == (REPO / stage).resolve()
    assert (link / "__init__.py").is_file()


def test_nothing_in_the_repository_root_shadows_coverage_py():
    assert not (REPO / "coverage" / "__init__.py").exists()
    done = subprocess.run(
        [sys.executable, "-c", "import coverage; print(getattr(coverage, '__file__', None))"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    found = done.stdout.strip()
    assert found == "None" or not Path(found).is_relative_to(REPO / "coverage"), found


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("dekning"):
                    found.append(f"{path.relative_to(REPO)}:{inner.lineno} {inner.module}")
                elif isinstance(inner, ast.Import) and any(
                    a.name.startswith("dekning") for a in inner.names
                ):
                    found.append(f"{path.relative_to(REPO)}:{inner.lineno}")
    return found


def test_no_dekning_import_hides_inside_a_function():
    core = [*(REPO / "dekning").glob("*.py"), *(REPO / "dekning" / "rules").glob("*.py")]
    stages = [p for top in STAGES for p in (REPO / top).rglob("*.py") if "generator" not in p.parts]
    assert len(core) > 10 and len(stages) > 20
    hidden = sorted({hit for f in (*core, *stages) for hit in _function_level_imports(f)})
    assert hidden == []


def test_a_hidden_import_is_found(tmp_path):
    bad = REPO / "tests" / "core"
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from dekning.pipeline import run\n", encoding="utf-8")
    # _function_level_imports reports paths relative to the repository
    target = bad / f"_tmp_hidden_{tmp_path.name}.py"
    shutil.copy(sample, target)
    try:
        assert _function_level_imports(target) == [f"{target.relative_to(REPO)}:2 dekning.pipeline"]
    finally:
        target.unlink()
