"""Incremental builds for cron: a build with nothing changed rewrites nothing, the same input gives the same
bytes, and an edit rewrites exactly the files that show what changed (so rsync moves only those)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from generator.publish.writer import MANIFEST
from sitefactory import build, feed, html, make_site, post, run_blog, text

CONFIG = {"title": "Cron Blog", "base_url": "https://example.org/", "timezone": "Australia/Sydney",
          "posts_per_page": 3, "feed_size": 5, "related": {"count": 2}}

# Newest first. Every post has its own instant, so no ordering or related-post ranking ever falls back to
# the title, and editing a title moves nothing.
POSTS = {
    "content/diary/moving-house.md": ("Moving house", "2014-03-10 08:00", ["diary", "family"]),
    "content/openstack/havana/feature-freeze.md": ("Havana feature freeze", "2014-03-08 12:00",
                                                   ["openstack", "nova"]),
    "content/book/charles_stross/neptunes-brood.md": ("Neptune's Brood", "2014-03-05 21:00",
                                                      ["book", "science-fiction"]),
    "content/book/john_ringo/live-free-or-die.md": ("Live Free or Die", "2014-02-24 17:04",
                                                    ["book", "john-ringo", "science-fiction"]),
    "content/openstack/havana/nova-conductor.md": ("Nova conductor", "2014-02-20 09:30", ["openstack", "nova"]),
    "content/diary/quiet-sunday.md": ("A quiet Sunday", "2014-02-16 15:00", ["diary"]),
    "content/book/john_ringo/citadel.md": ("Citadel", "2014-02-10 20:00", ["book", "john-ringo"]),
    "content/hello.md": ("Hello", "2014-01-30 10:00", ["meta"]),
    "content/openstack/icehouse/summit.md": ("Icehouse summit", "2014-01-20 11:00", ["openstack", "summit"]),
    "content/diary/christmas.md": ("Christmas", "2013-12-25 12:00", []),
    "content/misc/solo/lonely.md": ("Lonely post", "2013-11-02 07:00", ["only-here", "diary"]),
}
TARGET = "content/book/john_ringo/live-free-or-die.md"
TARGET_URL = "/book/john_ringo/live-free-or-die.html"
SUMMARY = re.compile(r"^(\d+) posts: (\d+) files written, (\d+) unchanged, (\d+) removed in [\d.]+ s \((\d+) pages, (\d+) post blocks and entries rendered; (\d+) pages keyed\)$")


def post_text(rel: str, **changes) -> str:
    title, date, tags = POSTS[rel]
    fields = {"title": title, "date": date, "tags": tags, "body": f"The body of {title}.\n\nA second paragraph.\n"}
    fields.update(changes)
    return post(fields.pop("title"), fields.pop("date"), fields.pop("body"), **fields)


@pytest.fixture
def site(tmp_path) -> Path:
    files = {rel: post_text(rel) for rel in POSTS}
    files["content/book/john_ringo/live-free-or-die.comments/20140225-jane.md"] = (
        "---\nauthor: Jane\ndate: 2014-02-25 09:00\n---\nGreat book.\n")
    files["content/static/robots.txt"] = "User-agent: *\n"
    return make_site(tmp_path, files, CONFIG)


def snapshot(output: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file in output/: (modification time, inode, bytes)."""
    result = {}
    for path in sorted(output.rglob("*")):
        if path.is_file():
            st = path.stat()
            result[path.relative_to(output).as_posix()] = (st.st_mtime_ns, st.st_ino, path.read_bytes())
    return result


def rewritten(before: dict, after: dict) -> set[str]:
    """Files written by the last build: new ones, and ones whose inode or modification time moved."""
    return {p for p in after if p not in before or after[p][:2] != before[p][:2]} - {MANIFEST}


def bytes_changed(before: dict, after: dict) -> set[str]:
    return {p for p in after if p not in before or after[p][2] != before[p][2]} - {MANIFEST}


def summary(result) -> tuple[int, int, int, int]:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    return tuple(int(n) for n in match.groups()[:4])   # files written, unchanged, removed (not rendered)


