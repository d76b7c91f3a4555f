"""A selection as data: the YAML spec, parsed once into typed objects. Unknown keys are errors.

```yaml
budget: 500                # or proportion: 0.01 (of the candidates)
model_version: latest      # whose scores to use; latest = newest `models` row
candidates:                # predicates on frames/scores columns, bound as SQL parameters
  domain: real             #   column: value | [values] | {min: .., max: ..}
  split: [train]
  exclude_labeled: true    # drop frames with a label of any source or already pushed to Label Studio
strategies:
  - {input: mutual_information, strategy: weight, strength: 1.0}
  - {input: embedding, strategy: diversity, strength: 0.5}
  - {input: [weather, time_of_day], strategy: quota, min_share: {rain: 0.2, night: 0.1}, max_share: {day: 0.6}}
  - {strategy: drive_dedup, min_gap_s: 2.0, max_per_drive: 50}
  - {strategy: near_duplicate, against: labeled, max_cosine: 0.98}
combine: sum               # how scoring terms combine: sum (default) or product
seed: 0
```

Scoring strategies (terms): `weight`, `diversity`, and the baselines `random` and `topk` (each alone).
Constraints: `quota`, `drive_dedup`, `near_duplicate`. See `curation/selection/strategies/` for each one's
meaning; `greedy.select` composes them.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from curation.selection.errors import SpecError

Scalar = Union[bool, int, float, str, dt.datetime, dt.date, None]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------------------------- strategies
class WeightSpec(_Model):
    """Score term: a numeric column (an acquisition score), normalised to [0, 1] over the candidates.

    normalize: `rank` (percentile; robust to heavy tails, default) or `minmax`.
    """

    strategy: Literal["weight"]
    input: str
    strength: float = Field(1.0, gt=0)
    normalize: Literal["rank", "minmax"] = "rank"


class DiversitySpec(_Model):
    """Score term: distance to the nearest already-picked (and, with against_labeled, labeled/queued)
    frame in embedding space, divided by the largest such distance among the pool (k-center greedy).

    pool_factor: only the pool_factor x budget best candidates by the other terms (plus quota reserves)
    enter the k-center stage; null = every candidate (exact, O(N x budget x dim)).
    """

    strategy: Literal["diversity"]
    input: str = "embedding"
    strength: float = Field(1.0, gt=0)
    metric: Literal["euclidean", "cosine"] = "euclidean"
    against_labeled: bool = True
    pool_factor: float | None = Field(4.0, ge=1)


class QuotaSpec(_Model):
    """Constraint: shares of the budget per condition over the `input` columns.

    Keys of min_share/max_share are conditions: `rain` (a value of one input column), `weather=rain`
    (qualified), or a conjunction `rain&night`. min_share is a hard reservation where the candidates allow
    it (shortfalls are reported per key); max_share is a hard cap. Shares are of the budget.
    """

    strategy: Literal["quota"]
    input: list[str]
    min_share: dict[str, float] = Field(default_factory=dict)
    max_share: dict[str, float] = Field(default_factory=dict)

    @field_validator("input", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("input")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("quota needs at least one input column, e.g. input: [weather, time_of_day]")
        return value

    @model_validator(mode="after")
    def _shares(self) -> "QuotaSpec":
        if not self.min_share and not self.max_share:
            raise ValueError("quota needs min_share and/or max_share, e.g. min_share: {rain: 0.2}")
        for name, shares in (("min_share", self.min_share), ("max_share", self.max_share)):
            for key, share in shares.items():
                if not (0.0 <= share <= 1.0) or math.isnan(share):
                    raise ValueError(f"{name}.{key} = {share}: a share must be between 0 and 1")
                parse_condition(key, self.input)
        total = sum(self.min_share.values())
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"min_share values sum to {total:g} > 1 ({', '.join(f'{k}: {v:g}' for k, v in self.min_share.items())}): "
                "reservations cannot exceed the budget; lower them so they sum to at most 1"
            )
        for key in set(self.min_share) & set(self.max_share):
            if self.min_share[key] > self.max_share[key]:
                raise ValueError(
                    f"{key}: min_share {self.min_share[key]:g} > max_share {self.max_share[key]:g}; "
                    "a minimum above its cap can never hold"
                )
        return self


class DriveDedupSpec(_Model):
    """Constraint: picks of one drive are >= min_gap_s seconds apart (by `ts`) and at most
    max_per_drive per drive (by `drive_id`)."""

    strategy: Literal["drive_dedup"]
    min_gap_s: float = Field(0.0, ge=0)
    max_per_drive: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _something(self) -> "DriveDedupSpec":
        if self.min_gap_s == 0 and self.max_per_drive is None:
            raise ValueError("drive_dedup needs min_gap_s > 0 and/or max_per_drive, e.g. {min_gap_s: 2.0, max_per_drive: 50}")
        return self


class NearDuplicateSpec(_Model):
    """Constraint: drop candidates whose cosine similarity to a labeled/queued frame (`labeled`) or to an
    earlier pick of this run (`selected`) exceeds max_cosine."""

    strategy: Literal["near_duplicate"]
    input: str = "embedding"
    against: list[Literal["labeled", "selected"]] = Field(default_factory=lambda: ["labeled"])
    max_cosine: float = Field(..., gt=-1, le=1)

    @field_validator("against", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class RandomSpec(_Model):
    """Baseline score: a uniform random draw per candidate (seeded). Use alone, with any constraints."""

    strategy: Literal["random"]


class TopKSpec(_Model):
    """Baseline score: the raw `input` column, highest first. Use alone, with any constraints."""

    strategy: Literal["topk"]
    input: str


StrategySpec = Annotated[
    Union[WeightSpec, DiversitySpec, QuotaSpec, DriveDedupSpec, NearDuplicateSpec, RandomSpec, TopKSpec],
    Field(discriminator="strategy"),
]
STRATEGIES: dict[str, type[_Model]] = {
    "weight": WeightSpec,
    "diversity": DiversitySpec,
    "quota": QuotaSpec,
    "drive_dedup": DriveDedupSpec,
    "near_duplicate": NearDuplicateSpec,
    "random": RandomSpec,
    "topk": TopKSpec,
}
SCORING = ("weight", "diversity", "random", "topk")
BASELINES = ("random", "topk")


# ----------------------------------------------------------------------------------------------- quota keys
def parse_condition(key: str, columns: list[str]) -> tuple[tuple[str | None, str], ...]:
    """`rain` -> ((None, 'rain'),); `weather=rain&night` -> (('weather', 'rain'), (None, 'night')).

    A qualified column must be one of the quota's input columns. Bare values are resolved against the
    candidates' values later (`strategies.quota`).
    """
    parts = []
    for term in key.split("&"):
        term = term.strip()
        if not term:
            raise ValueError(f"quota key {key!r} has an empty condition; write e.g. 'rain' or 'weather=rain&night'")
        if "=" in term:
            column, value = (s.strip() for s in term.split("=", 1))
            if column not in columns:
                raise ValueError(
                    f"quota key {key!r} names column {column!r}, which is not among this quota's input {columns}"
                )
            parts.append((column, value))
        else:
            parts.append((None, term))
    return tuple(parts)


# ----------------------------------------------------------------------------------------------- candidates
class RangePredicate(_Model):
    """`{min: a, max: b}`: a <= column <= b (either bound may be left out)."""

    min: Scalar = None
    max: Scalar = None

    @model_validator(mode="after")
    def _a_bound(self) -> "RangePredicate":
        if self.min is None and self.max is None:
            raise ValueError("a range needs min and/or max, e.g. {min: 0.1}")
        return self


class CandidateFilter(BaseModel):
    """Which frames are candidates. `exclude_labeled` plus one predicate per column:
    `column: value`, `column: [v1, v2]` (any of) or `column: {min: a, max: b}`; `column: null` = IS NULL.

    Column names are checked against the lake's frames/scores columns when the candidates are loaded.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    exclude_labeled: bool = True

    @model_validator(mode="after")
    def _predicates(self) -> "CandidateFilter":
        for column, value in (self.model_extra or {}).items():
            _predicate(column, value)
        return self

    def predicates(self) -> dict[str, tuple[str, Any]]:
        """{column: (op, value)} with op one of eq, in, range; range values are (min, max)."""
        return {column: _predicate(column, value) for column, value in (self.model_extra or {}).items()}


