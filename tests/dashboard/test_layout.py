"""The dashboard's shape: geo's public face only, no text parsing, one owner of the page's state."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import geo

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
MODULES = sorted(DASHBOARD.rglob("*.py"))


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DASHBOARD)))
def test_the_dashboard_imports_only_geos_public_face(path: Path) -> None:
    for name in imports(path):
        if name == "geo" or not name.startswith("geo."):
            continue
        # `from geo import X` shows up as "geo.X": X must be a public name, never a submodule.
        assert name.count(".") == 1 and name.split(".")[1] in geo.__all__, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DASHBOARD)))
def test_only_the_session_touches_the_session_state_or_reruns(path: Path) -> None:
    if path.name == "session.py" and path.parent == DASHBOARD:
        return
    code = "\n".join(line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines())
    assert not re.search(r"\bsession_state\b", code), path.name
    assert not re.search(r"\bst\.rerun\b", code), path.name
    assert "query_params" not in code, path.name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DASHBOARD)))
def test_the_dashboard_neither_parses_text_nor_geocodes(path: Path) -> None:
    code = path.read_text(encoding="utf-8")
    for call in ("find_places", "find_dates", "Gazetteer.from_data", "GazetteerGeocoder", "geocode("):
        assert call not in code, f"{path.name} calls {call}"


def test_every_section_the_page_draws_is_importable() -> None:
    # The app's page is a list of sections; each lives in its feature's folder or file.
    from dashboard import incidents, session, timeline
    from dashboard.data import section as data_section
    from dashboard.map import section as map_section
    from dashboard.reader import section as reader_section

    for module, names in ((data_section, ("picker", "filters", "checks")), (map_section, ("incident_map", "legend")),
                          (reader_section, ("source_reader",)), (timeline, ("controls", "chart", "player")),
                          (incidents, ("detail", "table", "exports")), (session, ("page", "rerun"))):
        for name in names:
            assert callable(getattr(module, name)), f"{module.__name__}.{name}"