def tree(output: Path) -> dict[str, bytes]:
    return {p: data for p, (_, _, data) in snapshot(output).items() if p != MANIFEST}


def clean_build(site: Path, tmp_path: Path, name: str = "clean") -> dict[str, bytes]:
    """What a first build of the site as it is now gives: a copy without cache or output, built."""
    copy = tmp_path / name
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".blog-cache"))
    return tree(build(copy))


def edit_and_rebuild(site: Path, rel: str, text: str):
    before = snapshot(site / "output")
    (site / rel).write_text(text, encoding="utf-8")
    result = run_blog(site, "build")
    after = snapshot(site / "output")
    return before, after, summary(result)


def html_files_with(output: Path, predicate) -> set[str]:
    return {p.relative_to(output).as_posix() for p in output.rglob("*.html") if predicate(html(p))}


def feeds_with_entry(output: Path, url: str) -> set[str]:
    found = set()
    for path in list(output.rglob("*.rss")) + list(output.rglob("*.atom")):
        if any(entry.link == "https://example.org" + url for entry in feed(path).entries):
            found.add(path.relative_to(output).as_posix())
    for path in output.rglob("feed.json"):   # JSON Feed (feedparser 6.0 does not read it)
        if any(item["url"] == "https://example.org" + url for item in json.loads(path.read_bytes())["items"]):
            found.add(path.relative_to(output).as_posix())
    return found


# -- nothing changed, nothing written ---------------------------------------------------------------------

def test_a_second_build_with_no_change_rewrites_no_file(site):
    # Saved an hour ago, as files are when cron runs. (A file saved in the last 2 s is checked by its bytes
    # on the next build too, which may rewrite the manifest, never a page.)
    hour_ago = time.time() - 3600
    for path in (site / "content").rglob("*"):
        os.utime(path, (hour_ago, hour_ago))
    first = run_blog(site, "build")
    posts, written, unchanged, removed = summary(first)
    assert (posts, unchanged, removed) == (len(POSTS), 0, 0) and written > 50
    before = snapshot(site / "output")

    second = run_blog(site, "build")
    assert summary(second) == (len(POSTS), 0, written, 0)
    after = snapshot(site / "output")
    assert after.keys() == before.keys()
    moved = [p for p in after if after[p][:2] != before[p][:2]]
    assert moved == [], "files were rewritten though nothing changed (the manifest too counts)"


# -- same input, same bytes -------------------------------------------------------------------------------

def test_clean_builds_in_two_folders_are_byte_identical(site, tmp_path, monkeypatch):
    # Another folder and another hash seed: nothing may depend on where the site lives or on set order.
    other = tmp_path / "elsewhere" / "copy"
    shutil.copytree(site, other)
    monkeypatch.setenv("PYTHONHASHSEED", "1")
    assert run_blog(site, "build").returncode == 0
    monkeypatch.setenv("PYTHONHASHSEED", "2")
    assert run_blog(other, "build").returncode == 0
    first, second = tree(site / "output"), tree(other / "output")
    assert len(first) > 50
    assert first.keys() == second.keys()
    assert [p for p in first if first[p] != second[p]] == []


def test_a_build_without_the_cache_gives_the_same_bytes_as_with_it(site, tmp_path):
    assert run_blog(site, "build").returncode == 0
    cold = tree(site / "output")
    assert run_blog(site, "build", "--output", str(tmp_path / "warm")).returncode == 0
    assert tree(tmp_path / "warm") == cold
    shutil.rmtree(site / ".blog-cache")
    shutil.rmtree(site / "output")
    assert run_blog(site, "build").returncode == 0
    assert tree(site / "output") == cold


# -- an edit rewrites what shows it, and only that --------------------------------------------------------

