"""What every command shares: the lake from --lake/CURATE_LAKE, errors that end a command cleanly, output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

# Status and tables go to stderr so that stdout stays machine-readable (`--json` prints one object last).
console = Console(stderr=True)
out = Console()

DEFAULT_LAKE = "./lake"


class CurateError(Exception):
    """A problem the user can fix: bad input, a missing file, a service down. Ends the command with exit 2
    (or `exit_code`) and a message that says what, where and how to fix it — never a traceback."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def resolve_lake_path(option: str | None) -> Path:
    """--lake wins, then CURATE_LAKE, then ./lake. The only place the lake's location is read from the environment."""
    return Path(option or os.environ.get("CURATE_LAKE") or DEFAULT_LAKE)


def get_lake(ctx: typer.Context):
    """The Lake of this invocation (opened once, on first use)."""
    from connectors.lake import Lake

    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    if "lake" not in obj:
        obj["lake"] = Lake(obj.get("lake_path") or resolve_lake_path(None))
        root.obj = obj
    return obj["lake"]


def print_json(payload: dict[str, Any]) -> None:
    """The one JSON object a `--json` command prints, on its own last line of stdout."""
    print(json.dumps(payload, default=str, sort_keys=True), flush=True)
