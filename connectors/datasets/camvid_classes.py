"""CamVid's 11 classes (SegNet variant), shared by the CamVid reader, the synthetic generator and Label Studio."""

CLASS_NAMES: tuple[str, ...] = (
    "sky",
    "building",
    "pole",
    "road",
    "pavement",
    "tree",
    "sign_symbol",
    "fence",
    "car",
    "pedestrian",
    "bicyclist",
)
NUM_CLASSES = len(CLASS_NAMES)
# Pixel value 11 in CamVid's label maps: unlabelled, ignored in loss and metrics.
IGNORE_INDEX = 11

# RGB colour of each class id, as in the SegNet tutorial's palette (index = class id).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (128, 128, 128),
    (128, 0, 0),
    (192, 192, 128),
    (128, 64, 128),
    (60, 40, 222),
    (128, 128, 0),
    (192, 128, 128),
    (64, 64, 128),
    (64, 0, 128),
    (64, 64, 0),
    (0, 128, 192),
)
IGNORE_COLOUR = (0, 0, 0)
