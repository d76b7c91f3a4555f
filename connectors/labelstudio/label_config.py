"""Labeling configurations built from a class list, and their validation.

Two kinds of project:
- segmentation: `<BrushLabels>` with one `<Label>` per class, coloured like the dataset's palette; an
  annotator paints classes, unpainted pixels become the ignore value;
- classification: `<Choices choice="single">` with one `<Choice>` per class.

Both show the frame as `<Image name="image" value="$image">` and its id as a header, so a task's data
holds `image` and `frame_id`. The label order in the XML is the class-id order.
"""

from __future__ import annotations

import colorsys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Optional, Sequence

from connectors.labelstudio.errors import LabelConfigError

SEGMENTATION = "segmentation"
CLASSIFICATION = "classification"
KINDS = (SEGMENTATION, CLASSIFICATION)
IMAGE_NAME = "image"  # the <Image> tag's name, the results' to_name
CONTROL_NAME = {SEGMENTATION: "label", CLASSIFICATION: "class"}  # the results' from_name
CONTROL_TAG = {SEGMENTATION: "BrushLabels", CLASSIFICATION: "Choices"}
OPTION_TAG = {SEGMENTATION: "Label", CLASSIFICATION: "Choice"}
RESULT_TYPE = {SEGMENTATION: "brushlabels", CLASSIFICATION: "choices"}
# Unpainted pixels of a class list without an ignore index.
DEFAULT_UNPAINTED = 255


@dataclass(frozen=True)
class ProjectSpec:
    """What a project labels: its kind, the classes (index = class id) and how masks are written.

    colours: RGB per class (segmentation), used as brush colours; None = evenly spaced hues.
    ignore_index: value of unpainted pixels in a pulled mask (None -> 255).
    """

    kind: str
    class_names: tuple[str, ...]
    colours: Optional[tuple[tuple[int, int, int], ...]] = None
    ignore_index: Optional[int] = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LabelConfigError(f"project kind {self.kind!r} is not one of {KINDS}")
        if not self.class_names:
            raise LabelConfigError("a project needs at least one class")
        if len(set(self.class_names)) != len(self.class_names):
            dupes = sorted({n for n in self.class_names if self.class_names.count(n) > 1})
            raise LabelConfigError(f"class names must be unique; repeated: {dupes}")
        if self.colours is not None and len(self.colours) != len(self.class_names):
            raise LabelConfigError(
                f"{len(self.colours)} colours given for {len(self.class_names)} classes: give one RGB per class"
            )
        if self.kind == SEGMENTATION and self.unpainted < len(self.class_names):
            raise LabelConfigError(
                f"ignore index {self.unpainted} is a class id (there are {len(self.class_names)} classes): "
                "unpainted pixels need a value that is not a class"
            )

    @property
    def from_name(self) -> str:
        return CONTROL_NAME[self.kind]

    @property
    def to_name(self) -> str:
        return IMAGE_NAME

    @property
    def result_type(self) -> str:
        return RESULT_TYPE[self.kind]

    @property
    def unpainted(self) -> int:
        """The class-id value written for pixels no class was painted on."""
        return DEFAULT_UNPAINTED if self.ignore_index is None else self.ignore_index

    def class_id(self, name: str) -> int:
        """The id of class `name`; ValueError when it is not one of the classes."""
        return self.class_names.index(name)


def hex_colour(rgb: Sequence[int]) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def spread_colours(n: int) -> tuple[tuple[int, int, int], ...]:
    """`n` distinguishable colours: evenly spaced hues at fixed saturation and value."""
    out = []
    for i in range(n):
        r, g, b = colorsys.hsv_to_rgb(i / max(n, 1), 0.75, 0.9)
        out.append((round(r * 255), round(g * 255), round(b * 255)))
    return tuple(out)


