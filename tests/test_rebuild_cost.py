"""A rebuild costs what the edit changes: for each kind of edit, the pages rendered are the pages whose bytes
change, plus at most a small remainder named here, and the post blocks and archive entries rendered are those
of the posts the edit touched (the rest come from the cache). Every rebuild is also byte-identical to a full
build of the same files. Counting renders is the point, not timing them: speed is shown by `python -m bench`.
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.build import BuildOptions, build
from generator.publish.writer import MANIFEST
from sitefactory import make_site, post

THEME = Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
NOW = datetime(2015, 1, 1, tzinfo=ZoneInfo("UTC"))
CATEGORIES = ["diary", "book/john_ringo", "openstack/havana", ""]
TAGS = ["nova", "python", "book", "rare", "diary", "scifi"]
POSTS = 30


def fields_of(i: int) -> dict:
    rnd = random.Random(i)
    return {"title": f"Post {i}", "date": f"2014-0{1 + i % 3}-{1 + i % 27:02d} {10 + i % 10}:00",
            "tags": rnd.sample(TAGS, rnd.randint(1, 3)), "summary": f"Summary {i}." if i % 2 else ""}


def rel_of(i: int) -> str:
    category = CATEGORIES[i % len(CATEGORIES)]
    return f"content/{category + '/' if category else ''}p{i:02d}.md"


def text_of(fields: dict, body: str = "A body.\n") -> str:
    extra = {k: v for k, v in fields.items() if k not in ("title", "date") and v}
    return post(fields["title"], fields["date"], body, **extra)


@pytest.fixture
def site(tmp_path) -> Path:
    files = {rel_of(i): text_of(fields_of(i)) for i in range(POSTS)}
    files["content/diary/p00.comments/c1.md"] = "---\nauthor: Jane\ndate: 2014-04-01 09:00\n---\nHi.\n"
    site = make_site(tmp_path, files, {"posts_per_page": 3, "title": "T", "related": {"count": 2}})
    run(site)
    return site


def run(site: Path, output: Path | None = None):
    return build(BuildOptions(site_dir=site, output_dir=output, now=NOW), warn=lambda msg: None)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and p.name != MANIFEST}


def rebuild(site: Path, tmp_path: Path):
    """The incremental rebuild's result, after checking its output against a full build of the same files."""
    result = run(site)
    assert_as_full_build(site, tmp_path)
    return result


