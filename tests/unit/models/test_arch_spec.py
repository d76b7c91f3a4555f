"""ArchSpec (de)serialisation and normalisation."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.arch import ArchSpec, HeadSpec, SpecError, StageSpec, StemSpec, normalize_spec, spec_for_task
from models.arch.ops import OPS


def _spec(**head_opts):
    return ArchSpec(
        stem=StemSpec(8, stride=2),
        stages=(StageSpec("ir_k3_e3", 16, 2, 2), StageSpec("dil3", 16, 1, 1, {"dilation": 3})),
        head=HeadSpec("lraspp", {"low_stride": 4, **head_opts}),
        name="t",
    )


def test_json_round_trip_is_exact():
    spec = normalize_spec(_spec())
    again = ArchSpec.from_json(spec.to_json())
    assert again == spec
    assert json.loads(spec.to_json())["stages"][1]["options"]["dilation"] == 3


def test_list_form_stages_match_dict_form():
    data = {"stem": {"channels": 8}, "head": "linear",
            "stages": [["ir_k3_e3", 16, 2, 2], ["gconv1x1", 16, 1, 1, {"groups": 4}], ["skip", 16]]}
    spec = ArchSpec.from_dict(data)
    assert spec.stages[0] == StageSpec("ir_k3_e3", 16, 2, 2, {})
    assert spec.stages[1].options == {"groups": 4}
    assert spec.stages[2] == StageSpec("skip", 16, 1, 1)
    assert spec.head == HeadSpec("linear")


def test_spec_is_frozen_and_options_are_copied():
    opts = {"dilation": 2}
    stage = StageSpec("dil3", 8, options=opts)
    opts["dilation"] = 5
    assert stage.options["dilation"] == 2
    with pytest.raises(AttributeError):
        stage.channels = 3  # type: ignore[misc]


def test_from_dict_rejects_unknown_keys_and_bad_json():
    with pytest.raises(SpecError, match=r"spec.stages\[0\]: unknown key\(s\) \['kernel'\]"):
        ArchSpec.from_dict({"stem": {"channels": 8}, "head": "linear",
                            "stages": [{"op": "skip", "channels": 8, "kernel": 3}]})
    with pytest.raises(SpecError, match="does not parse"):
        ArchSpec.from_json("{not json")
    with pytest.raises(SpecError, match="missing required key 'stages'"):
        ArchSpec.from_dict({"stem": {"channels": 8}, "head": "linear"})


def test_normalize_fills_defaults():
    spec = normalize_spec(_spec())
    assert spec.stages[0].options == {"act": "relu", "dropout": 0.0, "dilation": 1}
    assert spec.stages[1].options["dilation"] == 3
    assert spec.head.options == {"channels": 128, "low_stride": 4, "dropout": 0.0, "act": "relu"}
    assert spec.stem == StemSpec(8, 2, 3)


def test_normalize_error_names_stage_key_value_and_allowed():
    bad = ArchSpec(StemSpec(8), (StageSpec("ir_k3_e3", 16, 2), StageSpec("ir_k4_e3", 16)), HeadSpec("linear"))
    with pytest.raises(SpecError) as err:
        normalize_spec(bad)
    msg = str(err.value)
    assert "stages[1].op" in msg and "'ir_k4_e3'" in msg and "ir_k3_e3" in msg and "did you mean" in msg

    bad = ArchSpec(StemSpec(8), (StageSpec("gconv1x1", 12, 1, 1, {"groups": 3}),), HeadSpec("linear"))
    with pytest.raises(SpecError, match=r"stages\[0\].options.groups: got 3.*input channels \(8\)"):
        normalize_spec(bad)

    bad = ArchSpec(StemSpec(8), (StageSpec("skip", 8, 3),), HeadSpec("linear"))
    with pytest.raises(SpecError, match=r"stages\[0\].stride: got 3; allowed: \[1, 2\]"):
        normalize_spec(bad)

    bad = ArchSpec(StemSpec(8), (StageSpec("skip", 8, options={"dropout": 1.0}),), HeadSpec("linear"))
    with pytest.raises(SpecError, match=r"stages\[0\].options.dropout: got 1.0"):
        normalize_spec(bad)

    bad = ArchSpec(StemSpec(8), (StageSpec("skip", 8, options={"groups": 2}),), HeadSpec("linear"))
    with pytest.raises(SpecError, match=r"unknown key\(s\) \['groups'\] for op 'skip'"):
        normalize_spec(bad)


def test_normalize_structural_rules():
    with pytest.raises(SpecError, match="nb1d' keeps its input shape"):
        normalize_spec(ArchSpec(StemSpec(8), (StageSpec("nb1d", 16),), HeadSpec("linear")))
    with pytest.raises(SpecError, match="op 'down'"):
        normalize_spec(ArchSpec(StemSpec(8), (StageSpec("down", 8, 2),), HeadSpec("linear")))
    # no stride-8 feature: stem 2, stage 4 -> strides [2, 4]
    with pytest.raises(SpecError, match=r"low_stride: got 8.*\[2, 4\]"):
        normalize_spec(ArchSpec(StemSpec(8), (StageSpec("skip", 8, 2),), HeadSpec("lraspp")))


def test_spec_for_task_swaps_head_only_when_needed():
    seg = normalize_spec(_spec())
    assert spec_for_task(seg, "segmentation") == seg
    cls = spec_for_task(seg, "classification")
    assert cls.head.kind == "linear" and cls.stages == seg.stages
    # strides [2, 4, 4]: no stride-8 feature, so the default LR-ASPP taps stride 4
    back = spec_for_task(cls, "segmentation")
    assert back.head.kind == "lraspp" and back.head.options["low_stride"] == 4
    with pytest.raises(ValueError, match="task: got 'detection'"):
        spec_for_task(seg, "detection")


_stage = st.builds(
    StageSpec,
    op=st.sampled_from([o for o in OPS if OPS[o].family in ("ir", "dil", "skip")]),
    channels=st.sampled_from([8, 16, 24]),
    stride=st.sampled_from([1, 2]),
    repeat=st.integers(1, 3),
)


@settings(max_examples=50, deadline=None)
@given(stages=st.lists(_stage, min_size=1, max_size=5))
def test_normalize_is_idempotent_and_round_trips(stages):
    spec = normalize_spec(ArchSpec(StemSpec(8), tuple(stages), HeadSpec("linear")))
    assert normalize_spec(spec) == spec
    assert ArchSpec.from_json(spec.to_json()) == spec


def test_specs_hash_by_value_so_nas_can_dedupe():
    a = normalize_spec(_spec())
    b = ArchSpec.from_json(a.to_json())
    c = normalize_spec(_spec(channels=64))
    assert len({a, b, c}) == 2
    assert hash(StageSpec("dil3", 8, options={"dilation": 2, "act": "relu"})) == hash(
        StageSpec("dil3", 8, options={"act": "relu", "dilation": 2}))
