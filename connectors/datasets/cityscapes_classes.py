"""Cityscapes' 19 training classes and the map from the 34 `labelIds` of gtFine to them."""

CLASS_NAMES: tuple[str, ...] = (
    "road",
    "sidewalk",
    "building",
    "wall",
    "fence",
    "pole",
    "traffic_light",
    "traffic_sign",
    "vegetation",
    "terrain",
    "sky",
    "person",
    "rider",
    "car",
    "truck",
    "bus",
    "train",
    "motorcycle",
    "bicycle",
)
NUM_CLASSES = len(CLASS_NAMES)
# Cityscapes marks ignored pixels 255; the lake's convention is ignore = num_classes, as for CamVid (11).
IGNORE_INDEX = NUM_CLASSES

# labelId -> trainId for the ids that are trained on; every other labelId (0-6, 9, 10, 14-16, 18, 29, 30, -1)
# is ignored.
LABEL_ID_TO_TRAIN_ID: dict[int, int] = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
    24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
}


def label_lut() -> list[int]:
    """A 256-entry lookup table from labelId to trainId (IGNORE_INDEX where not trained on)."""
    lut = [IGNORE_INDEX] * 256
    for label_id, train_id in LABEL_ID_TO_TRAIN_ID.items():
        lut[label_id] = train_id
    return lut
