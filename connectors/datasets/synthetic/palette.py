"""CamVid's 11 classes (SegNet variant) as the generator uses them: ids, names, palette.

The synthetic generator labels with exactly the ids of the real CamVid data in
``../shared/data/camvid`` so that a model trained on synthetic frames predicts real classes
unchanged (synthetic-to-real). Names, ids and colours come from the shared
``connectors.datasets.camvid_classes``; this module adds named ids for the renderer and the
palette as an array with the ignore colour as row 11.
"""

from __future__ import annotations

import numpy as np

from connectors.datasets.camvid_classes import CLASS_NAMES, IGNORE_COLOUR, IGNORE_INDEX, NUM_CLASSES
from connectors.datasets.camvid_classes import PALETTE as _PALETTE

SKY = 0
BUILDING = 1
POLE = 2
ROAD = 3  # lane markings are road too (CamVid merges LaneMkgsDriv into road)
PAVEMENT = 4
TREE = 5  # includes low vegetation: grass verges and hedges
SIGN = 6  # signs, symbols, shop-front lettering and traffic lights
FENCE = 7
CAR = 8  # cars, vans, buses and trucks
PEDESTRIAN = 9
BICYCLIST = 10  # rider and bicycle together

assert NUM_CLASSES == 11 and IGNORE_INDEX == 11 and CLASS_NAMES[ROAD] == "road"

# Row i is the display colour of class i; row 11 (black) is the ignore label.
PALETTE: np.ndarray = np.array([*_PALETTE, IGNORE_COLOUR], dtype=np.uint8)
PALETTE.setflags(write=False)


def colorize(mask: np.ndarray) -> np.ndarray:
    """Map a class-id mask to CamVid display colours.

    Args:
        mask: integer array ``[H, W]`` of class ids in ``0..11``.

    Returns:
        ``uint8`` array ``[H, W, 3]``.
    """
    mask = np.asarray(mask)
    if mask.size and (mask.min() < 0 or mask.max() > IGNORE_INDEX):
        raise ValueError(
            f"colorize: mask values must lie in 0..{IGNORE_INDEX}, got min {mask.min()} max "
            f"{mask.max()}; pass a CamVid class-id mask"
        )
    return PALETTE[mask.astype(np.intp)]