def build_label_config(spec: ProjectSpec) -> str:
    """The labeling configuration XML for `spec` (validated before it is returned)."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", {"value": "$frame_id"})
    ET.SubElement(view, "Image", {"name": IMAGE_NAME, "value": f"${IMAGE_NAME}", "zoom": "true", "zoomControl": "true"})
    if spec.kind == SEGMENTATION:
        control = ET.SubElement(view, "BrushLabels", {"name": spec.from_name, "toName": IMAGE_NAME})
        colours = spec.colours or spread_colours(len(spec.class_names))
        for name, rgb in zip(spec.class_names, colours):
            ET.SubElement(control, "Label", {"value": name, "background": hex_colour(rgb)})
    else:
        control = ET.SubElement(
            view, "Choices", {"name": spec.from_name, "toName": IMAGE_NAME, "choice": "single", "required": "true"}
        )
        for name in spec.class_names:
            ET.SubElement(control, "Choice", {"value": name})
    ET.indent(view)
    xml = ET.tostring(view, encoding="unicode")
    validate_label_config(xml, spec)
    return xml


def config_classes(xml: str) -> tuple[str, tuple[str, ...]]:
    """(kind, class names in order) of a configuration this module built, or LabelConfigError."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise LabelConfigError(f"label config is not well-formed XML: {exc}") from None
    found = []
    for kind in KINDS:
        for control in root.iter(CONTROL_TAG[kind]):
            found.append((kind, control))
    if len(found) != 1:
        tags = ", ".join(CONTROL_TAG[k] for k in KINDS)
        raise LabelConfigError(f"label config must have exactly one of {tags}; found {len(found)}")
    kind, control = found[0]
    return kind, tuple(option.get("value", "") for option in control.iter(OPTION_TAG[kind]))


def validate_label_config(xml: str, spec: ProjectSpec) -> None:
    """Check `xml` is a configuration Label Studio accepts and that it labels exactly `spec`'s classes.

    Raises LabelConfigError listing every problem found. Uses the SDK's own schema validation as well as
    the structural checks the platform relies on (names `image`/`label`|`class`, class order).
    """
    problems: list[str] = []
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise LabelConfigError(f"label config is not well-formed XML: {exc}") from None
    if root.tag != "View":
        problems.append(f"root tag must be <View>, got <{root.tag}>")
    images = [e for e in root.iter("Image")]
    if len(images) != 1 or images[0].get("name") != IMAGE_NAME or images[0].get("value") != f"${IMAGE_NAME}":
        problems.append(f'expected exactly one <Image name="{IMAGE_NAME}" value="${IMAGE_NAME}"/>')
    try:
        kind, names = config_classes(xml)
    except LabelConfigError as exc:
        problems.append(str(exc))
    else:
        if kind != spec.kind:
            problems.append(f"config is a {kind} config ({CONTROL_TAG[kind]}), the project is {spec.kind}")
        control = next(root.iter(CONTROL_TAG[kind]))
        if control.get("name") != CONTROL_NAME[kind] or control.get("toName") != IMAGE_NAME:
            problems.append(
                f'<{CONTROL_TAG[kind]}> must have name="{CONTROL_NAME[kind]}" toName="{IMAGE_NAME}", got '
                f'name="{control.get("name")}" toName="{control.get("toName")}"'
            )
        if names != spec.class_names:
            missing = [n for n in spec.class_names if n not in names]
            extra = [n for n in names if n not in spec.class_names]
            detail = f"missing {missing}, unexpected {extra}" if (missing or extra) else "same names, other order"
            problems.append(f"config classes differ from the class list ({detail})")
    if not problems:
        from label_studio_sdk.label_interface import LabelInterface

        try:
            LabelInterface(xml).validate()
        except Exception as exc:  # noqa: BLE001 - the SDK raises its own exception classes
            problems.append(f"Label Studio's schema check failed: {exc}")
    if problems:
        raise LabelConfigError("invalid label config: " + "; ".join(problems))
