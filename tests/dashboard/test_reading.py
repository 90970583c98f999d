"""The mapping step: a file whose columns or dates cannot be read as they are is mapped on the page, then loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

import geo
from dashboard.data import loaders
from dashboard.data.reading import ImportedFile, mapping_file_text, preview_frame
from dashboard.session import NO_COLUMN, reading_key

from .test_app import incident_table, run_on

pytestmark = pytest.mark.filterwarnings("ignore")

# A monitor's export as analysts get them: its own column names (N/E are no common names for latitude and
# longitude) and US dates of which every one fits both orders: 03/04/2023 is 4 March, never 3 April.
MONITOR = """entry,When,What,N,E,link
M-1,03/04/2023,shelling,50.45,30.52,https://kyivindependent.com/a; https://t.me/chan/1
M-2,05/06/2023,drone attack,50.0,36.23,HIDDEN
M-3,11/12/2023,shelling,46.48,30.73,https://www.reuters.com/b
"""
PREVIEW_LABEL = "How monitor.csv is read"


def shown(markdown: str) -> str:
    """Return Markdown as the page shows it (a label from a file's name is escaped)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def expander(at: AppTest, prefix: str):
    found = [e for e in at.expander if shown(e.label).startswith(prefix)]
    assert len(found) == 1, [e.label for e in at.expander]
    return found[0]


def field_box(at: AppTest, file: str, name: str):
    return at.selectbox(key=reading_key(file, f"field:{name}"))


def submit(at: AppTest) -> AppTest:
    [button] = [b for b in at.button if b.label == "Read the file again with these choices"]
    return button.click().run()


def test_a_file_is_mapped_and_its_date_order_chosen_on_the_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR)
    file = f"path:{data}"
    at = run_on(monkeypatch, data)
    assert not at.exception
    # Not loaded: no latitude column. The step is open, says why, and shows the file's columns to choose from.
    step = expander(at, PREVIEW_LABEL)
    assert shown(step.label).endswith("not loaded. Choose its columns and date order here")
    errors = [shown(e.value) for e in at.error]
    assert any(e.startswith("Not loaded: monitor.csv:1: no latitude column") for e in errors), errors
    assert "Could not load monitor.csv: see how it is read, above the map. Showing the bundled catalogue meanwhile." in errors
    assert field_box(at, file, "lat").options == [NO_COLUMN, "entry", "When", "What", "N", "E", "link"]
    assert field_box(at, file, "id").value == "entry" and field_box(at, file, "sources").value == "link"
    assert field_box(at, file, "lat").value == NO_COLUMN
    # The preview: the file's first rows as written, mapped columns first and headed by their field.
    preview = at.dataframe[0].value
    assert list(preview.columns)[:2] == ["id ← entry", "sources ← link"] and preview.iloc[0, 0] == "M-1"
    assert at.header[0].value == "Incidents reported in the articles"  # the bundled catalogue meanwhile

    field_box(at, file, "lat").set_value("N")
    field_box(at, file, "lon").set_value("E")
    field_box(at, file, "date").set_value("When")
    field_box(at, file, "type").set_value("What")
    at = submit(at)
    # Mapped, but every date fits both orders: refused, never guessed, and the step says how to settle it.
    assert not at.exception
    assert any("--date-format" in shown(e.value) and "mapping step" in shown(e.value) for e in at.error)
    assert field_box(at, file, "lat").value == "N"  # the choices stay

    at.selectbox(key=reading_key(file, "date_order")).set_value("%m/%d/%Y")
    at = submit(at)
    assert not at.exception and not at.error
    assert shown(at.header[0].value) == "Incidents in monitor.csv"  # its name, never the server's path
    table = incident_table(at).set_index("id")
    assert sorted(table.index) == ["M-1", "M-2", "M-3"]
    assert table.loc["M-1", "date"] == "4 March 2023" and table.loc["M-3", "date"] == "12 November 2023"
    assert table.loc["M-2", "type"] == "drone attack"
    step = expander(at, PREVIEW_LABEL)
    assert "CSV (column mapping)" in shown(step.label) and not step.proto.expanded
    # Saved choices: a mapping file that the command line reads back into the same dataset.
    [saved] = [b for b in at.get("download_button") if "monitor.mapping.yaml" in b.proto.label]
    assert saved is not None


