"""Text from data shown through Streamlit's Markdown: escaped, so that it is shown and never interpreted."""

from __future__ import annotations

import re
import string

# CommonMark lets a backslash escape any ASCII punctuation: links, images, emphasis, code, headings,
# Streamlit's :colour[…] and :emoji: directives and LaTeX's $ are then plain characters.
_MARKDOWN_SPECIAL = frozenset(string.punctuation)
# A line break would let the next line start a list ("- "), a rule ("---") or a heading.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
# GitHub's bare links (www.x.org, http://x, a@b.org) are found in the text after escapes are undone, so an
# escaped '.' does not stop them: an invisible word joiner (U+2060) inside "www.", "://" and after "@" does.
_WORD_JOINER = "\u2060"
_BARE_LINKS = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?<=@)")


def escape_markdown(value: object) -> str:
    """Return text that Markdown shows as it is, on one line: data is shown, never interpreted."""
    text = _BARE_LINKS.sub(_WORD_JOINER, _LINE_BREAKS.sub(" ", str(value)))
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)
