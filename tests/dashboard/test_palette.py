"""The incident types' marker colours stay apart for readers with the common colour-vision deficiencies."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from dashboard.map.layer import TYPE_COLOURS

MIN_DELTA_E = 12  # CAM02-UCS units; about 2.3 of them is a just-noticeable difference


def _seen(colour: str, deficiency: str | None) -> np.ndarray:
    """Return a colour as sRGB in [0, 1], as a reader with the full deficiency sees it (colorspacious: Machado 2009)."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    if deficiency is None:
        return rgb
    return np.clip(cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}, "sRGB1"), 0, 1)


@pytest.mark.parametrize("deficiency", [None, "deuteranomaly", "protanomaly", "tritanomaly"])
def test_every_two_type_colours_stay_apart(deficiency: str | None) -> None:
    close = [(a, b, round(float(deltaE(_seen(TYPE_COLOURS[a], deficiency), _seen(TYPE_COLOURS[b], deficiency),
                                       input_space="sRGB1")), 1))
             for a, b in itertools.combinations(TYPE_COLOURS, 2)]
    assert [c for c in close if c[2] < MIN_DELTA_E] == []


def test_the_check_tells_close_colours_apart() -> None:
    # The palette before this check: drone attack's purple and aircraft crash's blue, 2 units apart to a deuteranope.
    assert deltaE(_seen("#8e44ad", "deuteranomaly"), _seen("#2471a3", "deuteranomaly"), input_space="sRGB1") < 3