def test_the_saved_mapping_file_reads_the_file_as_the_page_did(tmp_path: Path) -> None:
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR)
    options = geo.ImportOptions({"lat": "N", "lon": "E", "date": "When", "type": "What", "weapon": ""}, "%m/%d/%Y")
    result = geo.read_incidents(data, "monitor.csv", options=options)
    dataset = loaders.datasets.from_import(result)
    file = ImportedFile("path:x", "monitor.csv", lambda: data, ("k",), geo.ImportOptions(), options, dataset)
    text = mapping_file_text(file, mapped=True)
    assert yaml.safe_load(text) == {"map": {"weapon": "", "id": "entry", "date": "When", "lat": "N", "lon": "E",
                                            "type": "What", "sources": "link"}, "date_format": "%m/%d/%Y"}
    (tmp_path / "monitor.mapping.yaml").write_text(text)
    again = geo.read_incidents(data, "monitor.csv")  # the mapping file beside it, nothing else
    assert again.frame["date_start"].tolist() == result.frame["date_start"].tolist() == ["2023-03-04", "2023-05-06",
                                                                                          "2023-11-12"]
    # A file read by its own schema gives no columns to map: its mapping file holds none.
    assert yaml.safe_load(mapping_file_text(file, mapped=False)) == {"map": {}, "date_format": "%m/%d/%Y"}


def test_a_file_read_by_its_own_schema_shows_its_mapping_without_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    acled = Path(__file__).parents[1] / "fixtures" / "acled_sample.csv"
    at = run_on(monkeypatch, acled)
    assert not at.exception
    step = expander(at, "How acled_sample.csv is read: ACLED CSV")
    assert not step.proto.expanded  # it loaded: the step waits, closed
    assert not [s for s in at.selectbox if s.key and s.key.startswith("reading:") and ":field:" in s.key]
    assert any("read by its own schema" in shown(m.value) and "lat ← latitude" in shown(m.value) for m in at.markdown)


def test_the_command_line_gives_a_mapping_date_format_and_duplicates_policy() -> None:
    options = loaders.data_options(["--data", "x.csv", "--map", "lat=N", "--map", "lon=E", "--date-format", "%m/%d/%Y",
                                    "--duplicates", "reject", "--server.port", "1"])
    assert options == geo.ImportOptions({"lat": "N", "lon": "E"}, "%m/%d/%Y", "reject")
    assert loaders.data_options([]) == geo.ImportOptions()
    with pytest.raises(ValueError, match="unknown field 'when'"):
        loaders.data_options(["--map", "when=Date"])
    with pytest.raises(ValueError, match="duplicates"):
        loaders.data_options(["--duplicates", "merge"])


def test_data_options_reach_the_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR)
    monkeypatch.setattr("sys.argv", ["app.py", "--map", "lat=N", "--map", "lon=E", "--map", "date=When",
                                     "--date-format", "%m/%d/%Y"])
    at = run_on(monkeypatch, data)
    assert not at.exception and not at.error
    assert sorted(incident_table(at)["id"]) == ["M-1", "M-2", "M-3"]
    assert at.selectbox(key=reading_key(f"path:{data}", "date_order")).value == "%m/%d/%Y"


def test_a_bad_command_line_mapping_is_the_pages_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR)
    monkeypatch.setattr("sys.argv", ["app.py", "--map", "when=When"])
    at = run_on(monkeypatch, data)
    assert not at.exception
    assert any(shown(e.value).startswith("--data: --map 'when=When': unknown field") for e in at.error)
    assert at.header[0].value == "Incidents reported in the articles"


def test_the_preview_heads_mapped_columns_by_field_and_keeps_the_rest() -> None:
    rows = [{"a": "1", "b": None, "c": 3.5}]
    frame = preview_frame(rows, ["a", "b", "c"], {"lat": "c", "id": "a", "weapon": ""})
    assert list(frame.columns) == ["id ← a", "lat ← c", "b"]
    assert frame.iloc[0].tolist() == ["1", "3.5", ""]


