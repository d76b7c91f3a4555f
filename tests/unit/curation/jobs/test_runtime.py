"""glibc malloc tuning for the CPU jobs: applied once, opt-out by environment. Each case runs in a fresh
interpreter because the setting is process-wide. (Its effect on speed is measured in benchmarks/scoring.py,
`--no-mallopt` against the default.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]

_PROBE = """
import sys
sys.path.insert(0, {repo!r})
from curation.jobs import runtime
first = runtime.tune_allocator()
print(first, runtime.tune_allocator() == first)
"""


def _probe(env_extra: dict | None = None) -> list[str]:
    env = {**os.environ, **(env_extra or {})}
    done = subprocess.run([sys.executable, "-c", _PROBE.format(repo=str(REPO))], env=env, capture_output=True,
                          text=True, check=True, timeout=120)
    return done.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc (Linux) only")
def test_tuning_applies_once_on_linux():
    assert _probe({"CURATE_MALLOPT": "1"}) == ["True", "True"]


def test_opt_out_by_environment():
    assert _probe({"CURATE_MALLOPT": "0"}) == ["False", "True"]
