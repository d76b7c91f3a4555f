"""create_model / list_models: every way of naming a model, options, errors."""

import json

import pytest
import torch

from models import ArchSpec, SpecError, create_model, get_spec, list_models, register_model
from models.blocks import MCDropout


def test_preset_dict_spec_and_json_path_build_the_same_network(tmp_path):
    spec = get_spec("fbnet_tiny")
    path = tmp_path / "winner.json"
    path.write_text(spec.to_json())
    nets = [create_model(src, "segmentation", 11, seed=3)
            for src in ("fbnet_tiny", spec, spec.to_dict(), path, str(path))]
    x = torch.randn(1, 3, 24, 32)
    ref = nets[0].eval()(x)
    for net in nets[1:]:
        torch.testing.assert_close(net.eval()(x), ref)


def test_task_picks_the_head():
    seg = create_model("cls_tiny", "segmentation", 4)
    cls = create_model("fbnet_tiny", "classification", 4)
    assert seg.spec.head.kind == "lraspp" and seg.output_stride == 4
    assert cls.spec.head.kind == "linear" and cls.output_stride is None
    assert cls(torch.randn(2, 3, 32, 32)).shape == (2, 4)


def test_options():
    net = create_model("fbnet_tiny", "segmentation", 3, dropout=0.1, channels_last=True)
    drops = [m.p for m in net.modules() if isinstance(m, MCDropout)]
    assert drops and all(p == 0.1 for p in drops)
    assert net.stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert net.spec.head.options["dropout"] == 0.1


def test_errors_name_the_value_and_the_fix(tmp_path):
    with pytest.raises(KeyError, match=r"unknown model 'fbnet_tny'.*Did you mean \['fbnet_tiny'"):
        create_model("fbnet_tny", "segmentation", 11)
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['pretrained'\]"):
        create_model("fbnet_tiny", "segmentation", 11, pretrained=True)
    with pytest.raises(ValueError, match="task: got 'detect'"):
        create_model("fbnet_tiny", "detect", 11)
    with pytest.raises(SpecError, match="cannot read arch spec file"):
        create_model(str(tmp_path / "missing.json"), "segmentation", 11)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"stem": {"channels": 8}, "stages": [["ir_k7_e3", 8]], "head": "linear"}))
    with pytest.raises(SpecError, match=r"stages\[0\].op: got 'ir_k7_e3'"):
        create_model(bad, "classification", 2)


def test_register_model_rejects_duplicates():
    with pytest.raises(ValueError, match="already registered"):
        @register_model
        def fbnet_tiny() -> ArchSpec:  # noqa: F811
            raise AssertionError


@pytest.mark.parametrize("name", ["fbnet_tiny", "erfnet_tiny", "squeezenas_small"])
def test_bf16_autocast_channels_last_training_step(name):
    net = create_model(name, "segmentation", 5, seed=0, channels_last=True)
    x = torch.randn(2, 3, 36, 44).contiguous(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = net(x)
        loss = torch.nn.functional.cross_entropy(logits.float(), torch.randint(0, 5, (2, 9, 11)))
    loss.backward()
    assert logits.dtype == torch.bfloat16 and logits.shape == (2, 5, 9, 11)
    assert torch.isfinite(loss) and all(torch.isfinite(p.grad).all() for p in net.parameters())


def test_list_models_pattern():
    assert list_models("erfnet*") == ["erfnet", "erfnet_tiny"]
    assert list_models("nothing*") == []
