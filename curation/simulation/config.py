"""The `curate simulate` config: YAML in, validated once, unknown keys rejected.

```yaml
name: camvid-al              # the sim_id (unless --sim-id): rows of `simulations` and the work folder use it
task: segmentation           # or classification
pool: "split = 'train'"      # SQL predicate on frames (alias f): what the oracle may label
eval: "split = 'val'"        # SQL predicate on frames: evaluated on their ground truth, never labeled
seed_labels: 0.1             # the random labeled set of round 0: a count (int) or a share of the pool (float)
budgets: [0.2, 0.35, 0.6, 1.0]   # cumulative labels after each later round: counts (int) or shares (float)
seeds: 3                     # 3 = seeds [0, 1, 2]; or a list, e.g. [0, 7]
labeler: direct              # direct (ground truth -> labels) | labelstudio (through the real server)
workdir: null                # working lakes go to <workdir>/<sim_id>/<strategy>-s<seed>/ (default <lake>/simulate)
train:                       # training settings every strategy starts from
  arch: fbnet_tiny
  members: 5
  beta: null                 # DPE prior weight; null = the ELBO weight (see curation.jobs.train), 0 = plain ensemble
  max_steps: 100              # or epochs: 3, min_steps: 60, max_steps: null (steps grow with the labeled set)
  batch_size: 8
  size: [90, 120]
score: {batch_size: 16, reduction: mean, mc_samples: 5}
strategies:                  # each: a training setup + a selection spec (the selector's format, no budget)
  - preset: random           # built-ins: see curation.simulation.strategies.PRESETS
  - preset: dpe
  - name: dpe_mi_diverse
    train: {members: 5}
    select:
      strategies:
        - {input: mutual_information, strategy: weight}
        - {input: embedding, strategy: diversity, strength: 0.5}
```

A float budget is a share of the pool (0 < share <= 1), an int a number of frames; `1.0` is the whole pool
(the full-pool reference that "fraction of labels to reach 95%" is measured against).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from curation.selection.errors import SpecError
from curation.selection.spec import SelectionSpec, parse_spec
from curation.validation import pydantic_problem

Budget = Union[int, float]


class SimConfigError(ValueError):
    """A simulate config that cannot run: names the key, the value received and what is allowed."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrainSettings(_Model):
    """The part of `curation.jobs.train.TrainConfig` a simulation chooses (the rest is fixed by the loop:
    task, pool/eval predicates, seed). Every field may be overridden per strategy."""

    arch: str = "fbnet_tiny"
    members: int = Field(5, ge=1, le=64)
    beta: Optional[float] = Field(None, ge=0.0, description="DPE prior weight; 0 = plain ensemble; None = the ELBO weight")
    mc_dropout: float = Field(0.0, ge=0.0, lt=1.0)
    max_steps: Optional[int] = Field(100, ge=1, description="optimizer steps per round, the same at every budget")
    epochs: Optional[float] = Field(
        None, gt=0, description="instead of max_steps: steps = max(min_steps, ceil(epochs x labeled / batch_size)), "
                                "so every labeled set is seen about as often (give max_steps: null)")
    min_steps: Optional[int] = Field(None, ge=1, description="with epochs: the fewest steps of a round")
    lr: float = Field(3e-3, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    batch_size: int = Field(8, ge=1)
    size: Optional[tuple[int, int]] = Field(None, description="(height, width) frames are resized to")
    precision: Literal["32", "bf16-mixed"] = "bf16-mixed"

    @model_validator(mode="after")
    def _one_schedule(self) -> "TrainSettings":
        if self.epochs is not None and self.max_steps is not None:
            raise ValueError(f"give max_steps (fixed steps per round, got {self.max_steps}) or epochs (steps grow with "
                             f"the labeled set, got {self.epochs}), not both; write max_steps: null to use epochs")
        if self.epochs is None and self.max_steps is None:
            raise ValueError("give max_steps (steps per round) or epochs (with max_steps: null)")
        if self.min_steps is not None and self.epochs is None:
            raise ValueError(f"min_steps = {self.min_steps} only applies with epochs; with max_steps every round "
                             "trains max_steps steps")
        return self

    def steps_for(self, labeled: int) -> int:
        """Optimizer steps of a round that trains on `labeled` frames."""
        if self.epochs is None:
            return int(self.max_steps)
        return max(self.min_steps or 1, math.ceil(self.epochs * labeled / self.batch_size))


class ScoreSettings(_Model):
    """How pool frames are scored between rounds (see `curation.jobs.score.ScoreConfig`)."""

    batch_size: int = Field(16, ge=1)
    reduction: Literal["mean", "top_q", "class_weighted"] = "mean"
    precision: Literal["bf16", "fp32"] = "bf16"
    mc_samples: int = Field(5, ge=1, description="dropout samples T of a single MC-dropout network")


class StrategyConfig(_Model):
    """One arm of the experiment: a training setup and how the next frames are chosen.

    `preset` fills name/train/select from `curation.simulation.strategies.PRESETS`; keys given here
    override it (train keys one by one). `select` is `random` or a selection spec in the selector's format
    (`curation.selection.spec`) without budget/proportion: the loop sets the budget of every round.
    """

    name: Optional[str] = None
    preset: Optional[str] = None
    train: dict[str, Any] = Field(default_factory=dict)
    select: Union[Literal["random"], dict[str, Any], None] = None

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and (not value or not all(c.isalnum() or c in "-_." for c in value)):
            raise ValueError(f"strategy name {value!r}: use letters, digits, '-', '_' or '.' (it names a folder)")
        return value


class ResolvedStrategy(BaseModel):
    """A strategy after presets and defaults: its name, full training settings and parsed selection spec
    (None = uniform random over the unlabeled pool)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    train: TrainSettings
    spec: Optional[SelectionSpec]

    @property
    def is_random(self) -> bool:
        return self.spec is None


class SimConfig(_Model):
    """A whole simulation. See the module docstring for the YAML."""

    name: str
    task: Literal["segmentation", "classification"]
    pool: str = Field(..., min_length=1, description="SQL predicate on frames (alias f): the unlabeled pool")
    eval: str = Field(..., min_length=1, description="SQL predicate on frames: evaluation on ground truth")
    seed_labels: Budget
    budgets: list[Budget] = Field(..., min_length=1)
    seeds: Union[int, list[int]] = 3
    labeler: Literal["direct", "labelstudio"] = "direct"
    workdir: Optional[Path] = None
    train: TrainSettings = Field(default_factory=TrainSettings)
    score: ScoreSettings = Field(default_factory=ScoreSettings)
    strategies: list[StrategyConfig] = Field(..., min_length=1)
    project: Optional[str] = Field(None, description="Label Studio project title (labeler: labelstudio)")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "-_." for c in value):
            raise ValueError(f"name {value!r}: use letters, digits, '-', '_' or '.' (it becomes the sim_id and a folder)")
        return value

    @field_validator("seed_labels")
    @classmethod
    def _seed_budget(cls, value: Budget) -> Budget:
        _check_budget(value, "seed_labels")
        return value

    @field_validator("budgets")
    @classmethod
    def _budgets(cls, value: list[Budget]) -> list[Budget]:
        for i, b in enumerate(value):
            _check_budget(b, f"budgets[{i}]")
        return value

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, value: Union[int, list[int]]) -> Union[int, list[int]]:
        if isinstance(value, int) and value < 1:
            raise ValueError(f"seeds = {value}: give a number of seeds >= 1 or a list of seeds, e.g. [0, 1, 2]")
        if isinstance(value, list):
            if not value:
                raise ValueError("seeds = []: give at least one seed")
            if len(set(value)) != len(value):
                raise ValueError(f"seeds = {value}: each seed at most once")
        return value

    @model_validator(mode="after")
    def _strategies(self) -> "SimConfig":
        names = [s.name for s in self.resolved_strategies()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"strategy names must be unique, {dupes} appear more than once; set `name:` on one of them")
        return self

    # ------------------------------------------------------------------ derived
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def resolved_strategies(self) -> list[ResolvedStrategy]:
        """Every strategy with its preset applied and the training defaults filled in."""
        return [resolve_strategy(s, self.train, i) for i, s in enumerate(self.strategies)]

    def fingerprint(self) -> str:
        """A digest of what decides the results (not where files go nor who labels): a rerun under the same
        sim_id must have the same fingerprint, or its rows would mix two experiments."""
        data = self.model_dump(mode="json", exclude={"labeler", "workdir", "project"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _check_budget(value: Any, where: str) -> None:
    if isinstance(value, bool):
        raise ValueError(f"{where} = {value!r}: give a number of frames (int) or a share of the pool (float)")
    if isinstance(value, int) and value < 1:
        raise ValueError(f"{where} = {value}: a number of frames must be >= 1")
    if isinstance(value, float) and (math.isnan(value) or not 0.0 < value <= 1.0):
        raise ValueError(f"{where} = {value}: a share of the pool must be in (0, 1]; write an int for a count of frames")


def resolve_strategy(strategy: StrategyConfig, defaults: TrainSettings, index: int = 0) -> ResolvedStrategy:
    """Apply the preset, then the strategy's own keys, over the simulation's training defaults."""
    from curation.simulation.strategies import PRESETS

    where = f"strategies[{index}]"
    name, train, select = strategy.name, dict(strategy.train), strategy.select
    if strategy.preset is not None:
        preset = PRESETS.get(strategy.preset)
        if preset is None:
            raise ValueError(f"{where}.preset = {strategy.preset!r} is not a preset; allowed: {', '.join(PRESETS)}")
        name = name or strategy.preset
        train = {**preset.train, **train}
        select = select if select is not None else preset.select
    if name is None:
        raise ValueError(f"{where}: give a name (or a preset, whose name is used)")
    if select is None:
        raise ValueError(f"{where} ({name}): give select: random, or a selection spec such as "
                         "{strategies: [{input: mutual_information, strategy: weight}]}")
    base = defaults.model_dump()
    # A strategy that picks the other step schedule replaces the defaults' one rather than clashing with it.
    if train.get("max_steps") is not None:
        base.update(epochs=None, min_steps=None)
    if train.get("epochs") is not None:
        base.update(max_steps=None)
    try:
        settings = TrainSettings.model_validate({**base, **train})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{where} ({name}).train: {problems}") from None
    spec = None
    if select != "random":
        if any(k in select for k in ("budget", "proportion")):
            raise ValueError(f"{where} ({name}).select: leave out budget/proportion; the simulation sets each round's budget")
        try:
            # Any budget makes the spec valid here; every round replaces it (SelectionSpec.with_budget).
            spec = parse_spec({**select, "budget": 1})
        except SpecError as exc:
            raise ValueError(f"{where} ({name}).select: {exc}") from None
    return ResolvedStrategy(name=name, train=settings, spec=spec)


def parse_config(data: Any, origin: str = "<config>") -> SimConfig:
    """A SimConfig from parsed YAML, or a SimConfigError listing every problem."""
    if not isinstance(data, dict):
        raise SimConfigError(f"{origin}: a simulate config must be a mapping (name, task, pool, ...), got {type(data).__name__}")
    try:
        return SimConfig.model_validate(data)
    except ValidationError as exc:
        problems = [pydantic_problem(e) for e in exc.errors()]
        raise SimConfigError(f"{origin}: invalid simulate config:\n  - " + "\n  - ".join(problems)) from None


def load_config(path: str | Path) -> SimConfig:
    """Read and validate a simulate YAML file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise SimConfigError(f"cannot read simulate config {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SimConfigError(f"simulate config {path} is not valid YAML: {exc}") from None
    return parse_config(data, str(path))
