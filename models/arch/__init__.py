"""Architectures as data: specs, the op catalogue, normalisation and analysis (torch-free)."""

from models.arch.analysis import LayerInfo, SpecAnalysis, analyze_spec, count_macs, count_params
from models.arch.normalize import head_task, normalize_spec, spec_for_task, stage_strides
from models.arch.ops import HEADS, OPS, SEGMENTATION_OUTPUT_STRIDE, op_names
from models.arch.spec import ArchSpec, HeadSpec, SpecError, StageSpec, StemSpec

__all__ = [
    "ArchSpec", "StemSpec", "StageSpec", "HeadSpec", "SpecError",
    "normalize_spec", "spec_for_task", "head_task", "stage_strides",
    "analyze_spec", "count_params", "count_macs", "LayerInfo", "SpecAnalysis",
    "OPS", "HEADS", "SEGMENTATION_OUTPUT_STRIDE", "op_names",
]