def test_editing_a_body_rewrites_exactly_the_pages_and_feeds_that_show_it(site, tmp_path):
    assert run_blog(site, "build").returncode == 0
    output = site / "output"
    # Computed from the site as built: every page holding the post's whole block, every feed with its entry.
    showing = html_files_with(output, lambda soup: soup.find("article", id="post-live-free-or-die") is not None)
    in_feeds = feeds_with_entry(output, TARGET_URL)
    expected = showing | in_feeds
    # The permalink, the front page it is on, its category and the category's parent, its feeds.
    assert {"book/john_ringo/live-free-or-die.html", "page/2/index.html", "book/index.html",
            "book/john_ringo/index.html"} <= showing
    assert {"index.rss", "index.atom", "book/index.rss", "book/john_ringo/index.rss",
            "tags/john-ringo/index.rss", "tags/science-fiction/index.rss"} <= in_feeds

    before, after, (_, written, _, removed) = edit_and_rebuild(
        site, TARGET, post_text(TARGET, body="An **edited** body.\n"))
    assert rewritten(before, after) == expected
    assert written == len(expected) and removed == 0
    assert "An <strong>edited</strong> body." in (output / TARGET_URL[1:]).read_text(encoding="utf-8")
    assert tree(output) == clean_build(site, tmp_path)


def test_editing_a_title_also_rewrites_every_page_that_links_to_the_post(site, tmp_path):
    assert run_blog(site, "build").returncode == 0
    output = site / "output"
    # Links with an anchor count too: the recent-comments page links to TARGET_URL#comment-..., and the
    # feeds of comments name the post in each entry's title.
    to_target = re.compile("^" + re.escape(TARGET_URL) + "(#.*)?$")
    linking = html_files_with(output, lambda soup: soup.find("a", href=to_target) is not None)
    comment_feeds = {"comments/index.rss", TARGET_URL[1:-len(".html")] + ".comments.rss"}
    expected = linking | feeds_with_entry(output, TARGET_URL) | comment_feeds
    # Beyond the pages that show the post: tag and date archives, and posts listing it as related (with
    # the listing pages that show those posts).
    assert {"tags/john-ringo/index.html", "2014/02/24/index.html", "2014/index.html",
            "book/john_ringo/citadel.html"} <= linking
    related_here = html(output / "book/john_ringo/citadel.html").select("p.post-related a")
    assert TARGET_URL in [a["href"] for a in related_here]

    before, after, (_, written, _, _) = edit_and_rebuild(site, TARGET, post_text(TARGET, title="Live Free or Die!"))
    assert rewritten(before, after) == expected
    assert written == len(expected)
    related_now = html(output / "book/john_ringo/citadel.html").select("p.post-related a")
    assert "Live Free or Die!" in [a.get_text() for a in related_now]
    assert tree(output) == clean_build(site, tmp_path)


def test_editing_tags_rewrites_the_tag_pages_and_only_what_changed(site, tmp_path):
    assert run_blog(site, "build").returncode == 0
    output = site / "output"
    before, after, _ = edit_and_rebuild(
        site, TARGET, post_text(TARGET, tags=["book", "john-ringo", "military-sf"]))
    changed = rewritten(before, after)
    assert changed == bytes_changed(before, after), "a file was rewritten with the bytes it already had"
    assert {"tags/military-sf/index.html", "tags/military-sf/index.rss", "tags/science-fiction/index.html",
            "tags/science-fiction/index.rss", "tags/index.html", "sitemap.xml", TARGET_URL[1:]} <= changed
    # Pages of tags the post kept or never had are untouched.
    assert not {"tags/john-ringo/index.html", "tags/openstack/index.html", "tags/meta/index.rss"} & changed

    listed = [a["href"] for a in html(output / "tags/science-fiction/index.html").select("a.archive-title")]
    assert listed == ["/book/charles_stross/neptunes-brood.html"]
    new_tag = [a["href"] for a in html(output / "tags/military-sf/index.html").select("a.archive-title")]
    assert new_tag == [TARGET_URL]
    counts = {li.a.get_text(): li.select_one(".count").get_text()
              for li in html(output / "tags/index.html").select("ul.tag-cloud li")}
    assert counts["science-fiction"] == "1" and counts["military-sf"] == "1"
    assert tree(output) == clean_build(site, tmp_path)


def save_in_the_same_tick(path: Path, text: str) -> None:
    """Two saves within one tick of the file system's clock leave mtime and size alike; a same-size edit
    that then sets the old mtime back is that case, made reproducible."""
    st = path.stat()
    assert len(text.encode()) == st.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("edited", ["post", "static file"])
