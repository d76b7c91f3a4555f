"""Errors raised when talking to Label Studio. Each names the server, the operation and what to do next.

None of them ever carries the API token: messages are built from the URL, the operation and the
server's reply body, never from request headers.
"""

from __future__ import annotations


class LabelStudioError(Exception):
    """Something went wrong with Label Studio. `url` is the server, `operation` what we were doing."""

    def __init__(self, message: str, url: str = "", operation: str = ""):
        super().__init__(message)
        self.url, self.operation = url, operation


class LabelStudioUnavailable(LabelStudioError):
    """The server could not be reached (connection refused, timeout, connection dropped)."""


class LabelStudioAuthError(LabelStudioError):
    """The server refused the API token (HTTP 401/403)."""


class LabelStudioApiError(LabelStudioError):
    """The server answered with an HTTP error. `status_code` and `detail` come from its reply."""

    def __init__(self, message: str, url: str = "", operation: str = "", status_code: int | None = None,
                 detail: str = ""):
        super().__init__(message, url, operation)
        self.status_code, self.detail = status_code, detail


class ImportOutcomeUnknown(LabelStudioUnavailable):
    """An import request failed in a way that leaves open whether the server created the tasks.

    Never retried automatically: the next push reconciles the server's tasks by `frame_id` first.
    """


class LabelConfigError(ValueError):
    """A labeling configuration is not valid or does not match the class list. Lists every problem."""


class AnnotationRejected(ValueError):
    """An annotation cannot become a label (unknown class name, wrong mask size, ...). `reason` is short
    and is stored in the quarantine table."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ServerSetupError(Exception):
    """The local Label Studio server could not be installed, started or stopped. Says why and what to do."""
