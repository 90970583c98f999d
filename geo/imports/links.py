"""Source cells read honestly: several links become several sources, and placeholders never count.

A cell may hold several URLs (separated by ``;``, ``|``, ``,``, whitespace, or given as a JSON
list). Text that is not a web address ("HIDDEN", "n/a", "see notes") never becomes a link and
never counts as corroboration; the importer keeps the cell as written beside the sources. Outlet
names (ACLED's ``source``: "Kyiv Independent; Ukrainska Pravda") are sources too, except
placeholder words. A source's outlet is what corroboration and "Reported by" count: a web domain,
or a Telegram, X, Facebook, YouTube… channel, so that two posts of one channel count once.

Both rules are plain string methods: a 100,000-row file holds 200,000 links, and pandas' string
methods on such columns are no faster (measured).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..json_cells import BLOCK_ROWS, READ_ROWS, items_field_slices, sorted_unique

# Links are separated by whitespace, ; or |, or by a comma (before a space, or glued to the next link).
_URL_RE = re.compile(r"https?://[^\s;|<>\"']+", re.I)
_NEXT_URL_RE = re.compile(r",(?=https?://)", re.I)
_TRAILING = frozenset(".,)")
PLACEHOLDERS = frozenset({
    "", "-", "--", "—", "?", "n/a", "na", "n.a.", "none", "null", "nil", "hidden", "unknown", "redacted", "tbd",
    "not available", "not applicable", "no source", "nan", "x",
})
# Sites where the first path part is the channel or account: its posts are one outlet.
CHANNEL_SITES = frozenset({"t.me", "telegram.me", "x.com", "twitter.com", "facebook.com", "instagram.com",
                           "youtube.com", "tiktok.com", "vk.com", "threads.net"})
_NOT_CHANNELS = ("watch", "status", "share", "story.php", "permalink.php", "")


def is_placeholder(text: str) -> bool:
    """Return True for text that stands for a missing value ('HIDDEN', 'n/a', '-', …), not for a source."""
    return text.strip().lower() in PLACEHOLDERS


def _cell_text(cell: object) -> str:
    """Return a cell as one text: a JSON list (in the cell, or as a value) joined by spaces."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return ""
    if isinstance(cell, list):
        return " ".join(str(x) for x in cell if x is not None)
    text = str(cell)
    if text.lstrip().startswith("["):
        try:
            decoded = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
        if isinstance(decoded, list):
            return " ".join(str(x) for x in decoded if x is not None)
    return text


def links_of(cells: pd.Series | list) -> list[list[str]]:
    """Return each cell's web addresses (http and https only), in order, once each."""
    return [split_links(cell) for cell in cells]


def split_links(cell: object) -> list[str]:
    """Return one cell's web addresses (http and https only), in order, once each."""
    text = _cell_text(cell)
    if "://" not in text:  # no link at all (most placeholder cells): nothing to split
        return []
    urls: list[str] = []
    for found in _URL_RE.findall(text):
        for url in _NEXT_URL_RE.split(found) if "," in found else (found,):
            urls.append(_trimmed(url) if url[-1] in _TRAILING else url)
    return list(dict.fromkeys(urls))


def _trimmed(url: str) -> str:
    """Return a URL without the sentence's punctuation after it (a closing bracket only if it opened none)."""
    url = url.rstrip(".,")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(".,")
    return url