def test_a_same_size_edit_in_the_same_clock_tick_is_seen(site, tmp_path, edited):
    assert run_blog(site, "build").returncode == 0
    if edited == "post":
        save_in_the_same_tick(site / TARGET,
                              post_text(TARGET, body="The body of Live Free or Dia.\n\nA second paragraph.\n"))
    else:   # alone: nothing else tells the build that anything changed
        save_in_the_same_tick(site / "content/static/robots.txt", "User-agent: x\n")

    assert run_blog(site, "build").returncode == 0
    page = (site / "output" / TARGET_URL[1:]).read_text(encoding="utf-8")
    robots = (site / "output/robots.txt").read_text(encoding="utf-8")
    assert ("Live Free or Dia." in page) == (edited == "post")
    assert (robots == "User-agent: x\n") == (edited == "static file")
    assert tree(site / "output") == clean_build(site, tmp_path)


# -- removals ---------------------------------------------------------------------------------------------

def test_deleting_a_post_removes_its_page_and_its_last_tag_but_not_files_made_by_hand(site, tmp_path):
    assert run_blog(site, "build").returncode == 0
    output = site / "output"
    lonely = {"misc/solo/lonely.html", "tags/only-here/index.html", "tags/only-here/index.rss",
              "misc/solo/index.html", "misc/solo/index.rss", "misc/index.html", "misc/index.rss",
              "2013/11/02/index.html", "2013/11/index.html", "misc/solo/lonely.comments.rss"}
    assert all((output / p).is_file() for p in lonely)
    (output / "hand-made.html").write_text("<p>mine</p>", encoding="utf-8")
    (output / "tags/only-here/notes.txt").write_text("also mine", encoding="utf-8")
    before = snapshot(output)

    (site / "content/misc/solo/lonely.md").unlink()
    result = run_blog(site, "build")
    _, _, _, removed = summary(result)
    after = snapshot(output)
    assert set(before) - set(after) == lonely
    assert removed == len(lonely)
    assert not (output / "misc").exists(), "an emptied folder was left behind"
    assert (output / "hand-made.html").read_text(encoding="utf-8") == "<p>mine</p>"
    assert (output / "tags/only-here/notes.txt").read_text(encoding="utf-8") == "also mine"
    warnings = [line for line in result.stderr.splitlines() if "left alone" in line]
    assert len(warnings) == 1 and "hand-made.html" in warnings[0] and "tags/only-here/notes.txt" in warnings[0]

    tags = [a.get_text() for a in html(output / "tags/index.html").select("ul.tag-cloud a")]
    assert "only-here" not in tags and "diary" in tags
    assert "lonely" not in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert tree(output) == {**clean_build(site, tmp_path), "hand-made.html": b"<p>mine</p>",
                            "tags/only-here/notes.txt": b"also mine"}


def test_a_new_post_rewrites_its_neighbours_post_pages_and_no_other_post_page(site, tmp_path):
    # Each post page links the posts before and after it by date; its key names those two only, so a new post
    # between "Live Free or Die" and "Nova conductor" changes their pages and leaves every other post alone.
    # (Its tag is its own, so no post gains it as a related post.)
    assert run_blog(site, "build").returncode == 0
    new_rel = "content/diary/new-post.md"
    before, after, _ = edit_and_rebuild(site, new_rel, post("A new post", "2014-02-22 10:00", "New.\n",
                                                            tags=["brand-new"]))
    post_pages = {rel[len("content/"):-len(".md")] + ".html" for rel in [*POSTS, new_rel]}
    assert rewritten(before, after) & post_pages == {
        "diary/new-post.html", "book/john_ringo/live-free-or-die.html", "openstack/havana/nova-conductor.html"}
    newer = html(site / "output/openstack/havana/nova-conductor.html").select_one("nav.post-nav a.newer")
    assert newer["href"] == "/diary/new-post.html" and "A new post" in text(newer)
    assert tree(site / "output") == clean_build(site, tmp_path)
