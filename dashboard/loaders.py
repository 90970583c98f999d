"""Cached loaders: the catalogue and its frames are read once per server, not on every rerun."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st

import geo
from geo.annotate import Span, source_spans
from geo.places import DATA_DIR

from .filters import catalogue_span
from .mapping import CONTEXT_PLACE_IDS, focus_of
from .state import month_options


@st.cache_resource(show_spinner="Loading the catalogue…")
def catalogue() -> geo.Catalogue:
    """Return the bundled catalogue (shared by all sessions; never mutated)."""
    return geo.load_catalogue()


@st.cache_resource(show_spinner="Loading the gazetteer…")
def gazetteer() -> geo.Gazetteer:
    """Return the offline gazetteer used to mark place mentions in the reader."""
    return geo.Gazetteer.from_data()


@st.cache_data
def incidents_frame() -> gpd.GeoDataFrame:
    """Return the valid incidents as a GeoDataFrame."""
    return geo.incidents_frame(catalogue())


@st.cache_data
def districts() -> gpd.GeoDataFrame:
    """Return Kyiv's district polygons."""
    return geo.districts_frame(catalogue().places)


@st.cache_data
def context_places() -> gpd.GeoDataFrame:
    """Return the landmarks drawn for orientation (the Artem plant, Lukianivska metro…)."""
    places = geo.places_frame(catalogue().places)
    return places[places["id"].isin(CONTEXT_PLACE_IDS)]


@st.cache_data
def countries() -> dict | None:
    """Return the Natural Earth country outlines shipped for the offline base layer."""
    path = DATA_DIR / "countries.geojson"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


@st.cache_data
def time_span() -> tuple[tuple[date, date], list[pd.Period]]:
    """Return the catalogue's first and last day and the months between them."""
    span = catalogue_span(incidents_frame())
    return span, month_options(span)


@st.cache_data
def initial_frame() -> tuple[tuple[float, float], int]:
    """Return the centre and zoom that frame every incident (the base map's fixed view)."""
    return focus_of(incidents_frame())


@st.cache_data
def source_titles() -> dict[str, str]:
    """Return each source's title by id."""
    return {s.id: s.title for s in catalogue().sources.values()}


def source_label(source_id: str) -> str:
    """Return 'id prefix — title' for pickers."""
    title = source_titles().get(source_id, source_id)
    return f"{source_id[:3]} — {title[:70]}"


@st.cache_data
def spans(source_id: str) -> list[Span]:
    """Return the quotes and place mentions of a source, for the reader."""
    return source_spans(catalogue(), gazetteer(), source_id)
