"""Serve folium's JavaScript/CSS from the app itself instead of public CDNs.

folium (and its plugins) list the files they need as ``(name, url)`` pairs in
``default_js`` / ``default_css``; those URLs point at public CDNs.  ``streamlit-folium``
copies the same lists into the component iframe, which then loads them with
``<script>``/``<link>`` tags.  :func:`use_local_assets` rewrites every such URL in a map to the copy
vendored under ``dashboard/static/vendor/`` (see its README.md and
``dashboard/static/vendor/fetch.sh``), which Streamlit serves at ``/app/static/...``
when ``[server] enableStaticServing = true``.

A URL with no local copy raises :class:`MissingLocalAssetError` rather than
silently falling back to a CDN.

The dashboard vendors only what its page loads (Leaflet, Leaflet.fullscreen): :func:`base_map`
drops the jQuery, Bootstrap and icon fonts a folium.Map lists by default before calling
:func:`use_local_assets`. The benchmarks' textbook map loads them all, from its own folder and table
(``benchmarks/naive_app.py``), through the same functions with ``assets=``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from branca.colormap import ColorMap
from branca.element import CssLink, Element, JavascriptLink

__all__ = [
    "BUNDLED_SCRIPTS",
    "DASHBOARD_ASSETS",
    "LEAFLET_DEFAULTS_JS",
    "REMOTE_TO_LOCAL",
    "STATIC_DIR",
    "STATIC_URL_PREFIX",
    "LocalAssets",
    "MissingLocalAssetError",
    "bundle_text",
    "iter_elements",
    "local_url",
    "localize_element",
    "map_bundle",
    "missing_local_assets",
    "use_local_assets",
]

#: URL path at which Streamlit serves ``dashboard/static/`` (static serving on).
STATIC_URL_PREFIX = "/app/static"

#: Directory served at :data:`STATIC_URL_PREFIX`.
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

#: Script (relative to an app's static folder) that sets ``L.Icon.Default.imagePath`` to the vendored
#: Leaflet images, for maps with default ``L.Marker`` icons (the dashboard draws none; the benchmarks' does).
LEAFLET_DEFAULTS_JS = "js/leaflet-local-defaults.js"

_LEAFLET_DEFAULTS_NAME = "leaflet_local_defaults"

_LEAFLET = "npm/leaflet@1.9.3/dist"
_FULLSCREEN = "npm/leaflet.fullscreen@3.0.0"

#: Path (on whatever host folium 0.20 or a plugin names) of each remote file -> its copy under STATIC_DIR.
#: Keyed by path, not by full URL, so that no host needs naming here: a remote URL is never loaded.
REMOTE_TO_LOCAL: dict[str, str] = {
    # folium.Map.default_js / default_css: base_map keeps Leaflet and drops the rest (jQuery, Bootstrap, icon fonts)
    f"{_LEAFLET}/leaflet.js": "vendor/leaflet/leaflet.js",
    f"{_LEAFLET}/leaflet.css": "vendor/leaflet/leaflet.css",
    # folium.plugins.Fullscreen
    f"{_FULLSCREEN}/Control.FullScreen.min.js": "vendor/leaflet.fullscreen/Control.FullScreen.js",
    f"{_FULLSCREEN}/Control.FullScreen.css": "vendor/leaflet.fullscreen/Control.FullScreen.css",
}


@dataclass(frozen=True)
class LocalAssets:
    """Where an app's copies of remote files are: remote path -> file under `static_dir` (served at the prefix)."""

    files: Mapping[str, str]
    static_dir: Path
    icon_defaults_js: str | None = None  # injected right after leaflet.js when set (see LEAFLET_DEFAULTS_JS)


#: The dashboard's own: what its page can ask for, and nothing more.
DASHBOARD_ASSETS = LocalAssets(REMOTE_TO_LOCAL, STATIC_DIR)

#: The map frame's scripts (under STATIC_DIR), in the order they must run. streamlit-folium loads a map's scripts
#: one after another, each waiting for the last; on a server busy with the page's run each took about 50 ms to
#: come, so the frame loads them as one file (:func:`map_bundle`).
BUNDLED_SCRIPTS = ("vendor/leaflet/leaflet.js", "vendor/leaflet.fullscreen/Control.FullScreen.js", "js/sim-map.js")
# Beside sim-map.js, so that the script's own base ("../" from it: static/) stays the same.
_BUNDLE_NAME = "js/map-bundle.{digest}.js"
_SOURCE_MAP = re.compile(rb"^//# sourceMappingURL=.*$", re.MULTILINE)
_log = logging.getLogger(__name__)

