"""One line per pydantic validation problem, for the platform's YAML configs (mine, simulate): the key's
dotted path, then what is wrong, in words a config author can act on."""

from __future__ import annotations

from typing import Any


def pydantic_problem(err: dict[str, Any]) -> str:
    """`key.path: what is wrong` for one entry of `ValidationError.errors()`."""
    loc = ".".join(str(p) for p in err["loc"]) or "config"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown key (value {err.get('input')!r})"
    if err["type"] == "missing":
        return f"{loc}: missing required key"
    if err["type"] in ("value_error", "assertion_error"):
        return f"{loc}: {msg}"
    return f"{loc} = {err.get('input')!r}: {msg}"
