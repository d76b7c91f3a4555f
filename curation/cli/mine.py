"""`curate mine --config mine.yaml [--date D] [--json]`: one night's run, safe to schedule.

This module is the only part of the nightly job that reads the environment: the Label Studio URL/token/
document root (LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY, LABEL_STUDIO_DOCUMENT_ROOT,
LABEL_STUDIO_IMAGE_URL_PREFIX, as for `curate push`) and the test hook CURATE_TEST_CRASH_AFTER.

CURATE_TEST_CRASH_AFTER (tests only, never set it in production): `<stage>` makes the process SIGKILL
itself right after that stage's success is recorded; `<stage>:<n>` once n units of that stage are
committed (frames ingested, frames scored, tasks imported). The resume tests use it to kill a run at a
known point, exactly as `kill -9` would.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Optional

import typer

from curation.cli.common import console, print_json

CRASH_ENV = "CURATE_TEST_CRASH_AFTER"
ENV_URL, ENV_KEY = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"
ENV_DOCUMENT_ROOT, ENV_URL_PREFIX = "LABEL_STUDIO_DOCUMENT_ROOT", "LABEL_STUDIO_IMAGE_URL_PREFIX"

HELP = """One night: ingest new frames from the config's source, score them with the
current model, select a batch with the config's selection spec, push it to Label
Studio. One `runs` row (kind mine, run id mine-<date>) records the resolved
config, code version, and each stage's status and counts.

\b
Safe to schedule:
  - one run per lake: a second `curate mine` exits 3 and changes nothing;
  - resumable: killed anywhere, the same --date finishes where it stopped,
    with no duplicate scores, selections or tasks, and the same batch;
  - a night that already succeeded is not run again (exit 0).

\b
Exit codes:
  0  done (also: nothing new, or this night already succeeded)
  1  unexpected error (a bug; traceback on stderr; the run is resumable)
  2  bad config or input (fix it, then re-run the same --date)
  3  another `curate mine` holds the lake's lock (retry later)
  4  an external service failed, e.g. Label Studio is down
     (retry later: the run resumes)

