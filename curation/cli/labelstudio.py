"""`curate labelstudio up|down|status|oracle`, `curate push`, `curate pull`: the Label Studio side of the loop.

Which server: LABEL_STUDIO_URL + LABEL_STUDIO_API_KEY from the environment when set (the team's server);
otherwise the local server `curate labelstudio up` started for this lake (its URL and preset token are in
`<lake>/labelstudio/server.json`, mode 0600). Images are staged under the server's document root:
--document-root, else LABEL_STUDIO_DOCUMENT_ROOT, else the local server's, else `<lake>/labelstudio/files`;
with --image-url-prefix (or LABEL_STUDIO_IMAGE_URL_PREFIX) tasks point at URLs under which that folder is
served instead of a local storage. The API token is never printed, logged or written to the lake.

Exit codes: 2 = bad input or nothing to do; 3 = Label Studio unreachable, token refused or server error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress
from rich.table import Table

from curation.cli.common import CurateError, console, get_lake, out, print_json

ENV_URL, ENV_KEY = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"
ENV_DOCUMENT_ROOT, ENV_URL_PREFIX = "LABEL_STUDIO_DOCUMENT_ROOT", "LABEL_STUDIO_IMAGE_URL_PREFIX"
SERVICE_EXIT = 3

labelstudio_app = typer.Typer(help="A local Label Studio server for this lake, and the oracle annotator.",
                              no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print one JSON object with the outcome on the last line.")


def _state_path(lake) -> Path:
    return lake.root / "labelstudio" / "server.json"


def _fail(exc: Exception) -> CurateError:
    """Known errors of the Label Studio layers as a clean CLI error (message only, exit 2 or 3)."""
    from connectors.labelstudio.errors import LabelStudioError, ServerSetupError

    code = SERVICE_EXIT if isinstance(exc, (LabelStudioError, ServerSetupError)) else 2
    return CurateError(str(exc), exit_code=code)


def _known_errors() -> tuple[type[Exception], ...]:
    from connectors.labelstudio.errors import LabelConfigError, LabelStudioError, ServerSetupError
    from curation.jobs.labelstudio.errors import LabelingJobError

    return (LabelStudioError, ServerSetupError, LabelConfigError, LabelingJobError)


def _connection(lake) -> tuple[str, str, Optional[object]]:
    """(url, api key, local server state or None) from the environment or this lake's local server."""
    from connectors.labelstudio import server

    state = server.load_state(_state_path(lake))
    url = (os.environ.get(ENV_URL) or "").strip().rstrip("/")
    key = (os.environ.get(ENV_KEY) or "").strip()
    if url:
        if not key:
            if state is not None and state.url == url:
                key = state.token
            else:
                raise CurateError(f"{ENV_URL} is set ({url}) but {ENV_KEY} is not: set it to your Label Studio token "
                                  "(Account & Settings > Access Token)")
        return url, key, state if state is not None and state.url == url else None
    if state is None:
        raise CurateError(f"no Label Studio server for lake {lake.root}: start a local one with `curate labelstudio up`, "
                          f"or set {ENV_URL} and {ENV_KEY} to use an existing server")
    return state.url, key or state.token, state


def _client(lake):
    from connectors.labelstudio.client import LabelStudioClient

    url, key, state = _connection(lake)
    try:
        client = LabelStudioClient(url, key)
        client.whoami()  # fails early and clearly: server down, wrong token
    except _known_errors() as exc:
        raise _fail(exc) from None
    return client, state


def _hosting(lake, state, document_root: Optional[Path], url_prefix: Optional[str]):
    from curation.jobs.labelstudio import ImageHosting

    root = document_root or (Path(os.environ[ENV_DOCUMENT_ROOT]) if os.environ.get(ENV_DOCUMENT_ROOT) else None)
    if root is None and state is not None:
        root = Path(state.document_root)
    root = root or lake.root / "labelstudio" / "files"
    return ImageHosting(Path(root).resolve(), url_prefix or os.environ.get(ENV_URL_PREFIX) or None)


def _load_predictor(lake):
    """(predictor or None, sentence saying where pre-annotations come from)."""
    from curation.jobs.predict import load_predictor

    predictor = load_predictor(lake)
    if predictor is None:
        return None, "no model in `models` yet: tasks are pushed without pre-annotations"
    return predictor, "pre-annotations from the latest model in `models`"


def _login_lines(info) -> list[str]:
    return [
        f"Label Studio {info.version} is up at [bold]{info.url}[/bold] (pid {info.pid})",
        f"  log in with  {info.credentials.username}  /  {info.credentials.password}",
        f"  API token: in {info.data_dir}/credentials.json (not shown); curate commands of this lake use it",
        f"  images served from {info.document_root}",
        f"  log: {info.log_path}    stop: curate labelstudio down",
    ]


