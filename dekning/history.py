"""What changed per address between two runs (``dekning diff A B``): offers gained or lost,
speed class, eligibility and build-out area, with counts.

Every run records its inputs (name, sha256, modification time) in ``rapport.json`` under
``inndata`` (:func:`input_record`), so two runs can be told apart by their data: a changed
coverage file between two years shows as a changed hash, and the per-address answer says what
it changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dekning.config import Config
from dekning.errors import InputError
from dekning.postgis import input_files
from dekning.schema import TARGET_DOWN_KBPS, TECHNOLOGY_WORDS
from dekning.textsafe import read_spreadsheet_csv

ADDRESSES_CSV = "adresser_klassifisert.csv"
REPORT = "rapport.json"
COMPARED = ("adressetekst", "best_down_kbps", "best_tek", "speed_class", "eligible", "area_id")
"""Columns of the classified addresses that are compared."""
CHALLENGE = "utfordring_status"
"""The furthest status of the challenges at an address ("" none); compared when a run has it
(runs made with a challenge store)."""
CHANGES = {
    "ny_adresse": "ny adresse (bare i den nye kjøringen)",
    "borte": "adressen er borte (bare i den gamle kjøringen)",
    "fikk_100": f"fikk tilbud på minst {TARGET_DOWN_KBPS // 1000} Mbit/s",
    "mistet_100": f"mistet tilbudet på minst {TARGET_DOWN_KBPS // 1000} Mbit/s",
    "raskere": "raskere beste tilbud",
    "tregere": "tregere beste tilbud",
    "ny_teknologi": "annen beste teknologi",
    "ble_stotteberettiget": "ble støtteberettiget",
    "ikke_lenger_stotteberettiget": "er ikke lenger støtteberettiget",
    "annet_omrade": "annet utbyggingsområde",
    "utfordring": "utfordringens status er endret",
}
"""The kinds of change, in the order they are reported, and their words (bokmål)."""


VINTAGE_INPUTS = {
    "fast": ("fixed_coverage", "coverage_polygons"),
    "mobil": ("mobile_addresses", "mobile"),
}
"""The inputs whose content is the operator data a challenge concerns, by kind of data."""


def coverage_vintage(cfg: Config) -> dict[str, str]:
    """A fingerprint of the operator data the run reads: per kind of data (``fast``, ``mobil``)
    the sha256 over its files' sha256 ("" when the run has none). A challenge records the
    fingerprint of the data it was made against, so that a later run on newer data does not
    apply it blindly."""
    out = {}
    for kind, keys in VINTAGE_INPUTS.items():
        paths: list[Path] = []
        for key in keys:
            value = getattr(cfg.input, key)
            if key == "mobile":
                paths.extend(m.path for m in value)
            elif value is not None:
                paths.append(Path(value))
        digest = hashlib.sha256()
        for path in paths:
            with path.open("rb") as fh:
                digest.update(hashlib.file_digest(fh, "sha256").digest())
        out[kind] = digest.hexdigest()[:16] if paths else ""
    return out


def input_record(cfg: Config) -> list[dict[str, Any]]:
    """Every input file of the configuration: key, name, sha256 and modification time (UTC)."""
    out = []
    for entry in input_files(cfg):
        path = Path(entry["fil"])
        try:
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(
                timespec="seconds"
            )
        except OSError:
            mtime = None
        out.append(
            {
                "nokkel": entry["nokkel"],
                "navn": entry["navn"],
                "sha256": entry["sha256"],
                "endret": mtime,
            }
        )
    return out


def _addresses(folder: Path) -> pd.DataFrame:
    """A run's classified addresses (the compared columns), by ``adrid``.

    Raises
    ------
    InputError
        The folder holds no run's results.
    """
    path = Path(folder) / ADDRESSES_CSV
    if not path.is_file():
        raise InputError(
            f"fant ikke {ADDRESSES_CSV}: mappa er ikke resultatet av en kjøring", file=folder
        )
    text = ("adressetekst", "best_tek", "speed_class", "area_id", CHALLENGE)
    table = read_spreadsheet_csv(path, text=text)
    missing = [c for c in ("adrid", *COMPARED) if c not in table.columns]
    if missing:
        raise InputError(f"mangler kolonnene {', '.join(missing)}", file=path)
    if CHALLENGE not in table.columns:  # a run made without a challenge store
        table[CHALLENGE] = ""
    table = table[["adrid", *COMPARED, CHALLENGE]].drop_duplicates("adrid").set_index("adrid")
    table["area_id"] = table["area_id"].fillna("")
    table["best_tek"] = table["best_tek"].fillna("")
    table["best_down_kbps"] = table["best_down_kbps"].fillna(0)
    table["eligible"] = table["eligible"].fillna(False).astype(bool)
    table[CHALLENGE] = table[CHALLENGE].fillna("").astype(str)
    return table


def diff_runs(old: Path, new: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Per address what changed from run ``old`` to run ``new``, and the count of each change.

    Returns
    -------
    tuple
        A table of the changed addresses (``adrid``, ``adresse``, ``endringer`` — the kinds of
        :data:`CHANGES` joined with ``", "`` — and the old and new speed class, best download,
        technology, eligibility and area) ordered by address; and per kind its count (every
        kind of :data:`CHANGES`, 0 when none).

    Raises
    ------
    InputError
        A folder holds no run's results.
    """
    a, b = _addresses(old), _addresses(new)
    both = a.merge(b, how="outer", left_index=True, right_index=True, suffixes=("_for", "_etter"))
    in_a = both.index.isin(a.index)
    in_b = both.index.isin(b.index)
    common = in_a & in_b
    down_a = both["best_down_kbps_for"].fillna(0).to_numpy()
    down_b = both["best_down_kbps_etter"].fillna(0).to_numpy()
    elig_a = both["eligible_for"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    elig_b = both["eligible_etter"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    flags = {
        "ny_adresse": in_b & ~in_a,
        "borte": in_a & ~in_b,
        "fikk_100": common & (down_a < TARGET_DOWN_KBPS) & (down_b >= TARGET_DOWN_KBPS),
        "mistet_100": common & (down_a >= TARGET_DOWN_KBPS) & (down_b < TARGET_DOWN_KBPS),
        "raskere": common & (down_b > down_a),
        "tregere": common & (down_b < down_a),
        "ny_teknologi": common
        & (
            both["best_tek_for"].fillna("").to_numpy()
            != both["best_tek_etter"].fillna("").to_numpy()
        ),
        "ble_stotteberettiget": common & ~elig_a & elig_b,
        "ikke_lenger_stotteberettiget": common & elig_a & ~elig_b,
        "annet_omrade": common
        & (
            both["area_id_for"].fillna("").to_numpy() != both["area_id_etter"].fillna("").to_numpy()
        ),
        "utfordring": common
        & (
            both[f"{CHALLENGE}_for"].fillna("").to_numpy()
            != both[f"{CHALLENGE}_etter"].fillna("").to_numpy()
        ),
    }
    counts = {k: int(v.sum()) for k, v in flags.items()}
    kinds = np.array(list(flags))
    matrix = np.column_stack([flags[k] for k in kinds])
    changed: np.ndarray = np.asarray(matrix.any(axis=1), dtype=bool)
    words = [", ".join(kinds[row]) for row in matrix[changed]]
    rows = both.iloc[np.flatnonzero(changed)]
    text = rows["adressetekst_etter"].fillna(rows["adressetekst_for"])
    table = pd.DataFrame(
        {
            "adrid": rows.index.to_numpy(),
            "adresse": text.to_numpy(),
            "endringer": words,
            "klasse_for": rows["speed_class_for"].to_numpy(),
            "klasse_etter": rows["speed_class_etter"].to_numpy(),
            "beste_ned_kbps_for": rows["best_down_kbps_for"].astype("Int64").to_numpy(),
            "beste_ned_kbps_etter": rows["best_down_kbps_etter"].astype("Int64").to_numpy(),
            "teknologi_for": rows["best_tek_for"]
            .map(lambda t: TECHNOLOGY_WORDS.get(t, t))
            .to_numpy(),
            "teknologi_etter": rows["best_tek_etter"]
            .map(lambda t: TECHNOLOGY_WORDS.get(t, t))
            .to_numpy(),
            "stotteberettiget_for": rows["eligible_for"].astype("boolean").to_numpy(),
            "stotteberettiget_etter": rows["eligible_etter"].astype("boolean").to_numpy(),
            "omrade_for": rows["area_id_for"].to_numpy(),
            "omrade_etter": rows["area_id_etter"].to_numpy(),
            "utfordring_for": rows[f"{CHALLENGE}_for"].to_numpy(),
            "utfordring_etter": rows[f"{CHALLENGE}_etter"].to_numpy(),
        }
    )
    return table.sort_values("adresse", kind="stable").reset_index(drop=True), counts


def changed_inputs(old: Path, new: Path) -> list[tuple[str, str, str]]:
    """The inputs whose content differs between the two runs' ``rapport.json`` (key, old and
    new sha256, shortened); empty when a run has no record of its inputs."""

    def record(folder: Path) -> dict[str, str]:
        try:
            report = json.loads((Path(folder) / REPORT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {e["nokkel"]: str(e.get("sha256") or "") for e in report.get("inndata", [])}

    a, b = record(old), record(new)
    return [
        (key, a.get(key, "")[:12] or "–", b.get(key, "")[:12] or "–")
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    ]


__all__ = [
    "CHANGES",
    "VINTAGE_INPUTS",
    "changed_inputs",
    "coverage_vintage",
    "diff_runs",
    "input_record",
]
