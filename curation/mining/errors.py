"""What can stop a night's run, and the exit code a scheduler sees for each.

| code | meaning | what the scheduler should do |
|---|---|---|
| 0 | done (also "nothing new", and "this night already succeeded") | nothing |
| 1 | unexpected error (a bug; traceback on stderr) | alert a person |
| 2 | bad config or input (config, spec, unknown model, no model with on_no_model: fail) | alert; retrying will not help |
| 3 | another `curate mine` holds the lake's lock | retry later |
| 4 | an external service failed (Label Studio down, token refused) | retry later: the run resumes |
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_INPUT = 2
EXIT_LOCKED = 3
EXIT_SERVICE = 4


class MineError(Exception):
    """A known reason a run cannot go on; `exit_code` is what `curate mine` exits with."""

    exit_code = EXIT_INPUT


class MineConfigError(MineError):
    """The config, the date or the lake's state contradicts what was asked. Says what and how to fix it."""


class MineInputError(MineError):
    """A stage's input is unusable (dataset layout, selection spec against the lake, missing checkpoint,
    a Label Studio project with another labeling config). Retrying without a fix will not help."""


class MineServiceError(MineError):
    """An external service failed; the run stays resumable: re-run the same --date once it is back."""

    exit_code = EXIT_SERVICE


class LockHeld(MineError):
    """Another run holds the mining lock of this lake. `holder`: what it wrote (pid, run_id, started_at)."""

    exit_code = EXIT_LOCKED

    def __init__(self, message: str, holder: dict):
        super().__init__(message)
        self.holder = holder
