"""Compare two output folders of `dekning run` file by file, content-wise.

    python .ci/compare_outputs.py BEFORE AFTER

Used to show that a refactoring leaves every figure of the default run as it was. Byte equality
is too strict for some formats, so each is compared by content:

- CSV, TXT, JSON, GeoJSON: bytes;
- GeoPackage: every layer's attribute table and geometries (WKB);
- XLSX: every sheet's cells, formulas as written (not cached values) and number formats;
- HTML: bytes after folium's random element ids (``map_<32 hex>``) are replaced by their order.

Exits 1 and lists each difference when the folders differ; 0 when they agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import openpyxl
import pyogrio

_FOLIUM_ID = re.compile(rb"([a-z_]+)_([0-9a-f]{32})(?![0-9a-f])")


def _html(path: Path) -> bytes:
    seen: dict[bytes, bytes] = {}

    def stable(m: re.Match[bytes]) -> bytes:
        key = m.group(2)
        seen.setdefault(key, str(len(seen)).encode())
        return m.group(1) + b"_" + seen[key]

    return _FOLIUM_ID.sub(stable, path.read_bytes())


def _gpkg(path: Path) -> list[object]:
    out: list[object] = []
    for name, _kind in pyogrio.list_layers(path):
        df = pyogrio.read_dataframe(path, layer=name)
        out.append((name, str(df.crs), df.drop(columns="geometry").to_csv()))
        out.append(list(df.geometry.to_wkb()))
    return out


def _xlsx(path: Path) -> list[object]:
    wb = openpyxl.load_workbook(path)
    return [
        (
            ws.title,
            [(c.coordinate, c.value, c.number_format) for row in ws.iter_rows() for c in row],
        )
        for ws in wb.worksheets
    ]


def content(path: Path) -> object:
    """A comparable picture of one output file."""
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        return _gpkg(path)
    if suffix == ".xlsx":
        return _xlsx(path)
    if suffix == ".html":
        return _html(path)
    return path.read_bytes()


def compare(before: Path, after: Path) -> list[str]:
    """Differences between two output folders, one line each (empty when they agree)."""
    a = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    b = {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    problems = [f"only in {before}: {p}" for p in sorted(a - b)]
    problems += [f"only in {after}: {p}" for p in sorted(b - a)]
    for rel in sorted(a & b):
        if content(before / rel) != content(after / rel):
            problems.append(f"differs: {rel}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = compare(Path(argv[0]), Path(argv[1]))
    for line in problems:
        print(line)
    n = sum(1 for p in Path(argv[0]).rglob("*") if p.is_file())
    print(f"{n} files compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
