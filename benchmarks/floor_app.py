"""Streamlit's own floor for the benchmarks: a bare page with one month-range slider and the value it shows.

The dashboard's first map and slider step are reported as multiples of this page's boot and step, measured in
the same run on the same machine (issue 15): what no app on Streamlit can beat.

    streamlit run benchmarks/floor_app.py
"""

import pandas as pd
import streamlit as st

MONTHS = list(pd.period_range("2022-01", "2025-12", freq="M"))

start, end = st.select_slider("Time window", options=MONTHS, value=(MONTHS[0], MONTHS[-1]),
                              format_func=lambda p: p.strftime("%b %Y"))
st.markdown(f"Window: {start:%b %Y} – {end:%b %Y}", width="content")
