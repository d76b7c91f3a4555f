"""`make bench`: run every benchmark script in turn; each prints its own table (see BENCHMARKS.md).

Usage: python benchmarks/run_all.py [name ...]   (names: lake, selection, scoring, uncertainty_quality,
label_efficiency; default all). The label-efficiency experiment takes about an hour on 2 CPU cores.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["lake", "selection", "scoring", "uncertainty_quality", "label_efficiency"]


def main(argv: list[str]) -> int:
    names = argv or ORDER
    unknown = [n for n in names if n not in ORDER]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {ORDER}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        script = HERE / f"{name}.py"
        if not script.exists():
            print(f"== {name}: {script} is missing", file=sys.stderr)
            failed.append(name)
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)])
        print(f"== {name}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
