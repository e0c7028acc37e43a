"""Regenerate the embedded default data set in data/, byte for byte.

    python data/generator/generate.py            # writes into data/
    python data/generator/generate.py OUT_DIR    # writes elsewhere (tests compare the bytes)

The data are synthetic: see data/README.md. The generator is not part of the installed
package; it needs dekning installed (for the CRS constants) and runs from a clone.
"""

import sys
from pathlib import Path

from synthetic import generate

SEED = 5099

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    for name, path in sorted(generate(out, seed=SEED).items()):
        print(f"{name:>22}  {path}")