@labelstudio_app.command("up")
def up(
    ctx: typer.Context,
    port: Optional[int] = typer.Option(None, help="Port on 127.0.0.1 (default: 8080 if free, else any free port)."),
    data_dir: Optional[Path] = typer.Option(None, help="Label Studio data dir (default: <lake>/labelstudio/data)."),
    document_root: Optional[Path] = typer.Option(None, help="Folder served to the editor (default: "
                                                             "<lake>/labelstudio/files)."),
    as_json: bool = JSON,
) -> None:
    """Install Label Studio into its own virtual environment (once), start it, wait until it answers."""
    from connectors.labelstudio import server

    lake = get_lake(ctx)
    state_path = _state_path(lake)
    try:
        state = server.load_state(state_path)
        if state is not None and server.is_running(state) and server.health(state.url):
            console.print(f"already running (started {state.started_at})")
            for line in _login_lines(state):
                console.print(line, highlight=False)
            if as_json:
                print_json({"url": state.url, "pid": state.pid, "already_running": True})
            return
        data = (data_dir or (Path(state.data_dir) if state else lake.root / "labelstudio" / "data")).resolve()
        files = (document_root or (Path(state.document_root) if state else lake.root / "labelstudio" / "files")).resolve()
        chosen = port if port is not None else (8080 if server.port_is_free(8080) else None)
        info = server.start(data, files, port=chosen, progress=lambda m: console.print(m, highlight=False))
        server.save_state(state_path, info)
    except _known_errors() as exc:
        raise _fail(exc) from None
    for line in _login_lines(info):
        console.print(line, highlight=False)
    if as_json:
        print_json({"url": info.url, "pid": info.pid, "already_running": False, "data_dir": info.data_dir,
                    "document_root": info.document_root})


@labelstudio_app.command("down")
def down(ctx: typer.Context) -> None:
    """Stop the local server this lake started (its data stays for the next `up`)."""
    from connectors.labelstudio import server

    lake = get_lake(ctx)
    state = server.load_state(_state_path(lake))
    if state is None:
        raise CurateError(f"no local Label Studio was started for lake {lake.root} (no {_state_path(lake)})")
    stopped = server.stop(state)
    out.print(f"stopped Label Studio at {state.url} (pid {state.pid})" if stopped
              else f"Label Studio at {state.url} (pid {state.pid}) was not running")


@labelstudio_app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Is the server up, does it accept the token, which projects does this lake use."""
    from connectors.labelstudio import server

    lake = get_lake(ctx)
    state = server.load_state(_state_path(lake))
    env_url = (os.environ.get(ENV_URL) or "").rstrip("/")
    report = {"local_server": None, "url": env_url or (state.url if state else None),
              "from": "environment" if env_url else ("local server" if state else None)}
    if state is not None:
        report["local_server"] = {"url": state.url, "pid": state.pid, "running": server.is_running(state),
                                  "healthy": server.health(state.url), "data_dir": state.data_dir,
                                  "document_root": state.document_root, "log": state.log_path}
    if report["url"]:
        try:
            client, _ = _client(lake)
            report["token_accepted"] = True
            report["user"] = client.whoami().get("email")
        except CurateError as exc:
            report["token_accepted"] = False
            report["error"] = str(exc)
    report["projects"] = lake.query("SELECT project_id, any_value(project_title) AS title, count(*) AS tasks FROM tasks "
                                    "GROUP BY project_id ORDER BY project_id").to_pylist()
    if as_json:
        print_json(report)
        return
    if not report["url"]:
        out.print(f"no Label Studio configured: `curate labelstudio up`, or set {ENV_URL} and {ENV_KEY}")
        return
    out.print(f"Label Studio: {report['url']} (from {report['from']})")
    if report["local_server"]:
        ls = report["local_server"]
        out.print(f"  local server pid {ls['pid']}: {'running' if ls['running'] else 'not running'}, "
                  f"{'healthy' if ls['healthy'] else 'not answering'}; data {ls['data_dir']}; log {ls['log']}")
    out.print(f"  token accepted: {report.get('token_accepted')}" +
              (f" (user {report['user']})" if report.get("user") else f" ({report.get('error', '')})"))
    for p in report["projects"]:
        out.print(f"  project {p['project_id']} {p['title']!r}: {p['tasks']} tasks pushed from this lake")


@labelstudio_app.command("oracle")
def oracle(
    ctx: typer.Context,
    project: str = typer.Option(..., help="Project title."),
    limit: Optional[int] = typer.Option(None, help="Answer at most this many open tasks."),
    as_json: bool = JSON,
) -> None:
    """Answer a project's open tasks from ground truth through the API, as an annotator would (simulation/demo)."""
    from curation.jobs.labelstudio import answer_open_tasks

    lake = get_lake(ctx)
    client, _ = _client(lake)
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("oracle", total=None)
            summary = answer_open_tasks(lake, client, project, limit=limit,
                                        progress=lambda done, total: bar.update(task, completed=done, total=total))
    except _known_errors() as exc:
        raise _fail(exc) from None
    out.print(f"oracle: {summary.answered} of {summary.open} open tasks answered in project {summary.project_title!r} "
              f"(id {summary.project_id}, {summary.tasks} tasks)" +
              (f"; skipped {summary.skipped}: {summary.reasons}" if summary.skipped else ""))
    if as_json:
        print_json(summary.as_dict())


