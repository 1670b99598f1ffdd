"""The benchmark's synthetic blogs: deterministic, and shaped like a long-lived personal blog."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bench.synth import CONFIG_YAML, TAG_COUNT, make_blog

POSTS = 500


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    fm, sep, body = text[4:].partition("\n---\n")
    assert sep, f"{path}: front matter never ends"
    meta = yaml.safe_load(fm)
    assert isinstance(meta, dict), path
    return meta, body


@pytest.fixture(scope="module")
def blog(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "blog"
    make_blog(root, POSTS, seed=1)
    return root


def posts_of(root: Path) -> list[Path]:
    return sorted(p for p in (root / "content").rglob("*.md") if not p.parent.name.endswith(".comments"))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    make_blog(tmp_path / "a", 60, seed=7)
    make_blog(tmp_path / "b", 60, seed=7)
    make_blog(tmp_path / "c", 60, seed=8)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    assert tree_digest(tmp_path / "a") != tree_digest(tmp_path / "c")


def test_config(blog):
    assert (blog / "config.yaml").read_text(encoding="utf-8") == CONFIG_YAML
    config = yaml.safe_load(CONFIG_YAML)
    assert config["posts_per_page"] == 10 and config["timezone"] == "UTC"


def test_every_post_parses_with_title_date_and_tags(blog):
    posts = posts_of(blog)
    assert len(posts) == POSTS
    for path in posts:
        meta, body = front_matter(path)
        assert set(meta) == {"title", "date", "tags"}, path
        assert isinstance(meta["title"], str) and meta["title"].strip()
        datetime.strptime(meta["date"], "%Y-%m-%d %H:%M")   # the contract's form, left a string by YAML
        assert isinstance(meta["tags"], list) and 1 <= len(meta["tags"]) <= 6
        assert all(isinstance(t, str) and t for t in meta["tags"])
        assert len(set(meta["tags"])) == len(meta["tags"])
        assert 300 <= len(body.split()) <= 1200, path


def test_categories_up_to_three_deep(blog):
    content = blog / "content"
    categories = Counter(str(p.parent.relative_to(content)) for p in posts_of(blog))
    assert all(1 <= len(c.split("/")) <= 3 for c in categories)
    assert any(len(c.split("/")) == 3 for c in categories)
    assert 30 <= len(categories) <= 45


def test_tags_have_a_long_tail(blog):
    counts = Counter(t for p in posts_of(blog) for t in front_matter(p)[0]["tags"])
    # ~3.5 tags a post drawn Zipf-like from 2,000: a few hundred distinct at 500 posts, many used once.
    assert 300 <= len(counts) <= TAG_COUNT
    top_share = counts.most_common(1)[0][1] / POSTS
    assert 0.05 <= top_share <= 0.2
    assert sum(1 for n in counts.values() if n == 1) > len(counts) / 3


def test_bodies_have_markdown_features(blog):
    bodies = [front_matter(p)[1] for p in posts_of(blog)]
    assert sum("```python\n" in b for b in bodies) > POSTS / 5
    assert sum("](https://" in b for b in bodies) > POSTS / 2
    assert sum("\n- " in b or "\n* " in b or "\n1. " in b for b in bodies) > POSTS / 2
    assert any("\n|---|" in b or "|---|" in b for b in bodies)


def test_about_three_posts_a_day_going_back_from_june_2025(blog):
    dates = sorted(datetime.strptime(front_matter(p)[0]["date"], "%Y-%m-%d %H:%M") for p in posts_of(blog))
    assert dates[-1] < datetime(2025, 6, 1)
    days = (dates[-1] - dates[0]).days
    assert POSTS / 4.5 <= days <= POSTS / 2
    assert len({d.hour for d in dates}) == 24


def test_about_a_fifth_have_comments_dated_after_the_post(blog):
    folders = sorted((blog / "content").rglob("*.comments"))
    assert 0.14 <= len(folders) / POSTS <= 0.26
    for folder in folders:
        post = folder.with_suffix(".md")
        assert post.is_file()
        posted = datetime.strptime(front_matter(post)[0]["date"], "%Y-%m-%d %H:%M")
        comments = sorted(folder.glob("*.md"))
        assert 1 <= len(comments) <= 3
        for c in comments:
            meta, body = front_matter(c)
            assert set(meta) <= {"author", "date", "url"} and meta["author"]
            assert datetime.strptime(meta["date"], "%Y-%m-%d %H:%M") > posted
            assert body.strip()


def test_slugs_unique_within_a_category(tmp_path):
    make_blog(tmp_path / "big", 1500, seed=3)
    posts = posts_of(tmp_path / "big")
    assert len(posts) == 1500    # no file overwrote another
