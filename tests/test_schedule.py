"""Scheduled posts and drafts: a post dated in the future is nowhere (page, listing, tag, count, archive, feed,
sitemap, related link) until a build runs at or after its date; --future previews it; drafts need --drafts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.publish.writer import MANIFEST
from sitefactory import build, feed, html, make_site, post, text

CONFIG = {"title": "Scheduled", "base_url": "https://example.org/", "timezone": "Australia/Sydney",
          "posts_per_page": 2, "related": {"count": 3}}
FUTURE_URL = "/book/launch/future-post.html"
DRAFT_URL = "/diary/unfinished.html"


@pytest.fixture
def site(tmp_path) -> Path:
    return make_site(tmp_path, {
        "content/book/old.md": post("Old book", "2014-02-20 10:00", "Old.\n", tags=["book", "shared"]),
        "content/book/other.md": post("Other book", "2014-02-22 10:00", "Other.\n", tags=["book", "shared"]),
        "content/diary/today.md": post("Today", "2014-02-24 10:00", "Today.\n", tags=["diary"]),
        # 10:00 in Sydney is 23:00 UTC the day before.
        "content/book/launch/future-post.md": post("Future post", "2014-03-01 10:00", "Soon.\n",
                                                   tags=["book", "shared", "future-only"]),
        "content/diary/unfinished.md": post("Unfinished", "2014-02-23 10:00", "Draft.\n",
                                            tags=["draft-only", "shared"], draft=True),
        # A comment is scheduled like a post.
        "content/book/old.comments/later.md": "---\nauthor: Jane\ndate: 2014-03-02 10:00\n---\nFrom March.\n",
    }, CONFIG)


def files(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def mentions(output: Path, needle: str) -> list[str]:
    """Every output file whose path or bytes mention `needle`."""
    return sorted(path for path, data in files(output).items() if needle in path or needle.encode() in data)


def links_to(page: Path, url: str) -> bool:
    return html(page).find("a", href=url) is not None


def feed_links(path: Path) -> list[str]:
    return [entry.link for entry in feed(path).entries]


def tag_count(output: Path, name: str) -> str | None:
    for li in html(output / "tags/index.html").select("ul.tag-cloud li"):
        if li.a.get_text() == name:
            return li.select_one(".count").get_text()
    return None


def assert_published_everywhere(output: Path, url: str, slug: str, category_pages, tag: str, day: str):
    absolute = "https://example.org" + url
    assert (output / url[1:]).is_file(), "no permalink"
    front = [output / "index.html", *sorted(output.glob("page/*/index.html"))]
    assert any(links_to(page, url) for page in front), "not on the front page or its older pages"
    for page in category_pages:
        assert links_to(output / page, url), f"not on {page}"
    assert links_to(output / f"tags/{tag}/index.html", url), "not on its tag page"
    for archive in (day, day[:7], day[:4]):
        assert links_to(output / archive.replace("-", "/") / "index.html", url), f"not in the archive {archive}"
    for rss in ("index.rss", "index.atom", f"tags/{tag}/index.rss"):
        assert absolute in feed_links(output / rss), f"not in {rss}"
    assert f"<loc>{absolute}</loc>" in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert html(output / url[1:]).find("article", id=f"post-{slug}") is not None


def test_a_future_post_is_nowhere_before_its_date(site):
    output = build(site, "--now", "2014-03-01 09:59")
    assert mentions(output, "future-post") == [] and mentions(output, "Future post") == []
    assert mentions(output, "future-only") == []
    assert not (output / "book/launch").exists() and not (output / "2014/03").exists()
    assert tag_count(output, "shared") == "2"
    # Neither listed as related by the posts it shares tags with.
    related = [a["href"] for a in html(output / "book/old.html").select("p.post-related a")]
    assert related == ["/book/other.html"]
    assert "From March." not in (output / "book/old.html").read_text(encoding="utf-8")


def test_a_future_post_appears_everywhere_once_now_passes_its_date(site, tmp_path):
    build(site, "--now", "2014-03-01 09:59")
    # The next cron run, a minute later, over the same output and cache.
    output = build(site, "--now", "2014-03-01 10:00")
    assert_published_everywhere(output, FUTURE_URL, "future-post", ["book/index.html", "book/launch/index.html"],
                                "future-only", "2014-03-01")
    assert "https://example.org" + FUTURE_URL in feed_links(output / "book/index.rss")
    assert "https://example.org" + FUTURE_URL in feed_links(output / "tags/shared/index.rss")
    assert tag_count(output, "shared") == "3" and tag_count(output, "future-only") == "1"
    related = [a["href"] for a in html(output / "book/old.html").select("p.post-related a")]
    assert FUTURE_URL in related
    assert "From March." not in (output / "book/old.html").read_text(encoding="utf-8")

    # Exactly what a first build at that moment gives.
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", ".blog-cache"))
    assert files(output) == files(build(clean, "--now", "2014-03-01 10:00"))


def test_now_with_an_offset_is_the_same_instant(site):
    # 2014-02-28 23:00 UTC is 2014-03-01 10:00 in Sydney.
    assert mentions(build(site, "--now", "2014-02-28T22:59:00+00:00"), "future-post") == []
    output = build(site, "--now", "2014-02-28T23:00:00+00:00")
    assert (output / FUTURE_URL[1:]).is_file()


def test_moving_the_clock_back_unpublishes_it_again(site, tmp_path):
    build(site, "--now", "2014-03-05 00:00")
    output = build(site, "--now", "2014-02-25 00:00")
    assert mentions(output, "future-post") == []
    assert "From March." not in (output / "book/old.html").read_text(encoding="utf-8")
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", ".blog-cache"))
    assert files(output) == files(build(clean, "--now", "2014-02-25 00:00"))


def test_the_comment_appears_on_its_date(site):
    output = build(site, "--now", "2014-03-02 10:00")
    comments = html(output / "book/old.html").select("div.comment")
    assert [text(c.select_one(".comment-body")) for c in comments] == ["From March."]


def test_future_previews_scheduled_posts(site):
    output = build(site, "--now", "2014-02-25 00:00", "--future")
    assert_published_everywhere(output, FUTURE_URL, "future-post", ["book/index.html", "book/launch/index.html"],
                                "future-only", "2014-03-01")
    assert mentions(output, "unfinished") == [], "--future is not --drafts"


def test_a_draft_appears_only_with_drafts(site):
    output = build(site, "--now", "2014-03-05 00:00")
    assert mentions(output, "unfinished") == [] and mentions(output, "draft-only") == []
    assert tag_count(output, "shared") == "3"

    output = build(site, "--now", "2014-03-05 00:00", "--drafts")
    assert_published_everywhere(output, DRAFT_URL, "unfinished", ["diary/index.html"], "draft-only", "2014-02-23")
    assert tag_count(output, "shared") == "4"

    output = build(site, "--now", "2014-03-05 00:00")
    assert mentions(output, "unfinished") == [], "the draft's files stay after --drafts is dropped"
