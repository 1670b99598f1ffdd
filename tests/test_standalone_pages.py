"""Standalone pages under content/pages/: their own URL and template, in the sitemap and (with `nav:`) in the
header of every page, and nowhere a post would be."""

from __future__ import annotations

import pytest

from sitefactory import build, feed, html, make_site, post, run_blog, text


def page(title=None, body="", **fields) -> str:
    meta = ({"title": title} if title is not None else {}) | fields
    lines = "".join(f"{k}: {v}\n" for k, v in meta.items())
    return f"---\n{lines}---\n{body}"


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path, {
        "content/diary/first.md": post("First post", "2014-02-24 17:04", "Hello.", tags=["about", "diary"]),
        "content/diary/second.md": post("Second post", "2014-02-25 09:00", "Again.", tags=["diary"]),
        "content/pages/about.md": page("About me", "I *write* here.\n\n## Contact\n\nBy mail.", nav=10),
        "content/pages/projects/index.md": page("Projects", "A list.", nav=5),
        "content/pages/colophon.md": page("Colophon", "Made with blog."),
        "content/pages/secret.md": page("Not yet", "Soon.", nav=1, draft="true"),
    }, {"base_url": "https://example.org/blog/"})


def nav(soup) -> list[tuple[str, str]]:
    return [(text(a), a["href"]) for a in soup.select("nav.site-nav a")]


def test_control_characters_are_dropped_from_a_page_title(tmp_path):
    site = make_site(tmp_path, {"content/a.md": post("A", "2014-02-24 17:04"),
                                "content/pages/about.md": '---\ntitle: "Ab\\u0007out\\u001b"\n---\nBody\n'})
    out = build(site)
    assert text(html(out / "about.html").select_one("h1.page-title")) == "About"


def test_pages_are_published_at_their_urls_with_the_page_template(site):
    out = build(site)
    about = html(out / "about.html")
    assert text(about.select_one("h1.page-title")) == "About me"
    assert about.select_one(".page-body em").get_text() == "write"
    assert about.select_one(".page-body h2")["id"] == "contact"
    assert about.find("link", rel="canonical")["href"] == "https://example.org/blog/about.html"
    assert text(html(out / "projects/index.html").select_one("h1.page-title")) == "Projects"
    assert (out / "colophon.html").is_file()
    assert not (out / "secret.html").exists()   # a draft page waits like a draft post


def test_nav_pages_are_in_every_header_in_their_order(site):
    out = build(site)
    for rel in ("index.html", "diary/first.html", "tags/diary/index.html", "2014/index.html", "about.html",
                "404.html", "comments/index.html"):
        links = nav(html(out / rel))
        at = links.index(("Tags", "/blog/tags/"))
        assert links[at + 1: at + 3] == [("Projects", "/blog/projects/"), ("About me", "/blog/about.html")], rel
        assert "Colophon" not in [title for title, _ in links]


def test_pages_are_in_the_sitemap_and_nowhere_a_post_is(site):
    out = build(site)
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for url in ("about.html", "projects/", "colophon.html"):
        assert f"<loc>https://example.org/blog/{url}</loc>" in sitemap
    assert "secret" not in sitemap
    everything = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".rss", ".atom", ".xml")]
    for path in everything:
        if path.relative_to(out).as_posix() in ("about.html", "projects/index.html", "colophon.html",
                                                "sitemap.xml"):
            continue
        # Header navigation aside, no other page names or links to a page.
        soup = html(path) if path.suffix == ".html" else None
        if soup is not None:
            for a in soup.select("nav.site-nav"):
                a.decompose()
        body = str(soup) if soup is not None else path.read_text(encoding="utf-8")
        assert "Colophon" not in body and "colophon.html" not in body, path
        assert "About me" not in body, path
    assert [e.title for e in feed(out / "index.rss").entries] == ["Second post", "First post"]
    assert len(html(out / "2014/index.html").select("main a.archive-title")) == 2


def test_drafts_flag_shows_a_draft_page(site, tmp_path):
    out = build(site, "--drafts", output=tmp_path / "preview")
    assert text(html(out / "secret.html").select_one("h1")) == "Not yet"
    links = nav(html(out / "index.html"))
    assert ("Not yet", "/blog/secret.html") in links[links.index(("Tags", "/blog/tags/")):]


def test_editing_a_page_title_renames_it_in_every_header(site):
    build(site)
    (site / "content/pages/about.md").write_text(page("About the author", "I write here.", nav=10))
    out = build(site)
    assert ("About the author", "/blog/about.html") in nav(html(out / "diary/first.html"))
    (site / "content/pages/about.md").unlink()
    out = build(site)
    assert not (out / "about.html").exists()
    assert [t for t, _ in nav(html(out / "diary/first.html"))].count("About the author") == 0


@pytest.mark.parametrize("name, text_, message, line", [
    ("content/pages/about.md", page(None, "Body", nav=1), "the page has no title", 1),
    ("content/pages/about.md", page("About", "Body", nav="first"), "must be a whole number", 3),
    # Text fields as for posts: a list would show as Python's notation.
    ("content/pages/about.md", page("[About, me]", "Body"), "'title' must be text", 2),
    ("content/pages/about.md", page("About", "Body", draft="maybe"), "'draft' must be true or false", 3),
    ("content/pages/index.md", page("Home", "Body"), "two things map to one URL /index.html", None),
])
def test_bad_pages_are_one_line_errors_and_publish_nothing(tmp_path, name, text_, message, line):
    site = make_site(tmp_path, {"content/a.md": post("A", "2014-02-24 17:04"), name: text_})
    result = run_blog(site, "build")
    assert result.returncode == 1
    (err,) = result.stderr.splitlines()
    assert message in err and name in err
    if line:
        assert f"{name}:{line}" in err
    assert not (site / "output").exists()


def test_a_non_markdown_file_in_pages_is_a_warning(tmp_path):
    site = make_site(tmp_path, {"content/a.md": post("A", "2014-02-24 17:04"),
                                "content/pages/about.md": page("About", "Me."),
                                "content/pages/notes.txt": "x"})
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "warning: content/pages/notes.txt: not a page (pages end in .md); ignored. Files to publish as they are "
        "go in content/static/"]
