"""Name normalisation: the keys place names are compared by.

Two levels:

* :func:`fold` is for exact look-ups. It makes a name case-, diacritic-,
  apostrophe- and script-insensitive ("Лук'янівка", "Luk’ianivka" and
  "LUKIANIVKA" fold alike), but keeps spelling.
* :func:`sound_key` is for fuzzy comparison. It also merges the spellings that
  Ukrainian and Russian romanisations disagree on (kh/h, zh/z, ts/tz/c, y/i/j,
  g/h, doubled letters), so that "Darnitzkyi" and "Darnytskyi" meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd
from unidecode import unidecode

# Apostrophe-like characters that appear inside names ("Solom’yanskyi", "Luk'yanivka"):
# they are dropped, not turned into spaces, so the name stays one word.
_APOSTROPHES = "'’‘ʼʹ`´′"
_APOSTROPHE_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
# Letters unidecode does not romanise: the Azerbaijani schwa ("Azərbaycan") would become "@".
_LETTERS = str.maketrans({"ə": "e", "Ə": "E"})

# Ordered: multi-letter romanisations first, so "shch" is not read as "sh" + "ch".
_SOUND_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "sc"),
    ("kh", "h"),
    ("zh", "z"),
    ("tch", "c"),
    ("ch", "c"),
    ("tz", "c"),
    ("ts", "c"),
    ("ph", "f"),
    ("w", "v"),
    ("g", "h"),
    ("x", "ks"),
    ("q", "k"),
    ("y", "i"),
    ("j", "i"),
)
_DOUBLE_RE = re.compile(r"([a-z])\1+")

# Words and adjective endings that say "this is a district": "Darnytskyi district",
# "Darnitsky raion", "Дарницький район". Stripped so that the stem carries the name.
_DISTRICT_WORDS = {"district", "raion", "rayon", "rajon", "borough", "r", "rn"}
_DISTRICT_ENDING_RE = re.compile(r"(?:s?k(?:ii|i|oi|ogo)|sk)$")


@lru_cache(maxsize=1 << 17)  # the same names and phrases come back in every article: fold each once
def fold(name: str) -> str:
    """Return the exact-match key of a name: ASCII, lower case, no apostrophes, single spaces."""
    if name.isascii():  # NFKC, the letter table and unidecode leave ASCII as it is (fold_many relies on it too)
        return _NON_ALNUM_RE.sub(" ", _APOSTROPHE_RE.sub("", name).lower()).strip()
    # Apostrophes go before NFKC, which would turn "´" into a space and a combining accent.
    text = unicodedata.normalize("NFKC", _APOSTROPHE_RE.sub("", name))
    text = text.translate(_LETTERS)
    text = unidecode(text)
    # unidecode renders the soft sign and some letters as apostrophes: drop those too.
    text = _APOSTROPHE_RE.sub("", text).lower()
    return _NON_ALNUM_RE.sub(" ", text).strip()


def fold_many(texts: pd.Series) -> pd.Series:
    """Return fold() of every text in a Series, fast: plain ASCII rows with vectorised string operations."""
    texts = texts.astype(str)
    ascii_rows = texts.map(str.isascii).to_numpy(dtype=bool)
    folded = pd.Series("", index=texts.index, dtype=object)
    # For ASCII text, NFKC, the letter table and unidecode change nothing: what is left of fold() is this.
    plain = texts[ascii_rows].str.replace(_APOSTROPHE_RE.pattern, "", regex=True).str.lower()
    folded[ascii_rows] = plain.str.replace(_NON_ALNUM_RE.pattern, " ", regex=True).str.strip()
    other = texts[~ascii_rows]
    unique = {text: fold(text) for text in other.unique()}  # rows often share wording: fold each text once
    folded[~ascii_rows] = other.map(unique)
    return folded.astype(str)


@lru_cache(maxsize=1 << 16)
def sound_key(name: str) -> str:
    """Return the fuzzy-match key of a name, merging romanisation differences."""
    key = fold(name)
    for old, new in _SOUND_RULES:
        key = key.replace(old, new)
    return _DOUBLE_RE.sub(r"\1", key)


def district_stem(name: str) -> str | None:
    """Return the sound key of a district name without its "-skyi"/"district" part, or None.

    None means the name carries no district marker, so it must not be matched
    fuzzily against districts at all.
    """
    words = sound_key(name).split()
    marked = False
    while words and words[-1] in _DISTRICT_WORDS:
        words.pop()
        marked = True
    if not words:
        return None
    stem, n = _DISTRICT_ENDING_RE.subn("", words[-1])
    if n:
        # A bare "-sk" is stripped but marks nothing: Russian city names end so (Smolensk, Podolsk).
        marked = marked or not words[-1].endswith("sk")
        words[-1] = stem
    if not marked or not words[-1]:
        return None
    return " ".join(words)