_LEAFLET_JS = f"{_LEAFLET}/leaflet.js"


class MissingLocalAssetError(LookupError):
    """A folium element needs a remote file that has no vendored copy."""


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def _remote_path(url: str) -> str:
    """Return a remote URL's path without its leading slash (the key of :data:`REMOTE_TO_LOCAL`)."""
    return urlsplit(f"https:{url}" if url.startswith("//") else url).path.lstrip("/")


def _join(prefix: str, relative: str) -> str:
    return f"{prefix.rstrip('/')}/{relative}"


def local_url(url: str, prefix: str = STATIC_URL_PREFIX, *, check_file: bool = True,
              assets: LocalAssets = DASHBOARD_ASSETS) -> str:
    """Return the app-served URL that replaces the CDN ``url``.

    Only remote URLs (``http://``, ``https://``, ``//``) are looked up; any
    other URL (e.g. one already under ``prefix``) is returned unchanged.

    Args:
        url: A URL from an element's ``default_js``/``default_css``.
        prefix: URL path at which ``assets.static_dir`` is served.
        check_file: Also require the vendored file to exist on disk.
        assets: Which table and folder to use (the dashboard's by default).

    Raises:
        MissingLocalAssetError: ``url``'s path has no entry in ``assets.files`` (by default
            :data:`REMOTE_TO_LOCAL`), or (with ``check_file``) its vendored file is missing.
    """
    if not _is_remote(url):
        return url
    relative = assets.files.get(_remote_path(url))
    if relative is None:
        raise MissingLocalAssetError(
            f"No local copy of {url!r}. Vendor it with dashboard/static/vendor/fetch.sh, "
            "add it to dashboard.map.assets.REMOTE_TO_LOCAL and dashboard/static/vendor/README.md "
            "(for the benchmarks' baseline: benchmarks/assets.py and benchmarks/static/vendor/README.md), "
            "or drop the element that needs it."
        )
    if check_file and not (assets.static_dir / relative).is_file():
        raise MissingLocalAssetError(
            f"{url!r} maps to {relative!r}, but {assets.static_dir / relative} does not exist; "
            "run dashboard/static/vendor/fetch.sh."
        )
    return _join(prefix, relative)


def iter_elements(root: Element) -> Iterator[Element]:
    """Yield ``root`` and all its descendants (depth first, both maps of a DualMap)."""
    yield root
    for attr in ("m1", "m2"):  # folium.plugins.DualMap keeps its maps here
        sub = getattr(root, attr, None)
        if isinstance(sub, Element):
            yield from iter_elements(sub)
    for child in getattr(root, "_children", {}).values():
        yield from iter_elements(child)


def localize_element(element: Element, prefix: str = STATIC_URL_PREFIX, *, check_files: bool = True,
                     assets: LocalAssets = DASHBOARD_ASSETS) -> None:
    """Rewrite one element's ``default_js``/``default_css`` to local URLs.

    The new lists are set on the instance, so the folium classes are left
    untouched. With ``assets.icon_defaults_js``, a folium Map additionally gets
    that script right after Leaflet, which points ``L.Icon.Default.imagePath`` at
    the vendored marker images.

    Raises:
        MissingLocalAssetError: see :func:`local_url`.
    """
    for attr in ("default_js", "default_css"):
        links = getattr(element, attr, None)
        if not links:
            continue
        new_links: list[tuple[str, str]] = []
        for name, url in links:
            new_links.append((name, local_url(url, prefix, check_file=check_files, assets=assets)))
            is_leaflet = _remote_path(url) == _LEAFLET_JS or url.endswith("/vendor/leaflet/leaflet.js")
            if attr == "default_js" and is_leaflet and assets.icon_defaults_js:
                defaults = (_LEAFLET_DEFAULTS_NAME, _join(prefix, assets.icon_defaults_js))
                if defaults not in links:
                    new_links.append(defaults)
        setattr(element, attr, new_links)