def split_outlets(cell: object, separator: str = ";") -> list[str]:
    """Return the outlet names of a cell such as ACLED's source ('A; B'), placeholders left out."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    names = (part.strip() for part in str(cell).split(separator))
    return list(dict.fromkeys(name for name in names if not is_placeholder(name)))


def outlet(source: str) -> str:
    """Return who published a source: 't.me/channel', 'x.com/account', a web domain, or the name itself."""
    text = source.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return text
    # Plain string methods, not urlsplit or a regular expression: a 100,000-row file has 200,000 links.
    authority, _, path = rest.partition("/")
    authority = authority.split("?", 1)[0].split("#", 1)[0]
    host = authority.rpartition("@")[2].split(":", 1)[0].lower()
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    if host in CHANNEL_SITES:
        parts = [part for part in path.split("?", 1)[0].split("#", 1)[0].split("/") if part]
        if parts and parts[0] == "s" and host in ("t.me", "telegram.me"):  # t.me/s/channel: the web preview
            parts = parts[1:]
        if parts and not parts[0].startswith(_NOT_CHANNELS[:-1]):
            return f"{host}/{parts[0].lower()}"
    return host or text


def outlet_counts(sources: list[list[dict]] | pd.Series | np.ndarray | pa.Array) -> list[int]:
    """Return, per row of [{source, quote}] lists (or their JSON text), how many distinct outlets its sources
    come from."""
    # An outlet depends on the site alone, or for a channel site (t.me, x.com…) on the site and the first part
    # of the path (the second for t.me/s/…): worked out once per site or channel, not once per link.
    by_site: dict[str, str] = {}
    by_channel: dict[str, str] = {}

    def outlet_of(source: str) -> str:
        parts = source.split("/", 5)
        site = "/".join(parts[:3])
        found = by_site.get(site)
        if found is not None:
            return found
        channel = "/".join(parts[:5] if len(parts) > 4 and parts[3] == "s" else parts[:4])
        found = by_channel.get(channel)
        if found is None:
            found = by_channel[channel] = outlet(source)
            if "/" not in found:  # not a channel: every link of this site has this outlet
                by_site[site] = found
        return found

    def count(items: list[dict] | str) -> int:
        if isinstance(items, str):  # JSON text (an import's sources, kept as text)
            if items == "[]":
                return 0
            items = orjson.loads(items)
        return len(items) if len(items) < 2 else len({outlet_of(item["source"]) for item in items})

    if isinstance(sources, pa.Array | pa.ChunkedArray):  # JSON text in Arrow
        text = sources if isinstance(sources, pa.ChunkedArray) else pa.chunked_array([sources])
        counts = np.zeros(len(text), dtype=np.int64)
        # Read by Arrow's JSON reader, in C++, a slice of rows at a time (the counting runs beside the checks' copies,
        # at the read's peak): every item's source, the outlet worked out once per distinct source, and each row's
        # distinct (row, outlet) pairs counted (a million rows: 1.0 s a row at a time, 0.5 s so).
        for start, found in items_field_slices(text, "source"):
            part = text.slice(start, READ_ROWS)
            counts[start:start + len(part)] = (
                _distinct_outlets(*found, len(part), outlet_of) if found is not None else _counted_in_text(part, count))
        return counts.tolist()
    return [count(items) for items in sources]


def _counted_in_text(sources: pa.ChunkedArray, count: Callable[[str], int]) -> np.ndarray:
    """Return each row's count of outlets (`count`) for JSON text Arrow's reader could not read, a block of Python
    strings at a time."""
    # A list of one {source, quote} names the key "source" once (inside a JSON string, a quote is written \"):
    # such a row (most rows of most files) counts 1 without being read, an empty list 0.
    keys = pc.count_substring(sources, '"source":').to_numpy(zero_copy_only=False)
    empty = pc.fill_null(pc.equal(sources, "[]"), False).to_numpy(zero_copy_only=False)
    counts = np.where(keys == 1, 1, 0)
    read = np.flatnonzero((keys != 1) & ~empty)
    for start in range(0, len(read), BLOCK_ROWS):
        rows = read[start:start + BLOCK_ROWS]
        counts[rows] = [count(items) for items in sources.take(rows).to_pylist()]
    return counts


def _distinct_outlets(sources: pa.Array | pa.ChunkedArray, rows: np.ndarray, count: int,
                      outlet_of: Callable[[str], str]) -> list[int]:
    """Return, for each of `count` rows, how many distinct outlets there are among the `sources` on it (`rows`)."""
    if not len(sources):
        return [0] * count
    encoded = (sources.combine_chunks() if isinstance(sources, pa.ChunkedArray) else sources).dictionary_encode()
    codes: dict[str, int] = {}
    outlet_codes = np.array([codes.setdefault(outlet_of(name), len(codes)) for name in encoded.dictionary.to_pylist()],
                            dtype=np.int64)
    pairs = sorted_unique(rows * len(codes) + outlet_codes[encoded.indices.to_numpy(zero_copy_only=False)])
    return np.bincount(pairs // len(codes), minlength=count).tolist()
