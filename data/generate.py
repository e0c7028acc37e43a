"""Regenerate the embedded default data set in this folder, byte for byte.

    python data/generate.py            # writes next to this file
    python data/generate.py OUT_DIR    # writes elsewhere (tests compare the bytes)

The data are synthetic: see README.md.
"""

import sys
from pathlib import Path

from dekning.synthetic import generate

SEED = 5099

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for name, path in sorted(generate(out, seed=SEED).items()):
        print(f"{name:>22}  {path}")
