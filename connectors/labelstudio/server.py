"""A local Label Studio server the platform starts itself: for tests, the demo and a developer's laptop.

- Label Studio lives in its own virtual environment (`.ls-venv/` beside the checkout), never in the
  project's: it pins Django and friends that the platform must not inherit.
- The first start migrates a fresh SQLite database (~30 s). That database, with a generated admin user
  and API token, is kept as a template (`.cache/labelstudio-template-<version>/`); every later data dir
  starts as a copy of it, which brings a start down to a few seconds.
- The server runs on 127.0.0.1 in a clean environment (Label Studio reads plain USERNAME/PORT/HOST
  variables, so nothing of the caller's environment is passed on), in its own process group, with
  its output in `<data dir>/server.log`.
- Credentials (username, password, token) live in `<data dir>/credentials.json` (mode 0600). They are
  dev credentials of a server only reachable from this machine; the token is never printed.

`curate labelstudio up|down|status` and the integration tests' fixture use the same functions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from connectors.labelstudio.errors import ServerSetupError

LS_VERSION = "1.23.2"
REPO_ROOT = Path(__file__).resolve().parents[2]
# The one place the Label Studio virtual environment's location is set (git-ignored).
LS_VENV = REPO_ROOT / ".ls-venv"
CACHE_DIR = REPO_ROOT / ".cache"
TEMPLATE_DIR = CACHE_DIR / f"labelstudio-template-{LS_VERSION}"
HOST = "127.0.0.1"
CREDENTIALS_FILE = "credentials.json"
LOG_FILE = "server.log"
DB_FILE = "label_studio.sqlite3"
START_TIMEOUT_S = 300.0
INSTALL_TIMEOUT_S = 1800.0

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class Credentials:
    """The preset admin of a local server. Password and token are left out of repr()."""

    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)

    @classmethod
    def generate(cls) -> "Credentials":
        return cls(username="curator@fleet-curation.local", password=secrets.token_urlsafe(12),
                   token=secrets.token_hex(20))

    def save(self, path: Path) -> None:
        _write_private(path, json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path) -> "Credentials":
        try:
            raw = json.loads(path.read_text())
            return cls(username=raw["username"], password=raw["password"], token=raw["token"])
        except (OSError, ValueError, KeyError) as exc:
            raise ServerSetupError(f"cannot read Label Studio credentials from {path}: {exc}") from None


@dataclass
class ServerInfo:
    """A local server the platform started: where it listens, its process, its files and credentials."""

    url: str
    port: int
    pid: int
    data_dir: str
    document_root: str
    log_path: str
    started_at: str
    version: str = LS_VERSION
    credentials: Optional[Credentials] = field(default=None, repr=False)

    @property
    def token(self) -> str:
        return self.credentials.token if self.credentials else ""

    def to_json(self) -> str:
        raw = asdict(self)
        return json.dumps(raw, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "ServerInfo":
        raw = json.loads(text)
        creds = raw.pop("credentials", None)
        return cls(**raw, credentials=Credentials(**creds) if creds else None)


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def save_state(path: Path, info: ServerInfo) -> None:
    """Write the state file of a server (it holds the dev token: mode 0600, never inside lake tables)."""
    _write_private(path, info.to_json())


def load_state(path: Path) -> Optional[ServerInfo]:
    """The state file's ServerInfo, or None if there is none."""
    if not path.exists():
        return None
    try:
        return ServerInfo.from_json(path.read_text())
    except (OSError, ValueError, TypeError) as exc:
        raise ServerSetupError(f"cannot read the Label Studio state file {path}: {exc}; delete it and run "
                               "`curate labelstudio up` again") from None


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / f"{name}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------------- install
def executable(venv: Path = LS_VENV) -> Path:
    return venv / "bin" / "label-studio"


def installed_version(venv: Path = LS_VENV) -> Optional[str]:
    """The label-studio version installed in `venv`, or None."""
    python = venv / "bin" / "python"
    if not python.exists() or not executable(venv).exists():
        return None
    probe = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
                           capture_output=True, text=True, timeout=60)
    return probe.stdout.strip() or None if probe.returncode == 0 else None


