"""The nightly mining job (`curate mine`): ingest -> score -> select -> push as one resumable run.

config: the YAML config (validated, no secrets); source: tonight's frames; lock: one run per lake;
record: the `runs` row with stage statuses and resolved decisions; job: `run_mine`; cold_start: the random
pick before any model exists; report: the `--json` object and the summary paragraph; errors: exit codes.
"""

from curation.mining.config import MineConfig, load_config, parse_config
from curation.mining.errors import (
    EXIT_INPUT,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_SERVICE,
    EXIT_UNEXPECTED,
    LockHeld,
    MineConfigError,
    MineError,
    MineInputError,
    MineServiceError,
)
from curation.mining.job import PushTarget, default_run_id, run_mine
from curation.mining.lock import MineLock, lock_path, read_holder
from curation.mining.report import MineReport, load_report

__all__ = [
    "EXIT_INPUT", "EXIT_LOCKED", "EXIT_OK", "EXIT_SERVICE", "EXIT_UNEXPECTED",
    "LockHeld", "MineConfig", "MineConfigError", "MineError", "MineInputError", "MineLock", "MineReport",
    "MineServiceError", "PushTarget", "default_run_id", "load_config", "load_report", "lock_path", "parse_config",
    "read_holder", "run_mine",
]
