"""The seed articles are the published originals, unchanged, and sources.yaml describes each of them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from geo.dates import parse_date_claim

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"

# SHA-256 of the five articles as published in shared/seeds/ (hard-coded on purpose: a changed seed must fail).
PUBLISHED_SHA256 = {
    "000_17e1e5416acb89c9": "16f496e509ac7a573fb8efa2ea63369ebf35a93ff9aba5c6cbaf068992c04a12",
    "001_fa2f07d2642b260d": "9d7a56b3ee8583cb9620eea5b0bcf212e20b5cb6d28955baf5c56874fe682cec",
    "002_eb5374e7c06e77bb": "86f41e00521d08c89a4c9ec9ca45e3d63546afe03a115004e64a5ee60234a477",
    "003_553f20544c4195fd": "7f8aea2070373ed6e292c34c0033d9da926dff3a870be20092b134b225e5b26f",
    "004_3b4953951239fc73": "8ee28aa8b5501cf09bd53571146d604b0944dab2373b9c57e111871a4dc73188",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shared_seeds() -> Path:
    """Return shared/seeds: beside the clone in CI, at /work/shared on a developer machine."""
    for candidate in (ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")):
        if candidate.is_dir():
            return candidate
    pytest.skip("shared/seeds is not on this machine")


def load_sources() -> list[dict]:
    return yaml.safe_load((SEEDS / "sources.yaml").read_text(encoding="utf-8"))


def test_the_seed_folder_holds_exactly_the_five_articles() -> None:
    assert sorted(p.stem for p in SEEDS.glob("*.txt")) == sorted(PUBLISHED_SHA256)


@pytest.mark.parametrize("stem", sorted(PUBLISHED_SHA256))
def test_seed_is_byte_identical_to_the_published_original(stem: str) -> None:
    assert sha256(SEEDS / f"{stem}.txt") == PUBLISHED_SHA256[stem]


@pytest.mark.parametrize("stem", sorted(PUBLISHED_SHA256))
def test_shared_original_has_the_published_hash(stem: str) -> None:
    assert sha256(shared_seeds() / f"{stem}.txt") == PUBLISHED_SHA256[stem]


@pytest.mark.parametrize("stem", sorted(PUBLISHED_SHA256))
def test_seed_is_valid_utf8(stem: str) -> None:
    (SEEDS / f"{stem}.txt").read_bytes().decode("utf-8")


def test_sources_yaml_has_one_entry_per_seed_keyed_by_file_stem() -> None:
    sources = load_sources()
    ids = [s["id"] for s in sources]
    assert len(ids) == len(set(ids)), "duplicate source id"
    assert sorted(ids) == sorted(PUBLISHED_SHA256)
    for source in sources:
        assert source.get("file", f"{source['id']}.txt") == f"{source['id']}.txt"
        assert Path(source.get("file", f"{source['id']}.txt")).stem == source["id"]


def test_sources_yaml_contains_no_urls() -> None:
    text = (SEEDS / "sources.yaml").read_text(encoding="utf-8")
    assert not re.search(r"(?i)\b(?:https?|ftp)://|\bwww\.", text)
    for source in load_sources():
        assert "url" not in {k.lower() for k in source}, source["id"]


@pytest.mark.parametrize("source", load_sources(), ids=lambda s: s["id"])
def test_every_source_states_the_basis_of_its_publication_bounds(source: dict) -> None:
    published = source.get("published")
    assert isinstance(published, dict), "published must be a mapping"
    assert isinstance(published.get("basis"), str) and published["basis"].strip()
    assert source.get("title"), "every source needs a title"
    for bound in ("not_before", "not_after"):
        value = published.get(bound)
        if value is not None:
            parse_date_claim(value)
    if published.get("not_before") and published.get("not_after"):
        assert parse_date_claim(published["not_before"]).start <= parse_date_claim(published["not_after"]).end