The Label Studio token comes from LABEL_STUDIO_API_KEY or from the local
server of `curate labelstudio up`, never from the config.
Example config: deploy/configs/mine.example.yaml.
"""


def _night(value: Optional[str]) -> dt.date:
    from curation.mining import MineConfigError

    if value is None:
        return dt.datetime.now(dt.timezone.utc).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise MineConfigError(f"--date {value!r} is not a date; write YYYY-MM-DD, e.g. --date 2026-11-23") from None


def _lake_root(ctx: typer.Context) -> Path:
    from curation.cli.common import resolve_lake_path

    obj = ctx.find_root().obj if isinstance(ctx.find_root().obj, dict) else {}
    return Path(obj.get("lake_path") or resolve_lake_path(None)).expanduser().resolve()


def _open_lake(ctx: typer.Context):
    from connectors.lake import LakeError
    from curation.cli.common import get_lake
    from curation.mining import MineConfigError

    try:
        return get_lake(ctx)
    except LakeError as exc:  # e.g. --lake names a file
        raise MineConfigError(str(exc)) from None


def _crash_hook(value: Optional[str]):
    """The test hook of CURATE_TEST_CRASH_AFTER (see the module docstring), or None."""
    from curation.mining import MineConfigError
    from curation.mining.record import STAGES

    if not value:
        return None
    stage, _, count = value.partition(":")
    if stage not in STAGES or (count and not count.isdigit()):
        raise MineConfigError(f"{CRASH_ENV}={value!r}: expected <stage> or <stage>:<n> with stage one of "
                              f"{', '.join(STAGES)}")
    after = int(count) if count else None

    def hook(at: str, event: str, done: int) -> None:
        if at != stage:
            return
        if (after is None and event == "committed") or (after is not None and event == "progress" and done >= after):
            sys.stdout.flush()
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def _label_studio(lake_root: Path, config):
    """connect(lake, model_version) -> PushTarget for the push stage, with URL and token resolved now (a missing token is a
    config error before anything runs; the server is contacted only when there is something to push)."""
    from connectors.labelstudio import server
    from connectors.labelstudio.errors import ServerSetupError
    from curation.mining import MineConfigError, PushTarget

    try:
        state = server.load_state(lake_root / "labelstudio" / "server.json")
    except ServerSetupError as exc:
        raise MineConfigError(str(exc)) from None
    url = (config.labelstudio.url or os.environ.get(ENV_URL) or (state.url if state else "") or "").strip().rstrip("/")
    if not url:
        raise MineConfigError(
            "push is enabled but no Label Studio is configured: set labelstudio.url in the config (and "
            f"{ENV_KEY} in the environment), start a local server with `curate labelstudio up`, or set "
            "push.enabled: false")
    local = state if state is not None and state.url.rstrip("/") == url else None
    token = (os.environ.get(ENV_KEY) or "").strip() or (local.token if local else "")
    if not token:
        raise MineConfigError(f"no API token for Label Studio at {url}: set {ENV_KEY} (Account & Settings > "
                              "Access Token); it is never read from the config")
    document_root = (config.labelstudio.document_root or os.environ.get(ENV_DOCUMENT_ROOT)
                     or (local.document_root if local else None))
    url_prefix = config.labelstudio.image_url_prefix or os.environ.get(ENV_URL_PREFIX) or None

    def connect(lake, model_version) -> PushTarget:
        from connectors.labelstudio.client import LabelStudioClient
        from curation.jobs.labelstudio import ImageHosting

        client = LabelStudioClient(url, token)
        client.whoami()  # down or token refused: fail here, before anything is prepared
        root = Path(document_root) if document_root else lake.root / "labelstudio" / "files"
        predictor, note = (_predictor(lake, model_version) if config.push.pre_annotations
                           else (None, "push.pre_annotations is false"))
        return PushTarget(client, ImageHosting(root.resolve(), url_prefix), predictor, note)

    return connect


def _predictor(lake, model_version):
    """(predictor or None, where pre-annotations come from): the run's model (the one that scored tonight's
    frames) through `curation.jobs.predict.load_predictor`, when this version has it and the run has a model."""
    import importlib.util

    if model_version is None:
        return None, "no model yet: tasks without pre-annotations"
    if importlib.util.find_spec("curation.jobs.predict") is None:
        return None, "no model-based predictor in this version: tasks without pre-annotations"
    from curation.jobs.predict import load_predictor

    predictor = load_predictor(lake, model_version)
    if predictor is None:
        return None, f"model {model_version} cannot be loaded for pre-annotations: tasks without them"
    return predictor, f"pre-annotations from model {model_version}"


def _finish(report, as_json: bool) -> None:
    print(report.summary(), flush=True)
    if report.status != "succeeded" and report.error:
        console.print(f"[red]curate mine: {report.error}[/red] (exit {report.exit_code})", highlight=False)
    if as_json:
        print_json(report.as_json())
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    @app.command("mine", help=HELP)
    def mine(
        ctx: typer.Context,
        config: Path = typer.Option(..., "--config", "-c", help="Mine config (YAML): source, model, score, selection, "
                                                                "push, labelstudio."),
        date: Optional[str] = typer.Option(None, "--date", help="The night to mine, YYYY-MM-DD (default: today, UTC). "
                                                                "The same date resumes the same run."),
        run_id: Optional[str] = typer.Option(None, "--run-id", help="Run id (default: mine-<date>)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object (run_id, status, per-stage counts) "
                                                           "on the last line."),
    ) -> None:
        from curation.mining import (
            EXIT_UNEXPECTED,
            LockHeld,
            MineError,
            MineLock,
            MineReport,
            default_run_id,
            load_config,
            load_report,
            run_mine,
        )
        lake = None
        night = None
        try:
            night = _night(date)
            cfg = load_config(config)
            rid = run_id or default_run_id(night)
            hook = _crash_hook(os.environ.get(CRASH_ENV))
            lake_root = _lake_root(ctx)
            connect = _label_studio(lake_root, cfg) if cfg.push.enabled else None
            with MineLock(lake_root, rid):
                lake = _open_lake(ctx)
                report = run_mine(lake, cfg, night, run_id=rid, connect=connect, hook=hook,
                                  say=lambda m: console.print(m, highlight=False))
        except LockHeld as exc:
            console.print(f"[yellow]curate mine: {exc}[/yellow]", highlight=False)
            if as_json:
                print_json({"run_id": run_id or (default_run_id(night) if night else None), "status": "locked",
                            "exit_code": exc.exit_code, "holder": exc.holder, "error": str(exc)})
            raise typer.Exit(exc.exit_code) from None
        except MineError as exc:  # before the run started: nothing was written
            rid = run_id or (default_run_id(night) if night else None)
            _finish(MineReport(rid or "?", night.isoformat() if night else None, "failed", exc.exit_code,
                               error=str(exc)), as_json)
        except typer.Exit:
            raise
        except Exception as exc:  # a bug: show it, record it, keep the run resumable
            traceback.print_exc()
            rid = run_id or (default_run_id(night) if night else "?")
            if lake is not None:
                report = load_report(lake, rid, error=exc)
            else:
                report = MineReport(rid, night.isoformat() if night else None, "failed", EXIT_UNEXPECTED, error=str(exc))
            report.exit_code = EXIT_UNEXPECTED
            _finish(report, as_json)
        _finish(report, as_json)
