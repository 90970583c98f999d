"""Source cells read honestly: several links become several sources, and placeholders never count.

A cell may hold several URLs (separated by ``;``, ``|``, ``,``, whitespace, or given as a JSON
list). Text that is not a web address ("HIDDEN", "n/a", "see notes") is kept as text beside the
links: it never becomes a link and never counts as corroboration. Outlet names (ACLED's
``source``: "Kyiv Independent; Ukrainska Pravda") are sources too, except placeholder words.
A source's outlet is what corroboration and "Reported by" count: a web domain, or a Telegram, X,
Facebook, YouTube… channel, so that two posts of one channel count once.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import orjson

# A URL runs to whitespace, ; or |, or to a comma followed by a space or by the next URL.
_URL_RE = re.compile(r"https?://[^\s;|<>\"']+?(?=[\s;|<>\"']|,\s|,(?=https?://)|,?$)", re.I)
_SEPARATORS_RE = re.compile(r"[\s;|,()\[\]]+")
PLACEHOLDERS = frozenset({
    "", "-", "--", "—", "?", "n/a", "na", "n.a.", "none", "null", "nil", "hidden", "unknown", "redacted", "tbd",
    "not available", "not applicable", "no source", "nan", "x",
})
# Sites where the first path part is the channel or account: its posts are one outlet.
_CHANNEL_SITES = {
    "t.me": 1, "telegram.me": 1, "x.com": 1, "twitter.com": 1, "facebook.com": 1, "instagram.com": 1,
    "youtube.com": 1, "tiktok.com": 1, "vk.com": 1, "threads.net": 1,
}


def is_placeholder(text: str) -> bool:
    """Return True for text that stands for a missing value ('HIDDEN', 'n/a', '-', …), not for a source."""
    return text.strip().lower() in PLACEHOLDERS


def split_links(cell: object) -> tuple[list[str], list[str]]:
    """Return a link cell's web addresses (in order, once each) and the text left over (placeholders, notes)."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return [], []
    if isinstance(cell, list):
        items = [str(x) for x in cell if x is not None]
    else:
        text = str(cell).strip()
        items = [text]
        if text.startswith("["):
            try:
                decoded = orjson.loads(text)
            except orjson.JSONDecodeError:
                decoded = None
            if isinstance(decoded, list):
                items = [str(x) for x in decoded if x is not None]
    urls: list[str] = []
    notes: list[str] = []
    for item in items:
        urls.extend(_trimmed(m.group(0)) for m in _URL_RE.finditer(item))
        rest = _URL_RE.sub(" ", item)
        leftover = _SEPARATORS_RE.sub(" ", rest).strip()
        if leftover:
            notes.append(leftover)
    return list(dict.fromkeys(urls)), notes


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
    if not text.lower().startswith(("http://", "https://")):
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    if host in _CHANNEL_SITES:
        path = [p for p in parts.path.split("/") if p]
        if path and path[0] == "s" and host in ("t.me", "telegram.me"):  # t.me/s/channel: the web preview
            path = path[1:]
        if path and not path[0].startswith(("watch", "status", "share", "story.php", "permalink.php")):
            return f"{host}/{path[0].lower()}"
    return host or text