def ensure_installed(venv: Path = LS_VENV, version: str = LS_VERSION, progress: Progress = _quiet) -> Path:
    """Install label-studio==`version` into its own virtual environment `venv` unless it is there.

    Returns the `label-studio` executable. Takes about a minute and ~1 GB the first time (network needed);
    raises ServerSetupError with pip's last lines when it cannot.
    """
    with _lock("ls-venv"):
        if installed_version(venv) == version:
            return executable(venv)
        progress(f"installing label-studio=={version} into {venv} (its own virtual environment; about a minute)")
        if not (venv / "bin" / "python").exists():
            made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
            if made.returncode != 0:
                raise ServerSetupError(f"could not create the virtual environment {venv}: {made.stderr.strip()[-800:]}")
        pip = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             f"label-studio=={version}"],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S,
        )
        if pip.returncode != 0 or installed_version(venv) != version:
            tail = "\n".join(line for line in (pip.stderr or pip.stdout).splitlines()
                             if "is ignored: it is neither a file nor a directory" not in line)[-1500:]
            raise ServerSetupError(
                f"could not install label-studio=={version} into {venv} (pip exit {pip.returncode}); it needs "
                f"network access to the package index. pip said:\n{tail}"
            )
        return executable(venv)


# ---------------------------------------------------------------------- processes
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _clean_env(venv: Path, data_dir: Path, document_root: Path, creds: Credentials) -> dict[str, str]:
    # Built from scratch: Label Studio also reads unprefixed USERNAME, PORT, HOST, which a caller's shell sets.
    return {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(data_dir / ".home"),
        "LANG": "C.UTF-8",
        "DJANGO_DB": "sqlite",
        "LABEL_STUDIO_USERNAME": creds.username,
        "LABEL_STUDIO_PASSWORD": creds.password,
        "LABEL_STUDIO_USER_TOKEN": creds.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LOCAL_FILES_SERVING_ENABLED": "true",
        "LOCAL_FILES_DOCUMENT_ROOT": str(document_root),
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
    }


_children: dict[int, subprocess.Popen] = {}


def _http_status(url: str, token: Optional[str] = None, timeout: float = 3.0) -> Optional[int]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def health(url: str) -> bool:
    """True when the server at `url` answers its health check."""
    return _http_status(url.rstrip("/") + "/health/") == 200


def token_works(url: str, token: str) -> Optional[bool]:
    """True/False when the server accepts/refuses the token; None when it does not answer."""
    status = _http_status(url.rstrip("/") + "/api/current-user/whoami", token)
    return None if status is None else status == 200


