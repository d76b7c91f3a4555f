"""fleet-curation models: networks and how they learn.

    from models import create_model, list_models, Ensemble
See models/README.md for the map of the package. `models.lightning_module` is not imported here
(it pulls in pytorch_lightning); import it directly.
"""

from models.arch import (
    ArchSpec, HeadSpec, SpecError, StageSpec, StemSpec, analyze_spec, count_macs, count_params,
    normalize_spec, spec_for_task,
)
from models.registry import create_model, get_spec, list_models, register_model, resolve_spec
from models import presets as _presets  # noqa: F401  (registers the presets)
from models.network import Network

__all__ = [
    "create_model", "list_models", "register_model", "get_spec", "resolve_spec", "Network",
    "ArchSpec", "StemSpec", "StageSpec", "HeadSpec", "SpecError",
    "normalize_spec", "spec_for_task", "analyze_spec", "count_params", "count_macs",
]