def _predicate(column: str, value: Any) -> tuple[str, Any]:
    scalars = (bool, int, float, str, dt.datetime, dt.date, type(None))
    if isinstance(value, scalars):
        return ("eq", value)
    if isinstance(value, list):
        if not value or not all(isinstance(v, scalars) and v is not None for v in value):
            raise ValueError(
                f"candidates.{column} = {value!r}: a list must hold one or more plain values, e.g. [train, val]"
            )
        return ("in", list(value))
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"min", "max"})
        if unknown:
            raise ValueError(
                f"candidates.{column} = {value!r}: unknown key {unknown[0]!r}; a range allows min and max, e.g. {{min: 0.1}}"
            )
        try:
            r = RangePredicate.model_validate(value)
        except ValidationError as exc:
            raise ValueError(
                f"candidates.{column} = {value!r}: a mapping must be a range {{min: .., max: ..}} "
                f"({exc.errors()[0]['msg']})"
            ) from None
        return ("range", (r.min, r.max))
    raise ValueError(f"candidates.{column} = {value!r}: use a value, a list of values or {{min: .., max: ..}}")


# ----------------------------------------------------------------------------------------------- the spec
class SelectionSpec(_Model):
    """A whole selection: how many, from which candidates, by which strategies. See the module docstring."""

    budget: int | None = Field(None, gt=0)
    proportion: float | None = Field(None, gt=0, le=1)
    model_version: str = "latest"
    candidates: CandidateFilter = Field(default_factory=CandidateFilter)
    strategies: list[StrategySpec] = Field(..., min_length=1)
    combine: Literal["sum", "product"] = "sum"
    seed: int = 0

    @model_validator(mode="after")
    def _consistent(self) -> "SelectionSpec":
        if (self.budget is None) == (self.proportion is None):
            raise ValueError(
                "give exactly one of budget (a number of frames, e.g. budget: 500) or proportion "
                f"(a share of the candidates, e.g. proportion: 0.01); got budget={self.budget}, proportion={self.proportion}"
            )
        kinds = [s.strategy for s in self.strategies]
        scoring = [k for k in kinds if k in SCORING]
        if not scoring:
            raise ValueError(
                f"strategies {kinds} have no scoring strategy; add one of {', '.join(SCORING)} "
                "(quota, drive_dedup and near_duplicate only constrain the picks)"
            )
        baselines = [k for k in scoring if k in BASELINES]
        if baselines and len(scoring) > 1:
            raise ValueError(
                f"{baselines[0]} is a baseline and must be the only scoring strategy, got {scoring}; "
                "use weight (+ diversity) to combine scores"
            )
        for once in ("diversity", "drive_dedup"):
            if kinds.count(once) > 1:
                raise ValueError(f"at most one {once} strategy per spec, got {kinds.count(once)}")
        return self

    def resolve_budget(self, n_candidates: int) -> int:
        """Frames to pick: `budget`, or ceil(proportion x n_candidates); never more than the candidates."""
        wanted = self.budget if self.budget is not None else math.ceil(self.proportion * n_candidates)
        return int(min(wanted, n_candidates))

    def with_budget(self, budget: int) -> "SelectionSpec":
        """A copy with `budget` replacing budget/proportion (the CLI's --budget)."""
        if budget <= 0:
            raise SpecError(f"--budget = {budget}: the budget must be a whole number of frames > 0")
        return self.model_copy(update={"budget": budget, "proportion": None})

    def of_kind(self, kind: str) -> list[tuple[int, Any]]:
        """(index in strategies, spec) for every strategy of `kind`."""
        return [(i, s) for i, s in enumerate(self.strategies) if s.strategy == kind]

    def to_config(self) -> dict[str, Any]:
        """JSON-able dict of the spec as it will run (for the `runs` row)."""
        return self.model_dump(mode="json")