def _localize_header_links(root: Element, prefix: str, check_files: bool, assets: LocalAssets) -> None:
    """Rewrite links that an earlier ``render()`` already put in the Figure header."""
    figure = root.get_root()
    header = getattr(figure, "header", None)
    for child in getattr(header, "_children", {}).values():
        if isinstance(child, (JavascriptLink, CssLink)) and isinstance(child.url, str):
            child.url = local_url(child.url, prefix, check_file=check_files, assets=assets)


def bundle_text(static_dir: Path = STATIC_DIR) -> bytes:
    """Return the map's scripts as one file: each as it is, named in a comment, its source-map line left out."""
    parts = []
    for name in BUNDLED_SCRIPTS:
        # The source maps are not shipped (vendor/README.md), and the line would point the whole file at Leaflet's.
        text = _SOURCE_MAP.sub(b"", (static_dir / name).read_bytes())
        parts.append(b"/* ---- " + name.encode() + b" ---- */\n" + text.rstrip() + b"\n;\n")
    return b"".join(parts)


def map_bundle(static_dir: Path = STATIC_DIR) -> str | None:
    """Return the bundle of :data:`BUNDLED_SCRIPTS` (path under `static_dir`), written once per content; None when
    the folder cannot be written (the frame then loads the scripts one by one, as before)."""
    # Made again when a script changes (its size or time of change): an edited sim-map.js shows on the next page
    # without a restart, as it did when the frame loaded it by itself.
    stamps = tuple((s.st_size, s.st_mtime_ns) for s in ((static_dir / name).stat() for name in BUNDLED_SCRIPTS))
    return _written_bundle(static_dir, stamps)


@functools.lru_cache(maxsize=8)
def _written_bundle(static_dir: Path, stamps: tuple[tuple[int, int], ...]) -> str | None:
    """Write the bundle of the scripts as `stamps` found them, unless it is there; return its path or None."""
    text = bundle_text(static_dir)
    relative = _BUNDLE_NAME.format(digest=hashlib.sha256(text).hexdigest()[:16])  # a new name for new content
    target = static_dir / relative
    if target.is_file():
        return relative
    temporary = None
    try:  # written aside, then renamed: servers starting together never serve half a file
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".map-bundle-")
        with os.fdopen(handle, "wb") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        _log.warning("could not write the map's scripts as one file (%s); the map loads them one by one", exc)
        return None
    return relative


def missing_local_assets(root: Element, assets: LocalAssets = DASHBOARD_ASSETS) -> list[str]:
    """List the remote URLs needed by ``root``'s tree that have no local copy."""
    missing: list[str] = []
    for element in iter_elements(root):
        for attr in ("default_js", "default_css"):
            for _name, url in getattr(element, attr, None) or []:
                if _is_remote(url) and _remote_path(url) not in assets.files and url not in missing:
                    missing.append(url)
    return missing


def use_local_assets(m: Element, prefix: str = STATIC_URL_PREFIX, *, check_files: bool = True,
                     assets: LocalAssets = DASHBOARD_ASSETS) -> Element:
    """Make a folium Map (and every child plugin) load its JS/CSS from the app.

    Call it after all layers/plugins were added and before ``st_folium`` or
    ``m.save``. Returns ``m`` (modified in place) for chaining.

    Args:
        m: A ``folium.Map`` (or any folium element; the whole subtree is handled).
        prefix: URL path at which ``assets.static_dir`` is served; relative
            prefixes are allowed but resolve against the component iframe URL.
        check_files: Fail if a mapped vendored file is missing on disk.
        assets: Which table and folder to use (the dashboard's by default; the benchmarks' baseline has its own).

    Raises:
        MissingLocalAssetError: an element needs a URL with no local copy, or
            the tree contains a branca ``ColorMap`` (streamlit-folium always
            loads d3 from a CDN for those; draw legends with Streamlit instead).
    """
    for element in iter_elements(m):
        if isinstance(element, ColorMap):
            raise MissingLocalAssetError(
                "branca ColorMap legends make streamlit-folium load d3 from a CDN; "
                "do not add a ColorMap (e.g. a Choropleth legend) to the map, "
                "show the legend with Streamlit instead."
            )
        localize_element(element, prefix, check_files=check_files, assets=assets)
    _localize_header_links(m, prefix, check_files, assets)
    return m
