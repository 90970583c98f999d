"""Every write the page can make to the catalogue; each refuses unless the server was started to curate.

A public deployment runs ``streamlit run dashboard/app.py`` and is read-only: the curation panel is not drawn,
and should a browser still reach one of these functions (a stale page, a forged widget message), it raises
:class:`NotCurating` before anything is read or written. Only ``streamlit run dashboard/app.py -- --curate``,
a decision taken by whoever starts the server, turns writing on. The writes themselves are geo's: this module
only checks the mode, passes the catalogue's folders and makes the page load the catalogue again.
"""

from __future__ import annotations

import sys
from datetime import date
from functools import lru_cache
from pathlib import Path

import geo

from ..data import loaders
from ..reader import section as reader_section

CURATE_FLAG = "--curate"


class NotCurating(PermissionError):
    """A write asked of a server started read-only."""


def curating(argv: list[str] | None = None) -> bool:
    """Return whether the server was started with `-- --curate` (read from its own command line, never a page)."""
    return CURATE_FLAG in (sys.argv[1:] if argv is None else argv)


def _require_curating() -> None:
    if not curating():
        raise NotCurating("this server is read-only: start it with `streamlit run dashboard/app.py -- --curate` "
                          "to add articles or decide on candidates")


def propose(raw: bytes, name: str, published: date | None) -> tuple[str, list[geo.Candidate]]:
    """Return an article's text and its candidates against the catalogue, without writing anything."""
    _require_curating()
    text = geo.article_text(raw, name)
    return text, geo.propose(text, *loaders.catalogue_dirs(), published)


def submit(raw: bytes, name: str, info: geo.ArticleInfo) -> tuple[str, int]:
    """File an article and queue its candidates; return its source id and how many were queued."""
    _require_curating()
    _, found = propose(raw, name, info.published)
    data_dir, seeds_dir = loaders.catalogue_dirs()
    source, queued = geo.file_for_review(data_dir, seeds_dir, raw, name, info, found)
    _reload()
    return source, len(queued)


def accept(candidate_id: str, into: str | None = None, as_new: bool = False) -> str:
    """Add a queued candidate's evidence to an incident (or a new one); return the incident's id."""
    _require_curating()
    data_dir, seeds_dir = loaders.catalogue_dirs()
    incident = geo.accept_candidate(data_dir, seeds_dir, candidate_id, into=into, as_new=as_new)
    _reload()
    return incident


def reject(candidate_id: str, why: str) -> None:
    """Reject a queued candidate with the curator's reason."""
    _require_curating()
    geo.reject_candidate(loaders.catalogue_dirs()[0], candidate_id, why)


def catalogue() -> geo.Catalogue:
    """Return the catalogue as the page has it loaded."""
    return loaders.catalogue()


def queue() -> list[dict]:
    """Return the review queue's entries (reading it needs no curator: it is shown only to one, though).

    Read once per version of the file: the panel, the reader's marks and the candidates all ask on every rerun.
    """
    data_dir = loaders.catalogue_dirs()[0]
    path = data_dir / "review.yaml"
    version = (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None
    return _queue(data_dir, version)


@lru_cache(maxsize=4)
def _queue(data_dir: Path, version: tuple[int, int] | None) -> list[dict]:
    return geo.load_queue(data_dir)


def _reload() -> None:
    loaders.reload_catalogue()
    reader_section.forget()