def assert_as_full_build(site: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", ".blog-cache"))
    run(clean)
    assert tree(site / "output") == tree(clean / "output"), "the rebuild differs from a full build"


def dates_of(i: int) -> set[str]:
    """The date archives listing post i: its day's, month's and year's."""
    year, month, day = fields_of(i)["date"][:10].split("-")
    return {f"{year}/index.html", f"{year}/{month}/index.html", f"{year}/{month}/{day}/index.html"}


def archives_of(i: int) -> set[str]:
    """The title-and-summary pages listing post i: its tags' and its date archives."""
    return {f"tags/{t}/index.html" for t in fields_of(i)["tags"]} | dates_of(i)


def sharing_a_tag(tags) -> int:
    return sum(1 for i in range(POSTS) if set(fields_of(i)["tags"]) & set(tags))


def write(site: Path, rel: str, text: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def override(site: Path, name: str) -> None:
    """A site copy of a theme template whose output changes (a comment inside what every use renders)."""
    text = (THEME / name).read_text(encoding="utf-8")
    if "</body>" in text:
        marked = text.replace("</body>", "<!-- edited --></body>", 1)
    elif "{% block content %}" in text:
        marked = text.replace("{% block content %}", "{% block content %}<!-- edited -->", 1)
    else:
        marked = "<!-- edited -->" + text
    write(site, f"templates/{name}", marked)


# Each edit: (change the files, the most parts it may render, the pages it may render whose bytes do not
# change). Post 4 has no summary, so its Atom entry shows its body (feedgen shows a summary instead where
# there is one).
EDITS = {
    "body": (lambda s: write(s, rel_of(4), text_of(fields_of(4), "A longer body.\n")), 2, set()),
    "title": (lambda s: write(s, rel_of(4), text_of({**fields_of(4), "title": "Renamed"})),
              2 * (1 + sharing_a_tag(fields_of(4)["tags"])), set()),
    "tags": (lambda s: write(s, rel_of(8), text_of({**fields_of(8), "tags": ["rare", "python"]})),
             2 * (1 + sharing_a_tag(fields_of(8)["tags"] + ["rare", "python"])), dates_of(8)),
    "date": (lambda s: write(s, rel_of(8), text_of({**fields_of(8), "date": "2014-12-24 10:00"})),
             2 * (1 + sharing_a_tag(fields_of(8)["tags"])), set()),
    "add": (lambda s: write(s, "content/diary/new.md", text_of({"title": "New", "date": "2014-12-01 10:00",
                                                                  "tags": ["nova"]})),
            2 * (1 + sharing_a_tag(["nova"])), set()),
    "delete": (lambda s: (s / rel_of(1)).unlink(), 2 * sharing_a_tag(fields_of(1)["tags"]), set()),
    "rename": (lambda s: (s / rel_of(5)).rename(s / "content/diary/renamed.md"),
               2 * (1 + sharing_a_tag(fields_of(5)["tags"])), set()),
    "comment": (lambda s: write(s, "content/diary/p08.comments/c.md",
                                "---\nauthor: Bob\ndate: 2014-04-02 09:00\n---\nYo.\n"), 2, set()),
    "no change": (lambda s: None, 0, set()),
}
TEMPLATES = ["post_block.html", "archive_item.html", "tags.html", "base.html", "pagination.html", "post.html",
             "listing.html"]


@pytest.mark.parametrize("edit", EDITS)
def test_an_edit_renders_what_it_changes(site, tmp_path, edit):
    change, most_parts, remainder = EDITS[edit]
    change(site)
    result = rebuild(site, tmp_path)
    rendered, changed = set(result.stats.rendered), set(result.stats.staged)
    assert changed <= rendered
    assert rendered - changed <= remainder, f"rendered for nothing: {sorted(rendered - changed - remainder)}"
    assert result.parts_rendered <= most_parts, "blocks of posts the edit did not touch were rendered again"
    if edit != "no change":
        assert changed, "the edit changed no file"


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_template_edit_renders_its_users_only(site, tmp_path, name):
    override(site, name)
    result = rebuild(site, tmp_path)
    rendered, changed = set(result.stats.rendered), set(result.stats.staged)
    assert rendered == changed, f"rendered for nothing: {sorted(rendered - changed)}"
    # Only post_block.html and archive_item.html make parts; an edit to any other renders none of them.
    parts = {"post_block.html": POSTS, "archive_item.html": POSTS}.get(name, 0)
    assert result.parts_rendered == parts
    if name == "tags.html":
        assert rendered == {"tags/index.html"}
    if name == "base.html":   # every page made from a template, and no feed (feedgen makes those)
        assert not [p for p in rendered if not p.endswith(".html")]


def test_a_shifted_listing_renders_no_block(site, tmp_path):
    """A new post moves every post of the front page down by one: all its pages change, none of the blocks."""
    write(site, "content/new.md", text_of({"title": "New", "date": "2014-12-31 10:00", "tags": []}))
    result = rebuild(site, tmp_path)
    pages = {p for p in result.stats.staged if p == "index.html" or p.startswith("page/")}
    assert len(pages) == -(-(POSTS + 1) // 3)   # every front page
    assert result.parts_rendered == 2             # the new post's block and archive entry


def test_parts_lost_from_the_cache_are_rendered_where_pages_join_them_and_stored_again(site, tmp_path):
    """After an edit, the parts of posts whose keys are unchanged are not looked for before pages join them (a
    new post shifts every listing page: 100,000 blocks at 100,000 posts). One the cache lost all the same is
    rendered where a page joins it, and stored again: the pages are a full build's, and a later build finds
    it."""
    import sqlite3

    db = site / ".blog-cache" / "cache.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM parts")
    con.close()
    write(site, "content/new.md", text_of({"title": "New", "date": "2014-12-31 10:00", "tags": []}))
    result = run(site)
    assert result.parts_rendered == 2   # the new post's block and entry: the others were not looked for
    assert_as_full_build(site, tmp_path)
    with sqlite3.connect(db) as con:
        stored = con.execute("SELECT count(*) FROM parts").fetchone()[0]
    con.close()
    assert stored >= POSTS + 1 + 2   # every block again (each front page shifted), and the new post's entry
    write(site, "content/new.md", text_of({"title": "Newer", "date": "2014-12-31 10:00", "tags": []}))
    assert run(site).parts_rendered == 2
    assert_as_full_build(site, tmp_path)


def test_a_template_included_by_another_counts_for_its_users(site, tmp_path):
    """Keys follow includes: post_block.html including extra.html makes every page showing a block depend on
    extra.html, found by reading the templates (jinja2.meta), with nothing declared by hand."""
    write(site, "templates/extra.html", "<p class='extra'>one</p>\n")
    block = (THEME / "post_block.html").read_text(encoding="utf-8")
    write(site, "templates/post_block.html", block.replace("</article>", "{% include 'extra.html' %}</article>"))
    run(site)
    write(site, "templates/extra.html", "<p class='extra'>two</p>\n")
    result = rebuild(site, tmp_path)
    assert result.parts_rendered == POSTS
    assert "index.html" in result.stats.staged and "tags/index.html" not in result.stats.rendered
    assert set(result.stats.rendered) == set(result.stats.staged)


def test_a_template_named_by_an_expression_counts_as_using_every_template(site, tmp_path):
    """An include whose name is computed cannot be followed: that template's pages depend on all templates."""
    write(site, "templates/extra.html", "<p>one</p>\n")
    tags = (THEME / "tags.html").read_text(encoding="utf-8")
    write(site, "templates/tags.html", tags.replace("{% block content %}",
                                                     "{% block content %}{% include 'ex' ~ 'tra.html' %}"))
    run(site)
    write(site, "templates/extra.html", "<p>two</p>\n")
    result = rebuild(site, tmp_path)
    assert "tags/index.html" in result.stats.staged


def test_damaged_parts_in_the_cache_are_rendered_again(site, tmp_path):
    """A block whose bytes changed in the cache (its checksum no longer matches) is noticed where a page joins
    it, said once, rendered again for the page and stored again intact: the shifted pages it is joined into are
    still a full build's, and the next build finds no damage."""
    import sqlite3

    db = site / ".blog-cache" / "cache.sqlite"
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT key, html FROM parts").fetchall()
        assert len(rows) == 2 * POSTS
        for key, data in rows:
            con.execute("UPDATE parts SET html = ? WHERE key = ?", (data[:-1] + bytes([data[-1] ^ 1]), key))
    con.close()
    write(site, "content/new.md", text_of({"title": "New", "date": "2014-12-31 10:00", "tags": []}))
    warnings = []
    build(BuildOptions(site_dir=site, now=NOW), warn=warnings.append)
    damage = [w for w in warnings if "damaged" in w]
    assert len(damage) == 1 and "rendered again" in damage[0], warnings
    assert_as_full_build(site, tmp_path)

    # The damaged parts the pages joined are in the cache again, intact (their checksums match).
    from generator.publish.cache import _checksum
    with sqlite3.connect(db) as con:
        now = {key: (data, check) for key, data, check in con.execute("SELECT key, html, sum FROM parts")}
    con.close()
    healed = [key for key, _ in rows if key in now and _checksum(now[key][0]) == now[key][1]]
    assert len(healed) > len(rows) / 2, "the parts the shifted pages joined are not stored again"
    write(site, "content/new.md", text_of({"title": "Newer", "date": "2014-12-31 10:00", "tags": []}))
    warnings.clear()
    build(BuildOptions(site_dir=site, now=NOW), warn=warnings.append)
    assert not [w for w in warnings if "damaged" in w], warnings
    assert_as_full_build(site, tmp_path)


# Keyed on every build that gets past the no-change check, whatever changed: the pages that sum up the whole
# site in one page (the indexes, the recent comments and their feed, the JSON Feed, the 404 page) and the
# theme's copied files. Everything else belongs to a group that is keyed only when it shows what changed.
KEYED_EVERY_TIME = {"tags/index.html", "archives/index.html", "categories/index.html", "comments/index.html",
                    "comments/index.rss", "feed.json", "404.html", "favicon.svg"}


def showing(output: Path, url: str) -> set[str]:
    """The files of a full build that show the post at `url` (link to it), found by reading them."""
    return {path for path, data in tree(output).items() if url.encode() in data}


@pytest.mark.parametrize("edit,post", [("body", 4), ("title", 4), ("comment", 8)])
def test_an_edit_keys_only_the_pages_that_show_the_post(site, tmp_path, edit, post):
    url = rel_of(post).removeprefix("content/").replace(".md", ".html")
    EDITS[edit][0](site)
    result = rebuild(site, tmp_path)
    keyed = set(result.stats.keyed)
    shows = showing(tmp_path / "clean" / "output", url)
    assert url in keyed and set(result.stats.staged) <= keyed
    unexpected = {p for p in keyed - shows - KEYED_EVERY_TIME if not p.startswith("static/")}
    assert not unexpected, f"keyed though they do not show {url}: {sorted(unexpected)}"
    assert len(keyed) < len(tree(site / "output")) / 3


def test_a_body_edit_keys_only_the_pages_that_show_the_body(site, tmp_path):
    """Its related posts and the posts beside it show its title: it did not change, so none of their pages is
    keyed. Only the pages showing the body are, the named whole-site pages, and the other pages of groups that
    list the post (its archives, its comments' feed: keyed, not rendered, as test_an_edit_renders_what_it_changes
    shows)."""
    write(site, rel_of(4), text_of(fields_of(4), "A body nobody else has.\n"))
    result = rebuild(site, tmp_path)
    keyed = set(result.stats.keyed)
    shows = {path for path, data in tree(tmp_path / "clean" / "output").items() if b"nobody else has" in data}
    assert {rel_of(4).removeprefix("content/").replace(".md", ".html"), "index.rss"} <= shows <= keyed
    listing = archives_of(4) | {rel_of(4).removeprefix("content/").replace(".md", ".comments.rss")}
    unexpected = {p for p in keyed - shows - listing - KEYED_EVERY_TIME if not p.startswith("static/")}
    assert not unexpected, f"keyed though they do not show the body: {sorted(unexpected)}"


def test_a_file_removed_by_hand_comes_back_with_the_next_edit(site, tmp_path):
    """A kept group's file is checked (by its size) before it is kept: one removed from output/ is made again,
    and a page edited by hand is put back, even when the build's edit is elsewhere."""
    (site / "output" / "tags" / "scifi" / "index.html").unlink()
    (site / "output" / "2014" / "index.html").write_text("edited by hand")
    EDITS["body"][0](site)
    result = rebuild(site, tmp_path)   # byte-identical to a full build
    assert {"tags/scifi/index.html", "2014/index.html"} <= set(result.stats.staged)


@pytest.mark.parametrize("edit", ["add", "delete", "date", "tags", "rename"])
def test_a_structural_edit_measures_only_the_groups_it_moves(site, tmp_path, monkeypatch, edit):
    """A new, deleted, re-dated or re-tagged post changes the site's structure: each group's shape (its posts and
    what its pages show beside them) is what tells whether its pages moved. Only the groups that may have moved
    are measured: the runs of listing and archive pages whose posts or furniture changed, and the pages of the
    posts that moved and of their neighbours. Every other group is settled without a look. (Feeds are measured
    each: a handful of small groups.)"""
    from generator.pages.changes import Changes
    measured, wanted = [], set()
    real_wants = Changes.wants

    def wants(self, token, posts, templates, neighbours=False, extra="", shape=None):
        if shape is not None and self.measure:
            measured.append(token)
        answer = real_wants(self, token, posts, templates, neighbours, extra, shape)
        if answer:
            wanted.add(token)
        return answer

    EDITS[edit][0](site)
    with monkeypatch.context() as patched:
        patched.setattr(Changes, "wants", wants)   # the incremental build's groups, not the full build's
        run(site)
    assert_as_full_build(site, tmp_path)
    groups = [t for t in measured if not t.startswith("feed:") and t != "sitemap"]
    assert groups, "the edit changed the structure: some groups are measured"
    idle = sorted(set(groups) - wanted)
    # A run that moved is measured whole: of its pages, those past the change can come out the same. Any other
    # group measured was one the edit dirtied or moved.
    assert all(t.startswith(("listing:", "archive:")) for t in idle), f"measured, yet unmoved: {idle}"
    assert len(idle) <= 8, f"measured though their pages did not move: {idle}"


def test_a_build_stopped_after_storing_the_structure_is_repaired_by_the_next(site, tmp_path, monkeypatch):
    """The structure's entries are stored before the pages are rendered; a build stopped after that (here: before
    it publishes) leaves them newer than the record. The next build must not compare against them as the last
    build's: after one more structural edit, its output equals a full build's, page for page."""
    from generator.publish.writer import OutputWriter
    EDITS["delete"][0](site)   # its neighbours' pages change: only the last build's entries tell who they were

    def stopped(self, inputs=None):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(OutputWriter, "publish", stopped)
        with pytest.raises(KeyboardInterrupt):
            run(site)
    EDITS["date"][0](site)
    rebuild(site, tmp_path)   # compares with a full build of the same files


def test_a_new_title_that_reorders_posts_of_one_moment_moves_their_pages(tmp_path):
    """Posts of the same date and time are in the order of their titles: retitling one moves it among them, and
    the listings, archives and neighbours' links that show that order must follow (found by the property test)."""
    same = "2013-12-31 23:30"
    files = {f"content/{c}p{i}.md": post("Alpha", same, "Body one.\n", tags=["nova"] if i < 3 else [])
             for i, c in enumerate(["diary/", "book/", "", "", "", ""])}
    site = make_site(tmp_path, files, {"posts_per_page": 2, "title": "T", "related": {"count": 2}})
    run(site)
    write(site, "content/diary/p0.md", post("Zeta & Eta", same, "Body one.\n", tags=["nova"]))
    rebuild(site, tmp_path)   # compares with a full build of the same files


def test_bodies_lost_from_the_cache_mid_build_are_rendered_again(site, tmp_path, monkeypatch):
    """The cache said it had every body's HTML, then gave none (a damaged table): each post's and comment's HTML
    is rendered again from its file, and the pages are a full build's."""
    from generator.publish.cache import BuildCache
    override(site, "post.html")
    override(site, "post_block.html")   # every post's page and block again: every body, and the comment
    monkeypatch.setattr(BuildCache, "get_html", lambda self, keys: {})
    rebuild(site, tmp_path)   # compares with a full build of the same files
    assert "Hi." in (site / "output" / "diary" / "p00.html").read_text(encoding="utf-8")