# ----------------------------------------------------------------------------------------------- parsing
def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "spec"


def _allowed_keys(data: Any, loc: tuple) -> list[str] | None:
    """The keys allowed at `loc` (its parent mapping), for 'unknown key' messages."""
    if len(loc) == 1:
        return list(SelectionSpec.model_fields)
    if loc[0] == "strategies" and len(loc) == 3 and isinstance(loc[1], int):
        try:
            kind = data["strategies"][loc[1]]["strategy"]
        except (KeyError, IndexError, TypeError):
            return None
        cls = STRATEGIES.get(kind)
        return list(cls.model_fields) if cls else None
    if loc[0] == "candidates" and len(loc) == 3:
        return list(RangePredicate.model_fields)
    return None


def _message(data: Any, err: dict) -> str:
    loc = tuple(err["loc"])
    # Tagged unions put the tag in the location (strategies.0.weight.input): drop it, name it instead.
    kind = None
    if len(loc) >= 3 and loc[0] == "strategies" and isinstance(loc[1], int) and loc[2] in STRATEGIES:
        kind, loc = loc[2], loc[:2] + loc[3:]
    where = _where(loc) + (f" ({kind})" if kind else "")
    typ = err["type"]
    value = err.get("input")
    if typ == "missing":
        allowed = _allowed_keys(data, loc)
        return f"{where}: missing required option{'; options: ' + ', '.join(allowed) if allowed else ''}"
    if typ == "extra_forbidden":
        allowed = _allowed_keys(data, loc)
        return f"{where}: unknown key (value {value!r}){'; allowed keys: ' + ', '.join(allowed) if allowed else ''}"
    if typ in ("union_tag_invalid", "union_tag_not_found"):
        got = value.get("strategy") if isinstance(value, dict) else value
        return f"{where}: strategy = {got!r} is not a strategy; allowed: {', '.join(STRATEGIES)}"
    msg = err["msg"].removeprefix("Value error, ")
    if typ == "value_error":
        return f"{where}: {msg}"
    return f"{where} = {value!r}: {msg}"


def parse_spec(data: Any) -> SelectionSpec:
    """A SelectionSpec from parsed YAML/JSON, or one SpecError listing every problem found."""
    if not isinstance(data, dict):
        raise SpecError(f"a selection spec must be a mapping (budget, strategies, ...), got {type(data).__name__}: {data!r}")
    try:
        return SelectionSpec.model_validate(data)
    except ValidationError as exc:
        problems = [_message(data, e) for e in exc.errors()]
        raise SpecError("invalid selection spec:\n  - " + "\n  - ".join(problems)) from None


def load_spec(source: str | Path) -> SelectionSpec:
    """Parse a spec from a YAML file path (Path, or a str naming an existing file) or YAML text."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and Path(source).is_file()):
        path = Path(source)
        try:
            text = path.read_text()
        except OSError as exc:
            raise SpecError(f"cannot read selection spec {path}: {exc.strerror}") from None
        origin = str(path)
    else:
        text, origin = str(source), "<text>"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"selection spec {origin} is not valid YAML: {exc}") from None
    try:
        return parse_spec(data)
    except SpecError as exc:
        raise SpecError(f"{origin}: {exc}") from None
