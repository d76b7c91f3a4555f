"""A real Label Studio server for the integration tests, started once per session.

The server comes from the same functions `curate labelstudio up` uses: Label Studio is installed into
its own virtual environment if missing (about a minute, needs the package index), a migrated template
data dir is made once and cached under `.cache/`, and each session starts from a copy of it (a few
seconds). If Label Studio cannot be installed or started, the tests fail with the reason: they exist to
run against the real server, so they never skip silently.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import pytest

from connectors.labelstudio import server
from connectors.labelstudio.client import LabelStudioClient
from connectors.labelstudio.errors import ServerSetupError
from connectors.labelstudio.retry import RetryPolicy
from curation.jobs.labelstudio import ImageHosting

UTC = dt.timezone.utc


def _start(root: Path) -> server.ServerInfo:
    try:
        server.ensure_installed(progress=print)
        server.ensure_template(progress=print)
        return server.start(root / "data", root / "files")
    except ServerSetupError as exc:
        pytest.fail(f"the Label Studio integration tests need a real server and none could be started: {exc}",
                    pytrace=False)


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory) -> Iterator[server.ServerInfo]:
    """One real Label Studio on 127.0.0.1 for the session: ServerInfo with .url, .token, .document_root."""
    info = _start(tmp_path_factory.mktemp("labelstudio"))
    try:
        yield info
    finally:
        server.stop(info)


@pytest.fixture
def private_server(tmp_path) -> Iterator[server.ServerInfo]:
    """A server of this test's own (for tests that stop it); stopped at the end whatever happened."""
    holder = {"info": _start(tmp_path / "private-ls")}
    try:
        yield holder["info"]
    finally:
        server.stop(holder["info"])


@pytest.fixture
def ls_client(ls_server) -> LabelStudioClient:
    return LabelStudioClient(ls_server.url, ls_server.token, retry=RetryPolicy(attempts=3, base_delay_s=0.2))


@pytest.fixture
def hosting(ls_server) -> ImageHosting:
    return ImageHosting(Path(ls_server.document_root))


@pytest.fixture
def project_title(request) -> str:
    """A project title unique to the test (the session's server is shared)."""
    return f"it-{request.node.name[5:35]}-{dt.datetime.now(UTC):%H%M%S%f}"  # Label Studio allows 50 characters