def test_a_loaded_files_step_shows_its_import_without_reading_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # At a million rows the second read, for five rows, was a third of the first load.
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "monitor_plain.csv"

    def read_again(*args, **kwargs):
        raise AssertionError("the file was read again for its preview")

    monkeypatch.setattr(loaders, "file_preview", read_again)
    at = run_on(monkeypatch, fixture)
    assert not at.exception
    step = expander(at, "How monitor_plain.csv is read")
    assert "10 fields from its columns" in shown(step.label)
    header = fixture.read_text().splitlines()[0].split(",")
    preview = [d for d in at.dataframe if set(header) & {c.split(" ← ")[-1] for c in d.value.columns}]
    assert preview and len(preview[0].value) == 5


def test_the_tools_own_export_is_said_to_be_read_by_its_schema(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # It was "GeoJSON, 0 fields from its columns", over a form of empty pickers: true, and no help.
    export = tmp_path / "export.geojson"
    from geo.cli import main as geo_main

    geo_main(["synth", "--count", "20", "-o", str(export)])
    at = run_on(monkeypatch, export)
    assert not at.exception
    step = expander(at, "How export.geojson is read")
    assert shown(step.label).endswith("GeoJSON in this tool's export schema, every column a field by its name")
    assert any("Read as this tool's own export" in m.value for m in at.markdown)


def test_a_loaded_files_mapping_step_waits_for_the_map_and_a_failed_ones_does_not(monkeypatch: pytest.MonkeyPatch,
                                                                                 tmp_path: Path) -> None:
    """Loaded, the step is collapsed: its pickers and first rows (their browser scripts are large) follow the map."""
    data = tmp_path / "incidents.geojson"
    data.write_text(geo.geojson_text(geo.incidents_frame(geo.load_catalogue())), encoding="utf-8")
    monkeypatch.setenv("SIM_DATA", str(data))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py"), default_timeout=30).run()
    assert not at.exception
    step = expander(at, "How incidents.geojson is read")
    assert step.caption.values == ["The mapping step follows as soon as the map is drawn."]
    assert not at.dataframe and not at.selectbox and not any(b.label.startswith("Read the file") for b in at.button)
    at.button(key="details_now").click().run()  # as the map's first report does
    assert not at.exception
    assert field_box(at, f"path:{data}", "lat").value is not None and at.dataframe
    # A file that did not load shows its step at once, open: the reader needs it to load the file.
    broken = tmp_path / "monitor.csv"
    broken.write_text(MONITOR)
    monkeypatch.setenv("SIM_DATA", str(broken))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py"), default_timeout=30).run()
    assert field_box(at, f"path:{broken}", "lat").value == NO_COLUMN and at.dataframe


def test_a_loads_moving_count_is_drawn_a_few_times_a_second_and_every_new_step_at_once() -> None:
    """A million-row read tells its count a hundred times: the bar draws it at most every quarter second, while a
    new step (the fields, the checks, the summary) is drawn the moment it comes, whatever came just before."""
    from dashboard.data.loaders import PROGRESS_SHOWN_EVERY_S, ShownProgress

    now = [0.0]
    drawn: list[tuple[float, str]] = []
    told = ShownProgress(lambda fraction, message: drawn.append((fraction, message)), clock=lambda: now[0])
    told(0.0, "Reading big.geojson")
    for count in range(1, 101):  # a hundred counts in two seconds
        now[0] = count * 0.02
        told(0.8 * count / 100, f"Read {count * 10_000:,} features")
    told(0.8, "Reading the fields of 1,000,000 rows")  # at once: a new step
    told(0.9, "Checking 1,000,000 rows: dates, sources, repeats, plausibility")
    now[0] += 0.01
    told(1.0, "1,000,000 of 1,000,000 rows loaded, 0 rejected")
    messages = [message for _, message in drawn]
    counts = [message for message in messages if message.startswith("Read ")]
    assert messages[0] == "Reading big.geojson" and counts[0] == "Read 10,000 features"
    assert 2 / PROGRESS_SHOWN_EVERY_S - 1 <= len(counts) <= 2 / PROGRESS_SHOWN_EVERY_S + 1  # 8 or so, not 100
    assert messages[-3:] == ["Reading the fields of 1,000,000 rows",
                             "Checking 1,000,000 rows: dates, sources, repeats, plausibility",
                             "1,000,000 of 1,000,000 rows loaded, 0 rejected"]
    assert [fraction for fraction, _ in drawn] == sorted(fraction for fraction, _ in drawn)
