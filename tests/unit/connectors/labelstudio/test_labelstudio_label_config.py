"""Label configs built from class lists, and the validator that guards them."""

import pytest

from connectors.datasets import camvid_classes
from connectors.labelstudio.errors import LabelConfigError
from connectors.labelstudio.label_config import (
    CLASSIFICATION,
    SEGMENTATION,
    ProjectSpec,
    build_label_config,
    config_classes,
    hex_colour,
    spread_colours,
    validate_label_config,
)

CAMVID = ProjectSpec(SEGMENTATION, camvid_classes.CLASS_NAMES, camvid_classes.PALETTE, camvid_classes.IGNORE_INDEX)
SIGNS = ProjectSpec(CLASSIFICATION, ("stop", "yield", "no_entry"))


def test_camvid_config_has_every_class_in_order_with_its_colour():
    xml = build_label_config(CAMVID)
    assert config_classes(xml) == (SEGMENTATION, camvid_classes.CLASS_NAMES)
    assert '<Label value="sky" background="#808080"' in xml  # (128, 128, 128)
    assert '<Label value="pavement" background="#3c28de"' in xml  # (60, 40, 222)
    assert '<BrushLabels name="label" toName="image">' in xml
    assert 'value="$image"' in xml and 'value="$frame_id"' in xml


def test_classification_config_is_single_choice():
    xml = build_label_config(SIGNS)
    assert config_classes(xml) == (CLASSIFICATION, ("stop", "yield", "no_entry"))
    assert 'choice="single"' in xml


def test_names_with_xml_characters_are_escaped():
    spec = ProjectSpec(CLASSIFICATION, ('a<b', 'say "hi"', "x&y"))
    assert config_classes(build_label_config(spec))[1] == ('a<b', 'say "hi"', "x&y")


def test_validator_accepts_what_the_builder_makes():
    validate_label_config(build_label_config(CAMVID), CAMVID)


def test_validator_lists_a_missing_class():
    xml = build_label_config(CAMVID).replace('<Label value="car" background="#400080" />', "")
    with pytest.raises(LabelConfigError, match=r"missing \['car'\]"):
        validate_label_config(xml, CAMVID)


def test_validator_notices_a_changed_order():
    other = ProjectSpec(SEGMENTATION, tuple(reversed(camvid_classes.CLASS_NAMES)), ignore_index=11)
    with pytest.raises(LabelConfigError, match="other order"):
        validate_label_config(build_label_config(other), CAMVID)


def test_validator_refuses_kind_mismatch():
    with pytest.raises(LabelConfigError, match="classification config"):
        validate_label_config(build_label_config(SIGNS), ProjectSpec(SEGMENTATION, SIGNS.class_names))


def test_validator_refuses_a_dangling_to_name():
    xml = build_label_config(SIGNS).replace('toName="image"', 'toName="picture"')
    with pytest.raises(LabelConfigError, match='toName="picture"'):
        validate_label_config(xml, SIGNS)


def test_validator_refuses_malformed_xml():
    with pytest.raises(LabelConfigError, match="well-formed"):
        validate_label_config("<View><Image name='image'", SIGNS)


def test_validator_uses_label_studios_schema_check():
    # Structurally ours, but two tags named "image" is something only Label Studio's own check refuses.
    xml = build_label_config(SIGNS).replace('<Header value="$frame_id" />', '<Header name="image" value="$frame_id" />')
    with pytest.raises(LabelConfigError, match="schema check failed: .*non-unique names"):
        validate_label_config(xml, SIGNS)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(kind="detection", class_names=("a",)), "not one of"),
        (dict(kind=SEGMENTATION, class_names=()), "at least one"),
        (dict(kind=SEGMENTATION, class_names=("a", "b", "a")), r"repeated: \['a'\]"),
        (dict(kind=SEGMENTATION, class_names=("a", "b"), colours=((0, 0, 0),)), "1 colours given for 2"),
        (dict(kind=SEGMENTATION, class_names=("a", "b"), ignore_index=1), "ignore index 1 is a class id"),
    ],
)
def test_project_spec_rejects_bad_input(kwargs, message):
    with pytest.raises(LabelConfigError, match=message):
        ProjectSpec(**kwargs)


def test_unpainted_defaults_to_255_without_ignore_index():
    assert ProjectSpec(SEGMENTATION, ("a", "b")).unpainted == 255
    assert CAMVID.unpainted == 11


def test_spread_colours_are_distinct_and_hex_is_lowercase():
    colours = spread_colours(43)
    assert len(set(colours)) == 43
    assert hex_colour((255, 0, 16)) == "#ff0010"
