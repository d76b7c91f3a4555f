"""Bounded retries with exponential backoff, for requests that only read.

Writes (imports, annotations, project changes) are never retried here: a write whose reply was lost may
still have happened on the server, and repeating it would duplicate tasks. Reads are safe to repeat.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a read is tried and how long to wait between tries.

    attempts: total tries (1 = no retry). Delay before try k+1 (k >= 1) is
    min(base_delay_s * 2**(k-1), max_delay_s) seconds.
    """

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 4.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be >= 1, got {self.attempts}")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError(f"RetryPolicy delays must be >= 0, got {self.base_delay_s}, {self.max_delay_s}")

    def delays(self) -> list[float]:
        """The waits between consecutive tries, in seconds: attempts - 1 values."""
        return [min(self.base_delay_s * 2 ** k, self.max_delay_s) for k in range(self.attempts - 1)]


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    retryable: Callable[[BaseException], bool],
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Call `fn` until it returns, trying at most `policy.attempts` times.

    An exception for which `retryable(exc)` is false is raised at once; after the last try the last
    exception is raised. `on_retry(attempt, exc, delay_s)` is called before each wait.
    """
    delays = policy.delays()
    for attempt in range(policy.attempts):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - filtered by `retryable` just below
            if attempt >= len(delays) or not retryable(exc):
                raise
            if on_retry is not None:
                on_retry(attempt + 1, exc, delays[attempt])
            sleep(delays[attempt])
    raise AssertionError("unreachable: the loop returns or raises")
