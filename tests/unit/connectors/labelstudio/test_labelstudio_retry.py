"""Bounded retries with backoff for reads; which failures count as retryable; error messages."""

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError

from connectors.labelstudio.client import LabelStudioClient, is_retryable
from connectors.labelstudio.errors import (
    LabelStudioApiError,
    LabelStudioAuthError,
    LabelStudioError,
    LabelStudioUnavailable,
)
from connectors.labelstudio.retry import RetryPolicy, call_with_retries
from connectors.labelstudio.server import free_port

TOKEN = "0123456789abcdef0123456789abcdef01234567"


def test_delays_double_and_are_capped():
    assert RetryPolicy(attempts=5, base_delay_s=0.5, max_delay_s=1.5).delays() == [0.5, 1.0, 1.5, 1.5]
    assert RetryPolicy(attempts=1).delays() == []
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


def test_succeeds_after_transient_failures_sleeping_the_backoff():
    calls, slept = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "ok"

    out = call_with_retries(flaky, RetryPolicy(attempts=4, base_delay_s=0.1), lambda e: True, sleep=slept.append)
    assert out == "ok" and len(calls) == 3 and slept == [0.1, 0.2]


def test_gives_up_after_the_last_attempt_with_the_last_error():
    slept = []
    errors = iter([KeyError("1"), KeyError("2"), KeyError("3")])

    def always():
        raise next(errors)

    with pytest.raises(KeyError, match="3"):
        call_with_retries(always, RetryPolicy(attempts=3, base_delay_s=1), lambda e: True, sleep=slept.append)
    assert slept == [1, 2]


def test_non_retryable_error_is_raised_at_once():
    slept = []

    def bad():
        raise ValueError("no")

    with pytest.raises(ValueError):
        call_with_retries(bad, RetryPolicy(attempts=5), lambda e: False, sleep=slept.append)
    assert slept == []


@pytest.mark.parametrize(
    "exc, expected",
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("dropped"), True),
        (ApiError(status_code=503, body="busy"), True),
        (ApiError(status_code=500, body="boom"), True),
        (ApiError(status_code=429, body="slow down"), True),
        (ApiError(status_code=400, body="bad"), False),
        (ApiError(status_code=401, body="token"), False),
        (ApiError(status_code=404, body="gone"), False),
        (ValueError("x"), False),
    ],
)
def test_what_is_retryable(exc, expected):
    assert is_retryable(exc) is expected


def client():
    return LabelStudioClient("http://127.0.0.1:9/", TOKEN, retry=RetryPolicy(attempts=2, base_delay_s=0),
                             sleep=lambda s: None)


def test_errors_name_url_operation_and_fix_never_the_token():
    c = client()
    down = c._error(httpx.ConnectError("refused"), "listing projects")
    assert isinstance(down, LabelStudioUnavailable)
    assert "http://127.0.0.1:9 is not reachable" in str(down) and "while listing projects" in str(down)
    assert "curate labelstudio up" in str(down) and "LABEL_STUDIO_URL" in str(down)
    auth = c._error(ApiError(status_code=401, body={"detail": "Invalid token."}), "listing projects")
    assert isinstance(auth, LabelStudioAuthError) and "Invalid token." in str(auth) and "LABEL_STUDIO_API_KEY" in str(auth)
    api = c._error(ApiError(status_code=400, body={"detail": "Validation error", "validation_errors": {"x": ["bad"]}}),
                   "importing")
    assert isinstance(api, LabelStudioApiError) and api.status_code == 400 and "bad" in str(api)
    for err in (down, auth, api):
        assert TOKEN not in str(err)
    assert TOKEN not in repr(c)


def test_a_read_against_a_closed_port_retries_then_names_the_server():
    slept = []
    port = free_port()  # nothing listens there
    c = LabelStudioClient(f"http://127.0.0.1:{port}", TOKEN, retry=RetryPolicy(attempts=3, base_delay_s=0.01),
                          sleep=slept.append, timeout_s=5)
    with pytest.raises(LabelStudioUnavailable, match=f"127.0.0.1:{port} is not reachable .* while checking the API token"):
        c.whoami()
    assert slept == [0.01, 0.02]


def test_client_refuses_missing_url_scheme_or_token():
    with pytest.raises(LabelStudioError, match="http://"):
        LabelStudioClient("localhost:8080", TOKEN)
    with pytest.raises(LabelStudioAuthError, match="LABEL_STUDIO_API_KEY"):
        LabelStudioClient("http://localhost:8080", "")
