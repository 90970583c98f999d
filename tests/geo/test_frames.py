"""geo.frames: points' coordinates read as geopandas reads them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import point_coordinates

COORDINATE = st.floats(-180, 180, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(()), st.tuples(COORDINATE, COORDINATE)), max_size=30))
def test_point_coordinates_are_geopandas_x_and_y(points: list[tuple[float, float] | tuple[()] | None]) -> None:
    """The same longitudes and latitudes, NaN where a geometry is missing or an empty point."""
    series = gpd.GeoSeries([None if p is None else shapely.Point(*p) for p in points], crs="EPSG:4326")
    lon, lat = point_coordinates(series)
    np.testing.assert_array_equal(lon, series.x.to_numpy())
    np.testing.assert_array_equal(lat, series.y.to_numpy())


def test_point_coordinates_refuse_other_geometries_as_geopandas_does() -> None:
    series = gpd.GeoSeries([shapely.Point(30.5, 50.4), shapely.LineString([(0, 0), (1, 1)])])
    with pytest.raises(ValueError):
        _ = series.x
    with pytest.raises(ValueError):
        point_coordinates(series)
