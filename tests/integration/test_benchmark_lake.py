"""The lake benchmark runs end to end on a small lake, and DuckDB and pandas agree on every query.

The benchmark itself compares the two engines' answers and exits non-zero when they differ, so this test
also checks that the recommended (narrowed) form of the labels query answers what the plain join answers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_lake_benchmark_small_run_agrees_between_engines():
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "lake.py"), "--rows", "30000", "--days", "3", "--repeats", "1",
         "--label-share", "0.05"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and "query" not in line]
    assert len(table) == 5, done.stdout
    assert all("| yes (" in line for line in table), done.stdout
    assert "labels x frames x scores, plain three-way join" in done.stdout
