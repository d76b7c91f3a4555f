"""The shared wording of config validation problems (mine and simulate configs)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from curation.validation import pydantic_problem


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    members: int = Field(ge=1)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    train: _Inner


def _problems(data: dict) -> list[str]:
    with pytest.raises(ValidationError) as info:
        _Config.model_validate(data)
    return sorted(pydantic_problem(e) for e in info.value.errors())


def test_each_kind_of_problem_names_the_key_path():
    assert _problems({"train": {"members": 0, "colour": "red"}}) == [
        "name: missing required key",
        "train.colour: unknown key (value 'red')",
        "train.members = 0: Input should be greater than or equal to 1",
    ]
