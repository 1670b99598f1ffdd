"""Readers' comments as readers see them: under each post, on /comments/, and in the feeds of comments.

The fixture blog (tests/fixtures/comments) has seven published comments on three posts, written in files whose
names are not in date order, one comment dated in the future, one on a post not published yet, and
recent_comments: 5."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitefactory import REPO, build, copy_fixture, feed, html, run_blog, text

BASE = "https://blog.example.org"
LFOD = "/book/John_Ringo/live-free-or-die.html"
SUNDAY = "/diary/quiet-sunday.html"
NOVA = "/openstack/havana/nova-conductor.html"
HELLO = "/hello.html"
# Every published comment, newest first: (author, post URL, first words of the body).
NEWEST_FIRST = [
    ("Mikal Example", SUNDAY, "I did!"),
    ("Mum", SUNDAY, "Call your mother."),
    ("Priya", LFOD, "Try Eric Flint's 1632 series."),
    ("Jane Nguyen", LFOD, "I bounced off the politics, but I'll try again."),
    ("Dave Thornton", LFOD, "Told you so. Now read Citadel."),
    ("Oscar", NOVA, "What about cells?"),
    ("Rachel Green", NOVA, "Nice summary."),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = copy_fixture("comments", tmp_path_factory.mktemp("comments"))
    build(site)
    return site


@pytest.fixture(scope="module")
def output(site) -> Path:
    return site / "output"


def comments_on(output: Path, url: str) -> list[dict]:
    page = html(output / url.lstrip("/"))
    section = page.select_one("section#comments")
    if section is None:
        return []
    result = []
    for c in section.select(".comment"):
        meta = c.select_one(".comment-meta")
        result.append({"author": text(meta).split(" wrote on ")[0], "link": meta.find("a", rel="nofollow"),
                       "time": meta.find("time")["datetime"], "body": text(c.select_one(".comment-body")),
                       "id": c["id"], "heading": text(section.find("h2"))})
    return result


# -- the post page ---------------------------------------------------------------------------------------

def test_a_post_page_shows_its_comments_oldest_first_under_a_heading_with_their_count(output):
    shown = comments_on(output, LFOD)
    assert [c["author"] for c in shown] == ["Dave Thornton", "Jane Nguyen", "Priya"]
    assert {c["heading"] for c in shown} == {"3 comments"}
    assert [c["time"] for c in shown] == ["2014-02-24T21:30:00+11:00", "2014-02-25T08:12:00+11:00",
                                          "2014-02-26T20:44:00+11:00"]   # +10:00 as written, shown in Sydney
    assert [c["body"] for c in shown] == ["Told you so. Now read Citadel.",
                                          "I bounced off the politics, but I'll try again.",
                                          "Try Eric Flint's 1632 series."]
    page = html(output / LFOD.lstrip("/"))
    article = page.select_one("article.post")
    assert article.find_next("section", id="comments") is not None, "comments come after the post"
    body_link = page.select_one(f"#{shown[2]['id']} .comment-body a")
    assert body_link["href"] == "https://example.net/1632" and body_link["rel"] == ["nofollow", "ugc"]


def test_the_author_is_linked_only_with_an_http_url_and_the_email_is_never_published(output, site):
    shown = {c["author"]: c for c in comments_on(output, LFOD)}
    assert shown["Dave Thornton"]["link"]["href"] == "https://dave.example.com/"
    assert shown["Dave Thornton"]["link"]["rel"] == ["nofollow", "ugc"]
    assert shown["Jane Nguyen"]["link"] is None            # her url is javascript:
    everything = b"".join(p.read_bytes() for p in output.rglob("*") if p.is_file())
    assert b"jane-secret" not in everything
    assert b"javascript:" not in everything


def test_one_comment_is_counted_in_the_singular_and_html_comments_are_shown(output):
    shown = comments_on(output, NOVA)
    assert [(c["author"], c["body"]) for c in shown] == [("Rachel Green", "Nice summary."),
                                                         ("Oscar", "What about cells?")]
    assert shown[0]["heading"] == "2 comments"
    assert comments_on(output, HELLO) == []


def test_comments_dated_in_the_future_or_on_unpublished_posts_are_not_shown(output):
    everything = b"".join(p.read_bytes() for p in output.rglob("*") if p.is_file())
    assert b"Time Traveller" not in everything and b"Early Bird" not in everything
    assert not (output / "diary/far-future.html").exists()
    assert not (output / "diary/far-future.comments.rss").exists()


def test_listings_say_how_many_comments_and_link_to_them(output):
    front = html(output / "index.html")
    footers = {a["href"]: text(a) for a in front.select("p.post-footer a") if "#comments" in a["href"]}
    assert footers == {LFOD + "#comments": "3 comments", SUNDAY + "#comments": "2 comments",
                       NOVA + "#comments": "2 comments"}
    tag_page = html(output / "tags/diary/index.html")
    assert [text(a) for a in tag_page.select(f'a[href="{SUNDAY}#comments"]')] == ["2 comments"]
    assert not front.select(f'a[href="{HELLO}#comments"]'), "no count at zero"


# -- the recent comments page ----------------------------------------------------------------------------

def test_the_recent_comments_page_lists_the_newest_first_capped_by_config(output):
    page = html(output / "comments/index.html")
    items = page.select("ol.recent-comments > li")
    assert len(items) == 5                                  # recent_comments: 5 in the fixture's config
    expected = NEWEST_FIRST[:5]
    assert [text(li.select_one(".comment-meta")).split(" on ")[0] for li in items] == [a for a, _, _ in expected]
    assert [text(li.select_one(".comment-body")) for li in items] == [b for _, _, b in expected]
    for li, (_, post_url, _) in zip(items, expected):
        assert li.select_one("a.comment-post")["href"] == post_url + "#comments"
        anchor = li.select_one("a.comment-link")["href"]
        path, fragment = anchor.split("#")
        assert path == post_url
        assert html(output / post_url.lstrip("/")).find(id=fragment) is not None, f"{anchor} goes nowhere"
    assert page.find("link", rel="alternate", href="/comments/index.rss") is not None


def test_every_page_links_to_recent_comments_and_their_feed(output):
    # Recent comments in the header's navigation; their feed beside the site's feeds in the footer.
    for path in ("index.html", LFOD.lstrip("/"), "tags/index.html", "comments/index.html", "404.html"):
        soup = html(output / path)
        links = {text(a): a["href"] for a in soup.select_one("header nav").find_all("a")}
        assert links["Recent comments"] == "/comments/"
        links = {text(a): a["href"] for a in soup.select_one("footer").find_all("a")}
        assert links["RSS feed of all comments"] == "/comments/index.rss"


# -- feeds -----------------------------------------------------------------------------------------------

def test_the_feed_of_all_comments_has_the_newest_first_capped_by_config(output):
    parsed = feed(output / "comments/index.rss")
    assert parsed.feed.title == "Comment Fixture: comments"
    assert parsed.feed.link == BASE + "/comments/"
    entries = parsed.entries
    assert len(entries) == 5
    assert [e.author for e in entries] == [a for a, _, _ in NEWEST_FIRST[:5]]
    assert [e.link.split("#")[0] for e in entries] == [BASE + u for _, u, _ in NEWEST_FIRST[:5]]
    dates = [e.published_parsed for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert entries[0].title == "Comment on A quiet Sunday by Mikal Example"
    assert "Call your mother." in entries[1].description
    # Each entry points at its comment on the post page.
    for e in entries:
        path, fragment = e.link[len(BASE):].split("#")
        assert html(output / path.lstrip("/")).find(id=fragment) is not None


def test_each_post_has_a_feed_of_its_comments_announced_on_its_page(output):
    page = html(output / LFOD.lstrip("/"))
    feed_url = "/book/John_Ringo/live-free-or-die.comments.rss"
    assert page.find("link", rel="alternate", type="application/rss+xml", href=feed_url) is not None
    parsed = feed(output / feed_url.lstrip("/"))
    assert parsed.feed.title == "Comments on Live Free or Die"
    assert parsed.feed.link == BASE + LFOD
    assert [e.author for e in parsed.entries] == ["Priya", "Jane Nguyen", "Dave Thornton"]   # newest first
    assert "<strong>try again</strong>" in parsed.entries[1].description
    assert all(e.link.startswith(BASE + LFOD + "#comment-") for e in parsed.entries)
    assert "jane-secret" not in (output / feed_url.lstrip("/")).read_text(encoding="utf-8")


def test_a_post_without_comments_still_has_its_announced_feed_empty(output):
    parsed = feed(output / "hello.comments.rss")
    assert parsed.entries == [] and parsed.feed.title == "Comments on Hello"


def test_feeds_of_comments_are_the_same_bytes_from_a_clean_build(site, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(site / "content", again / "content")
    shutil.copy(site / "config.yaml", again / "config.yaml")
    out = build(again)
    for rel in ("comments/index.rss", "comments/index.html", "book/John_Ringo/live-free-or-die.comments.rss"):
        assert (out / rel).read_bytes() == (site / "output" / rel).read_bytes(), rel


# -- incremental builds ----------------------------------------------------------------------------------

def snapshot(output: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(output).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in output.rglob("*") if p.is_file()}


def test_adding_a_comment_rewrites_its_post_and_the_comment_pages_and_nothing_after(tmp_path):
    site = copy_fixture("comments", tmp_path)
    assert run_blog(site, "build").returncode == 0
    output = site / "output"
    before = snapshot(output)

    new = site / "content/openstack/havana/nova-conductor.comments/z.md"
    new.write_text("---\nauthor: Newcomer\ndate: 2014-04-01 10:00\n---\nA *fresh* comment.\n", encoding="utf-8")
    result = run_blog(site, "build")
    assert result.returncode == 0, result.stderr
    after = snapshot(output)
    written = {p for p in after if before.get(p) != after[p]}
    assert {"openstack/havana/nova-conductor.html", "openstack/havana/nova-conductor.comments.rss",
            "comments/index.html", "comments/index.rss", "openstack/havana/index.html",
            "index.html"} <= written
    # Pages that show nothing of that post are left alone.
    assert not written & {"book/John_Ringo/live-free-or-die.html", "diary/quiet-sunday.html",
                          "book/John_Ringo/live-free-or-die.comments.rss", "hello.comments.rss", "index.rss"}

    assert [c["author"] for c in comments_on(output, NOVA)][-1] == "Newcomer"
    assert comments_on(output, NOVA)[0]["heading"] == "3 comments"
    recent = html(output / "comments/index.html").select("ol.recent-comments > li")
    assert text(recent[0].select_one(".comment-meta")).startswith("Newcomer on Nova conductor")
    assert feed(output / "comments/index.rss").entries[0].author == "Newcomer"
    assert len(feed(output / "comments/index.rss").entries) == 5
    assert feed(output / "openstack/havana/nova-conductor.comments.rss").entries[0].author == "Newcomer"

    again = run_blog(site, "build")
    assert again.returncode == 0 and " 0 files written" in again.stdout, again.stdout
    assert snapshot(output) == after


# -- bad comment files -----------------------------------------------------------------------------------

def test_a_comment_folder_without_its_post_is_a_warning_and_is_kept(tmp_path):
    site = copy_fixture("comments", tmp_path)
    orphan = site / "content/diary/gone.comments/1.md"
    orphan.parent.mkdir()
    orphan.write_text("---\nauthor: Lost\ndate: 2014-03-01 10:00\n---\nHello?\n", encoding="utf-8")
    result = run_blog(site, "build")
    assert result.returncode == 0
    assert "content/diary/gone.comments" in result.stderr and "Traceback" not in result.stderr
    assert orphan.is_file()
    assert not (site / "output/diary/gone.comments").exists()


@pytest.mark.parametrize("front, complaint", [
    ("date: 2014-03-01 10:00", "no author"),
    ("author: Someone", "no date"),
    ("author: Someone\ndate: [not, a, date", "not valid YAML"),
    ("author: Someone\ndate: yesterday", "not a date"),
])
def test_a_broken_comment_file_is_an_error_naming_it(tmp_path, front, complaint):
    site = copy_fixture("comments", tmp_path)
    bad = site / "content/diary/quiet-sunday.comments/3.md"
    bad.write_text(f"---\n{front}\n---\nBody.\n", encoding="utf-8")
    result = run_blog(site, "build")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "content/diary/quiet-sunday.comments/3.md" in lines[0] and complaint in lines[0]
    assert not (site / "output").exists(), "nothing is published"


# -- the example blog ------------------------------------------------------------------------------------

def test_the_example_blog_shows_its_comments(tmp_path):
    site = tmp_path / "example"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "config.yaml", site / "config.yaml")
    output = build(site)
    folders = sorted((site / "content").rglob("*.comments"))
    assert len(folders) >= 5
    total = 0
    for folder in folders:
        post_url = "/" + folder.relative_to(site / "content").as_posix()[: -len(".comments")] + ".html"
        files = list(folder.glob("*.md"))
        shown = comments_on(output, post_url)
        assert len(shown) == len(files), post_url
        assert shown[0]["heading"] == f"{len(files)} comment{'' if len(files) == 1 else 's'}"
        assert len(feed(output / (post_url[1:-len('.html')] + ".comments.rss")).entries) == len(files)
        total += len(files)
    recent = html(output / "comments/index.html").select("ol.recent-comments > li")
    assert len(recent) == min(total, 50)
    assert len(feed(output / "comments/index.rss").entries) == min(total, 50)