def _log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def is_running(info: ServerInfo) -> bool:
    """True when the recorded process is alive and is that Label Studio (pids get reused)."""
    child = _children.get(info.pid)
    if child is not None and child.poll() is not None:
        return False
    try:
        cmdline = Path(f"/proc/{info.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        state = Path(f"/proc/{info.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and "label-studio" in cmdline and info.data_dir in cmdline


def _launch(data_dir: Path, document_root: Path, port: int, creds: Credentials, venv: Path) -> subprocess.Popen:
    exe = executable(venv)
    if not exe.exists():
        raise ServerSetupError(f"label-studio is not installed in {venv}: run `curate labelstudio up` (it installs it)")
    (data_dir / ".home").mkdir(parents=True, exist_ok=True)
    log = open(data_dir / LOG_FILE, "ab")
    try:
        proc = subprocess.Popen(
            [str(exe), "start", "--no-browser", "--internal-host", HOST, "--port", str(port), "--data-dir", str(data_dir)],
            env=_clean_env(venv, data_dir, document_root, creds), cwd=str(data_dir), stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    finally:
        log.close()
    _children[proc.pid] = proc
    return proc


def _wait_ready(proc: subprocess.Popen, url: str, creds: Credentials, log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerSetupError(f"Label Studio exited with code {proc.returncode} while starting; its log "
                                   f"({log_path}) ends with:\n{_log_tail(log_path)}")
        if health(url):
            works = token_works(url, creds.token)
            if works:
                return
            if works is False:
                _terminate(proc.pid)
                raise ServerSetupError(
                    f"Label Studio at {url} started but refused the preset token of its data dir: the data dir "
                    f"was not made by the platform; start with a fresh --data-dir")
        time.sleep(0.5)
    _terminate(proc.pid)
    raise ServerSetupError(f"Label Studio did not answer at {url} within {timeout_s:.0f} s; its log ({log_path}) "
                           f"ends with:\n{_log_tail(log_path)}")


def _terminate(pid: int, timeout_s: float = 20.0) -> None:
    """SIGTERM the server's process group, then SIGKILL after `timeout_s`; reap it if it is our child."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    child = _children.pop(pid, None)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child is not None:
            if child.poll() is not None:
                return
        elif not Path(f"/proc/{pid}").exists():
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    if child is not None:
        child.wait(timeout=10)


# ---------------------------------------------------------------------- template, start, stop
def ensure_template(venv: Path = LS_VENV, template: Path = TEMPLATE_DIR, progress: Progress = _quiet) -> Path:
    """A migrated data dir with a preset admin and token, made once (cold start ~30 s) and then reused."""
    with _lock("labelstudio-template"):
        if (template / DB_FILE).exists() and (template / CREDENTIALS_FILE).exists():
            return template
        progress(f"migrating a fresh Label Studio database once (~30 s); kept as a template in {template}")
        staging = template.with_name(f".{template.name}.tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        data_dir, doc_root = staging / "data", staging / "files"
        data_dir.mkdir(parents=True)
        doc_root.mkdir()
        creds = Credentials.generate()
        port = free_port()
        proc = _launch(data_dir, doc_root, port, creds, venv)
        try:
            _wait_ready(proc, f"http://{HOST}:{port}", creds, data_dir / LOG_FILE, START_TIMEOUT_S)
        finally:
            _terminate(proc.pid)
        creds.save(data_dir / CREDENTIALS_FILE)
        (data_dir / LOG_FILE).unlink(missing_ok=True)
        shutil.rmtree(template, ignore_errors=True)
        template.parent.mkdir(parents=True, exist_ok=True)
        data_dir.replace(template)
        shutil.rmtree(staging, ignore_errors=True)
        return template


def start(data_dir: Path, document_root: Path, port: Optional[int] = None, venv: Path = LS_VENV,
          template: Path = TEMPLATE_DIR, timeout_s: float = START_TIMEOUT_S, progress: Progress = _quiet) -> ServerInfo:
    """Start a server on 127.0.0.1 from `data_dir` (a copy of the template when it is new) and wait until
    it accepts its token. `port=None` picks a free port; a busy port is an error (Label Studio would
    silently move to the next one)."""
    data_dir, document_root = Path(data_dir).resolve(), Path(document_root).resolve()
    ensure_installed(venv, progress=progress)
    if not (data_dir / DB_FILE).exists():
        if data_dir.exists() and any(data_dir.iterdir()):
            raise ServerSetupError(f"{data_dir} is not empty and holds no Label Studio database: pass an empty or "
                                   "new --data-dir")
        source = ensure_template(venv, template, progress)
        shutil.copytree(source, data_dir, dirs_exist_ok=True)
    if not (data_dir / CREDENTIALS_FILE).exists():
        raise ServerSetupError(f"{data_dir} has a Label Studio database but no {CREDENTIALS_FILE}: it was not made by "
                               "the platform; pass a new --data-dir, or point LABEL_STUDIO_URL/LABEL_STUDIO_API_KEY "
                               "at that server instead")
    creds = Credentials.load(data_dir / CREDENTIALS_FILE)
    document_root.mkdir(parents=True, exist_ok=True)
    if port is None:
        port = free_port()
    elif not port_is_free(port):
        raise ServerSetupError(f"port {port} on {HOST} is already in use: pass another --port (or none, for a free one)")
    url = f"http://{HOST}:{port}"
    progress(f"starting Label Studio {LS_VERSION} at {url} (data: {data_dir})")
    proc = _launch(data_dir, document_root, port, creds, venv)
    _wait_ready(proc, url, creds, data_dir / LOG_FILE, timeout_s)
    return ServerInfo(url=url, port=port, pid=proc.pid, data_dir=str(data_dir), document_root=str(document_root),
                      log_path=str(data_dir / LOG_FILE),
                      started_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), credentials=creds)


def stop(info: ServerInfo, timeout_s: float = 20.0) -> bool:
    """Stop the server `info` describes. Returns False when it was not running."""
    if not is_running(info):
        _children.pop(info.pid, None)
        return False
    _terminate(info.pid, timeout_s)
    return True


def restart(info: ServerInfo, port: Optional[int] = None, venv: Path = LS_VENV,
            timeout_s: float = START_TIMEOUT_S) -> ServerInfo:
    """Start again a stopped server from its data dir (same credentials, same document root)."""
    if is_running(info):
        raise ServerSetupError(f"Label Studio at {info.url} (pid {info.pid}) is still running: stop it first")
    return start(Path(info.data_dir), Path(info.document_root), port=port, venv=venv, timeout_s=timeout_s)
