"""The nightly mining job's config: YAML in, validated once, unknown keys rejected.

```yaml
source:                       # where tonight's frames come from
  format: synthetic           # synthetic | camvid | gtsrb | cityscapes | folder
  path: /data/fleet/synthetic # synthetic: folder the frames are rendered to (one sub-folder per night)
  options:                    # per format, see *Options below
    frames_per_night: 16
    seed: 7
    first_night: 2026-01-01
ingest: {workers: 2, chunk_size: 1000}
model:
  version: latest             # a models.model_version, or latest
  on_no_model: random         # random | skip | fail
score: {batch_size: 16, reduction: mean, precision: bf16, where: null}
selection:                    # a selection spec, exactly as `curate select --config` reads it
  budget: 8
  strategies: [{strategy: weight, input: mutual_information}]
push: {enabled: true, project: null, batch_size: 50, pre_annotations: true}
labelstudio: {url: null, document_root: null, image_url_prefix: null}
```

The Label Studio token is never part of the config: it comes from LABEL_STUDIO_API_KEY or the local
server's state file (`curate labelstudio up`). A `token`/`api_key` key here is refused with that advice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Literal, Optional
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from curation.mining.errors import MineConfigError
from curation.selection.errors import SpecError
from curation.selection.spec import SelectionSpec, parse_spec
from curation.validation import pydantic_problem

FORMATS = ("synthetic", "camvid", "gtsrb", "cityscapes", "folder")
SECRET_KEYS = ("token", "api_key", "apikey", "password", "secret", "key")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------------------- source options
class SyntheticOptions(_Model):
    """Rendered frames standing in for the fleet. Night `d` renders `frames_per_night` frames of data set
    seed `seed + (d - first_night).days` into `<path>/night-<d>/`, so each night brings new frames (new
    drives), the same night always the same frames, and no night re-renders an earlier one.

    free_labels: false (default) ingests them as unlabeled fleet frames (ground truth kept for the oracle
    and evaluation); true gives them `labels` rows of source synthetic, which makes them non-candidates.
    """

    frames_per_night: int = Field(16, ge=1, le=100_000)
    seed: int = Field(0, ge=0)
    first_night: dt.date = dt.date(2026, 1, 1)
    frames_per_drive: Optional[int] = Field(None, ge=1)
    width: int = Field(240, ge=16, le=4096)
    height: int = Field(180, ge=16, le=4096)
    conditions: Optional[dict[str, Any]] = None
    free_labels: bool = False

    def night_seed(self, night: dt.date) -> int:
        """The data-set seed rendered on `night`; MineConfigError for a night before first_night."""
        days = (night - self.first_night).days
        if days < 0:
            raise MineConfigError(
                f"--date {night} is before source.options.first_night ({self.first_night}): the synthetic source "
                "numbers nights from first_night; pick a later date or an earlier first_night"
            )
        return self.seed + days


class FolderOptions(_Model):
    """An image folder that receives new files (searched recursively); frames already in the lake are skipped."""

    source: str = "folder"
    metadata: Optional[Path] = None
    domain: Literal["real", "synthetic"] = "real"


class NoOptions(_Model):
    """camvid, gtsrb, cityscapes: the reader needs only the path."""


_OPTIONS: dict[str, type[_Model]] = {
    "synthetic": SyntheticOptions, "folder": FolderOptions,
    "camvid": NoOptions, "gtsrb": NoOptions, "cityscapes": NoOptions,
}


class SourceConfig(_Model):
    format: Literal["synthetic", "camvid", "gtsrb", "cityscapes", "folder"]
    path: Path
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_fit_format(self) -> "SourceConfig":
        self.typed_options()  # raises ValueError naming the bad option
        return self

    def typed_options(self) -> Any:
        cls = _OPTIONS[self.format]
        try:
            return cls.model_validate(self.options)
        except ValidationError as exc:
            allowed = ", ".join(cls.model_fields) or "none"
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"options of format {self.format!r}: {problems} (allowed options: {allowed})") from None


# ------------------------------------------------------------------------------------------- other sections
class IngestOptions(_Model):
    workers: int = Field(2, ge=1, le=64)
    chunk_size: int = Field(1000, ge=1)


class ModelConfig(_Model):
    """Whose scores pick the batch. on_no_model, when `models` is empty (the first nights):
    random = skip scoring, pick `budget` frames uniformly at random (seeded) under the spec's frame-column
    constraints, so the first labels can be bought; skip = ingest only; fail = exit 2."""

    version: str = "latest"
    on_no_model: Literal["random", "skip", "fail"] = "random"


class ScoreOptions(_Model):
    batch_size: int = Field(16, ge=1)
    reduction: Literal["mean", "top_q", "class_weighted"] = "mean"
    precision: Literal["bf16", "fp32"] = "bf16"
    where: Optional[str] = Field(None, description="SQL predicate on frames (alias f); default: the model's datasets")


class PushOptions(_Model):
    enabled: bool = True
    project: Optional[str] = Field(None, description="project title; default curation-<class list>-<kind>")
    batch_size: int = Field(50, ge=1)
    pre_annotations: bool = True


class LabelStudioOptions(_Model):
    """Where the server is; the token is never here (LABEL_STUDIO_API_KEY or the local server's state)."""

    url: Optional[str] = None
    document_root: Optional[Path] = None
    image_url_prefix: Optional[str] = None

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if any(word in str(key).lower() for word in SECRET_KEYS):
                    raise ValueError(
                        f"labelstudio.{key}: secrets are never read from the config (it lands in the runs table); "
                        "set LABEL_STUDIO_API_KEY in the environment, or use the local server of "
                        "`curate labelstudio up`"
                    )
        return data

    @field_validator("url")
    @classmethod
    def _http(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL; write e.g. http://labelstudio.internal:8080")
        if parts.username or parts.password:
            raise ValueError("the URL carries credentials; put the token in LABEL_STUDIO_API_KEY instead")
        return value.rstrip("/")


# ------------------------------------------------------------------------------------------- the whole config
class MineConfig(_Model):
    source: SourceConfig
    ingest: IngestOptions = Field(default_factory=IngestOptions)
    model: ModelConfig = Field(default_factory=ModelConfig)
    score: ScoreOptions = Field(default_factory=ScoreOptions)
    selection: dict[str, Any]
    push: PushOptions = Field(default_factory=PushOptions)
    labelstudio: LabelStudioOptions = Field(default_factory=LabelStudioOptions)

    @field_validator("selection")
    @classmethod
    def _valid_spec(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            spec = parse_spec(value)
        except SpecError as exc:
            raise ValueError(str(exc).replace("\n", " ")) from None
        if spec.model_version != "latest":
            raise ValueError(
                f"model_version = {spec.model_version!r}: mine scores with model.version and selects with the same "
                "model; set model.version instead and leave selection.model_version out"
            )
        return value

    @property
    def spec(self) -> SelectionSpec:
        return parse_spec(self.selection)

    def record(self) -> dict[str, Any]:
        """JSON-able config for the `runs` row (it holds no secret by construction)."""
        return self.model_dump(mode="json")

    def fingerprint(self) -> str:
        """Digest of what decides the batch (source, model, score, selection). A run resumed with another
        fingerprint could pick another batch, so resuming requires the same one; push and Label Studio
        settings may change between attempts (e.g. to point at a server that is up)."""
        decisive = self.model_dump(mode="json", include={"source", "model", "score", "selection"})
        return hashlib.sha256(json.dumps(decisive, sort_keys=True, default=str).encode()).hexdigest()[:16]


def parse_config(data: Any, origin: str = "<config>") -> MineConfig:
    """A MineConfig from parsed YAML, or one MineConfigError listing every problem."""
    if not isinstance(data, dict):
        raise MineConfigError(f"{origin}: a mine config is a mapping with source, selection, ...; got {type(data).__name__}")
    try:
        return MineConfig.model_validate(data)
    except ValidationError as exc:
        problems = "\n  - ".join(pydantic_problem(e) for e in exc.errors())
        raise MineConfigError(
            f"{origin}: invalid mine config:\n  - {problems}\n(see deploy/configs/mine.example.yaml)"
        ) from None


def load_config(path: Path) -> MineConfig:
    """Read and validate a YAML config file."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise MineConfigError(f"cannot read mine config {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MineConfigError(f"mine config {path} is not valid YAML: {exc}") from None
    return parse_config(data, str(path))


def strip_credentials(url: Optional[str]) -> Optional[str]:
    """`url` without user:password@ (for records and messages)."""
    if not url:
        return url
    parts = urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
