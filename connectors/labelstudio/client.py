"""The one place that talks to a Label Studio server (through label-studio-sdk 2.x).

- Reads (listing projects, tasks, users) are retried with bounded exponential backoff on connection
  errors, timeouts and HTTP 5xx/408/429.
- Writes (creating projects and storages, importing tasks, creating annotations) are sent once: the SDK's
  own retries are switched off for every call, because a repeated import creates duplicate tasks (Label
  Studio does not deduplicate) and a lost reply does not mean the write did not happen.
- Every failure becomes a LabelStudioError whose message names the server URL, the operation and what to
  do. The API token is held by the SDK client only; it is never part of a message, a repr or a log line.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterator, Optional, Sequence

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from connectors.labelstudio.errors import (
    ImportOutcomeUnknown,
    LabelStudioApiError,
    LabelStudioAuthError,
    LabelStudioError,
    LabelStudioUnavailable,
)
from connectors.labelstudio.retry import RetryPolicy, call_with_retries

log = logging.getLogger(__name__)
PAGE_SIZE = 100
RETRYABLE_STATUS = {408, 429}
UNCERTAINTY_SAMPLING = "Uncertainty sampling"


def is_retryable(exc: BaseException) -> bool:
    """True for failures a read may be repeated after: no connection, timeout, dropped reply, 5xx/408/429."""
    if isinstance(exc, (httpx.TransportError,)):  # ConnectError, timeouts, RemoteProtocolError, ReadError
        return True
    if isinstance(exc, ApiError):
        return exc.status_code is not None and (exc.status_code >= 500 or exc.status_code in RETRYABLE_STATUS)
    return False


def _detail(body: Any) -> str:
    """A short, token-free summary of an error reply body."""
    if isinstance(body, dict):
        parts = [str(body.get("detail") or "")]
        if body.get("validation_errors"):
            parts.append(str(body["validation_errors"]))
        text = ": ".join(p for p in parts if p)
    else:
        text = str(body or "")
    text = " ".join(text.split())
    return text[:500] + ("..." if len(text) > 500 else "")


class LabelStudioClient:
    """A Label Studio server at `url`, used with `api_key` (legacy token or personal access token).

    retry: how reads are retried. timeout_s: per-request timeout. sleep: injectable for tests.
    """

    def __init__(self, url: str, api_key: str, retry: RetryPolicy = RetryPolicy(), timeout_s: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep):
        if not url or not url.startswith(("http://", "https://")):
            raise LabelStudioError(f"Label Studio URL must start with http:// or https://, got {url!r}: set "
                                   "LABEL_STUDIO_URL, e.g. http://127.0.0.1:8080", url=url)
        if not api_key:
            raise LabelStudioAuthError(f"no API token for Label Studio at {url}: set LABEL_STUDIO_API_KEY "
                                       "(Label Studio: Account & Settings > Access Token)", url=url)
        self.url = url.rstrip("/")
        self.retry, self.timeout_s, self._sleep = retry, timeout_s, sleep
        self._sdk = LabelStudio(base_url=self.url, api_key=api_key, timeout=timeout_s)
        self._users: Optional[dict[int, str]] = None

    def __repr__(self) -> str:  # never shows the token
        return f"LabelStudioClient(url={self.url!r})"

    # ------------------------------------------------------------------ plumbing
    @property
    def _once(self) -> dict[str, Any]:
        return {"max_retries": 0, "timeout_in_seconds": int(self.timeout_s)}

    def _error(self, exc: BaseException, operation: str) -> LabelStudioError:
        url = self.url
        if isinstance(exc, httpx.ConnectError):
            return LabelStudioUnavailable(
                f"Label Studio at {url} is not reachable (connection refused) while {operation}: start it with "
                "`curate labelstudio up` or set LABEL_STUDIO_URL to a running server", url, operation)
        if isinstance(exc, httpx.TimeoutException):
            return LabelStudioUnavailable(
                f"Label Studio at {url} did not answer within {self.timeout_s:.0f} s while {operation}: check the "
                "server (`curate labelstudio status`) and try again", url, operation)
        if isinstance(exc, httpx.TransportError):
            return LabelStudioUnavailable(
                f"Label Studio at {url} dropped the connection ({type(exc).__name__}) while {operation}: check "
                "the server (`curate labelstudio status`) and try again", url, operation)
        if isinstance(exc, ApiError):
            code, detail = exc.status_code, _detail(exc.body)
            if code in (401, 403):
                return LabelStudioAuthError(
                    f"Label Studio at {url} refused the API token (HTTP {code}: {detail or 'no detail'}) while "
                    f"{operation}: set LABEL_STUDIO_API_KEY to a valid token (Label Studio: Account & Settings > "
                    "Access Token), or unset it to use the local server's preset token", url, operation)
            return LabelStudioApiError(
                f"Label Studio at {url} answered HTTP {code} while {operation}: {detail or 'no detail'}",
                url, operation, status_code=code, detail=detail)
        return LabelStudioError(f"Label Studio at {url}: unexpected {type(exc).__name__} while {operation}: {exc}",
                                url, operation)

    def _read(self, operation: str, fn: Callable[[], Any]) -> Any:
        """Run a read with bounded retries; failures become LabelStudioError."""
        def on_retry(attempt: int, exc: BaseException, delay: float) -> None:
            log.warning("Label Studio at %s: %s failed (%s), retry %d/%d in %.1f s", self.url, operation,
                        type(exc).__name__ if not isinstance(exc, ApiError) else f"HTTP {exc.status_code}",
                        attempt, self.retry.attempts - 1, delay)

        try:
            return call_with_retries(fn, self.retry, is_retryable, sleep=self._sleep, on_retry=on_retry)
        except (httpx.HTTPError, ApiError) as exc:
            raise self._error(exc, operation) from None

    def _write(self, operation: str, fn: Callable[[], Any]) -> Any:
        """Run a write exactly once; failures become LabelStudioError."""
        try:
            return fn()
        except (httpx.HTTPError, ApiError) as exc:
            raise self._error(exc, operation) from None

    def _pages(self, operation: str, fetch: Callable[[int], Any]) -> Iterator[Any]:
        """Items of a page-numbered listing; each page is its own retried read."""
        page, seen = 1, 0
        while True:
            def one(page=page):
                try:
                    return fetch(page)
                except ApiError as exc:
                    if exc.status_code == 404 and page > 1:  # DRF: "Invalid page." past the end
                        return None
                    raise

            pager = self._read(f"{operation} (page {page})", one)
            if pager is None or not pager.items:
                return
            yield from pager.items
            seen += len(pager.items)
            total = getattr(pager.response, "total", None) or getattr(pager.response, "count", None)
            if len(pager.items) < PAGE_SIZE or (total is not None and seen >= total):
                return
            page += 1

    # ------------------------------------------------------------------ reads
    def whoami(self) -> dict[str, Any]:
        """The user the token belongs to ({id, email, ...}); also checks the server and the token."""
        user = self._read("checking the API token", lambda: self._sdk.users.whoami(request_options=self._once))
        return user.model_dump(mode="json")

    def user_emails(self) -> dict[int, str]:
        """User id -> e-mail of the organisation's users (cached per client)."""
        if self._users is None:
            users = self._read("listing users", lambda: self._sdk.users.list(request_options=self._once))
            self._users = {int(u.id): u.email or u.username or f"user:{u.id}" for u in users}
        return self._users

    def projects_titled(self, title: str) -> list[dict[str, Any]]:
        """Projects whose title is exactly `title` ({id, title, label_config, ...}), by id."""
        found = self._pages(
            f"looking up project {title!r}",
            lambda page: self._sdk.projects.list(title=title, page=page, page_size=PAGE_SIZE,
                                                 request_options=self._once),
        )
        return sorted((p.model_dump(mode="json") for p in found if p.title == title), key=lambda p: p["id"])

    def project(self, project_id: int) -> dict[str, Any]:
        """One project ({id, title, label_config, model_version, task_number, ...})."""
        p = self._read(f"reading project {project_id}",
                       lambda: self._sdk.projects.get(id=project_id, request_options=self._once))
        return p.model_dump(mode="json")

    def tasks(self, project_id: int, with_annotations: bool = False) -> Iterator[dict[str, Any]]:
        """Every task of a project as a dict: id, data, total_annotations, cancelled_annotations; with
        `with_annotations` also the annotations (and predictions) inline."""
        fields = "all" if with_annotations else "task_only"
        for task in self._pages(
            f"listing the tasks of project {project_id}",
            lambda page: self._sdk.tasks.list(project=project_id, fields=fields, page=page, page_size=PAGE_SIZE,
                                              request_options=self._once),
        ):
            yield task.model_dump(mode="json")

    def local_storages(self, project_id: int) -> list[dict[str, Any]]:
        storages = self._read(f"listing the local storages of project {project_id}",
                              lambda: self._sdk.import_storage.local.list(project=project_id,
                                                                          request_options=self._once))
        return [s.model_dump(mode="json") for s in storages]

    # ------------------------------------------------------------------ writes (never retried)
    def create_project(self, title: str, label_config: str, description: str = "") -> dict[str, Any]:
        """Create a project; annotators get the least confident pre-annotation first (uncertainty sampling)."""
        p = self._write(
            f"creating project {title!r}",
            lambda: self._sdk.projects.create(title=title, label_config=label_config, description=description,
                                              sampling=UNCERTAINTY_SAMPLING, request_options=self._once),
        )
        return p.model_dump(mode="json")

    def set_model_version(self, project_id: int, model_version: str) -> None:
        """Make `model_version`'s predictions the ones the editor shows as pre-annotations."""
        self._write(f"setting the model version of project {project_id}",
                    lambda: self._sdk.projects.update(id=project_id, model_version=model_version,
                                                      request_options=self._once))

    def create_local_storage(self, project_id: int, path: str, title: str) -> dict[str, Any]:
        """Let the server serve files under `path` (inside its LOCAL_FILES_DOCUMENT_ROOT). Never synced:
        a sync would create one task per file, bypassing the exactly-once ledger."""
        s = self._write(
            f"connecting local storage {path} to project {project_id}",
            lambda: self._sdk.import_storage.local.create(project=project_id, path=path, title=title,
                                                          use_blob_urls=True, request_options=self._once),
        )
        return s.model_dump(mode="json")

    def import_tasks(self, project_id: int, tasks: Sequence[dict[str, Any]]) -> list[int]:
        """Import tasks (with their predictions) in one request; returns the new task ids in input order.

        Sent once. A refused connection raises LabelStudioUnavailable (nothing was imported); any failure
        after the request may have reached the server raises ImportOutcomeUnknown: reconcile by frame_id
        before importing again.
        """
        operation = f"importing {len(tasks)} tasks into project {project_id}"
        try:
            reply = self._sdk.projects.import_tasks(id=project_id, request=list(tasks), return_task_ids=True,
                                                    commit_to_project=True, request_options=self._once)
        except httpx.ConnectError as exc:
            raise self._error(exc, operation) from None
        except httpx.TransportError as exc:
            raise ImportOutcomeUnknown(
                f"Label Studio at {self.url} failed during {operation} ({type(exc).__name__}); the tasks may or may "
                "not have been created: run the push again, it reconciles the server's tasks by frame_id and "
                "imports only what is missing", self.url, operation) from None
        except ApiError as exc:
            if exc.status_code is not None and exc.status_code >= 500:
                raise ImportOutcomeUnknown(
                    f"Label Studio at {self.url} answered HTTP {exc.status_code} during {operation} "
                    f"({_detail(exc.body) or 'no detail'}); the tasks may or may not have been created: run the "
                    "push again, it reconciles by frame_id first", self.url, operation) from None
            raise self._error(exc, operation) from None
        ids = list(getattr(reply, "task_ids", None) or [])
        if len(ids) != len(tasks):
            raise ImportOutcomeUnknown(
                f"Label Studio at {self.url} reported {len(ids)} task ids for {operation} (expected {len(tasks)}): "
                "run the push again, it reconciles by frame_id", self.url, operation)
        return [int(i) for i in ids]

    def create_annotation(self, task_id: int, result: list[dict[str, Any]], lead_time_s: float | None = None,
                          was_cancelled: bool = False) -> dict[str, Any]:
        """Submit an annotation for a task, as the token's user (what the editor's Submit button does)."""
        extra = {"lead_time": lead_time_s} if lead_time_s is not None else {}
        a = self._write(
            f"annotating task {task_id}",
            lambda: self._sdk.annotations.create(id=task_id, result=result, was_cancelled=was_cancelled,
                                                 request_options=self._once, **extra),
        )
        return a.model_dump(mode="json")