def _push_command(ctx, run_id, project, batch_size, no_predictions, document_root, image_url_prefix, as_json):
    from curation.jobs.labelstudio import push as push_job
    from curation.jobs.runs import Run

    lake = get_lake(ctx)
    client, state = _client(lake)
    hosting = _hosting(lake, state, document_root, image_url_prefix)
    if no_predictions:
        predictor, source = None, "--no-predictions: tasks are pushed without pre-annotations"
    else:
        predictor, source = _load_predictor(lake)
    console.print(source, highlight=False)
    config = {"selection_run": run_id, "project": project, "url": client.url, "batch_size": batch_size,
              "document_root": str(hosting.document_root), "image_url_prefix": hosting.url_prefix,
              "pre_annotations": predictor is not None}
    try:
        with Run(lake, "push", config) as run, Progress(console=console, transient=True) as bar:
            task = bar.add_task("import", total=None)
            summary = push_job(lake, client, run_id, project, hosting=hosting, predictor=predictor,
                               batch_size=batch_size,
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
            run.counts = summary.as_dict()
            run.stage_done("push", imported=summary.imported, reconciled=summary.reconciled)
    except _known_errors() as exc:
        raise _fail(exc) from None
    table = Table("selected", "already pushed", "reconciled", "imported", "with pre-annotation", "quarantined",
                  title=f"push {run_id} -> project {summary.project_title!r} (id {summary.project_id}) at {client.url}")
    table.add_row(*(str(x) for x in (summary.selected, summary.already_pushed, summary.reconciled, summary.imported,
                                     summary.with_predictions, summary.quarantined)))
    console.print(table)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if as_json:
        print_json({"run_id": run.run_id, **summary.as_dict()})


def _pull_command(ctx, project, rule, as_json):
    from curation.jobs.labelstudio import pull as pull_job
    from curation.jobs.runs import Run

    lake = get_lake(ctx)
    client, _ = _client(lake)
    try:
        with Run(lake, "pull", {"project": project, "rule": rule, "url": client.url}) as run:
            summary = pull_job(lake, client, project, rule=rule, run_id=run.run_id)
            run.counts = summary.as_dict()
            run.stage_done("pull", written=summary.written, replaced=summary.replaced, quarantined=summary.quarantined)
    except _known_errors() as exc:
        raise _fail(exc) from None
    table = Table("annotated tasks", "new labels", "replaced", "unchanged", "cancelled only", "quarantined",
                  title=f"pull {', '.join(summary.projects)} from {client.url}")
    table.add_row(*(str(x) for x in (summary.annotated, summary.written, summary.replaced, summary.unchanged,
                                     summary.cancelled_only, summary.quarantined)))
    console.print(table)
    if summary.quarantined:
        console.print(f"[yellow]{summary.quarantined} annotations quarantined[/yellow] ({summary.reasons}): see "
                      "`curate sql \"SELECT uri, reason FROM quarantine WHERE stage = 'pull'\"`", highlight=False)
    if as_json:
        print_json({"run_id": run.run_id, **summary.as_dict()})


def register(app: typer.Typer) -> None:
    app.add_typer(labelstudio_app, name="labelstudio")

    @app.command()
    def push(
        ctx: typer.Context,
        run_id: str = typer.Option(..., "--run", help="The selection run whose frames to push."),
        project: Optional[str] = typer.Option(None, help="Project title (default: curation-<class list>-<kind>); "
                                                         "created if missing."),
        batch_size: int = typer.Option(50, help="Tasks per import request."),
        no_predictions: bool = typer.Option(False, "--no-predictions", help="Push without pre-annotations."),
        document_root: Optional[Path] = typer.Option(None, help=f"Folder the server serves images from "
                                                                f"(default: ${ENV_DOCUMENT_ROOT} or the local server's)."),
        image_url_prefix: Optional[str] = typer.Option(None, help="URL under which the document root is served "
                                                                  "(instead of a local storage)."),
        as_json: bool = JSON,
    ) -> None:
        """Send a selection run's frames to Label Studio as tasks with pre-annotations, each frame exactly once."""
        _push_command(ctx, run_id, project, batch_size, no_predictions, document_root, image_url_prefix, as_json)

    @app.command()
    def pull(
        ctx: typer.Context,
        project: Optional[str] = typer.Option(None, help="Project title (default: every project this lake pushed to)."),
        rule: str = typer.Option("latest", help="Which annotation of a task counts: latest or earliest."),
        as_json: bool = JSON,
    ) -> None:
        """Bring finished annotations back as labels (source = human); bad ones are quarantined with the reason."""
        _pull_command(ctx, project, rule, as_json)
