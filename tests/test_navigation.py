"""Finding one's way: /archives/ and /categories/ linked from every page, months linking their neighbours, years
listing their months, posts linking the posts before and after them, breadcrumbs, pagination wording, the
sitemap of every reachable page, and the favicon. A real site built from files; the HTML read with BeautifulSoup."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from sitefactory import REPO, build, html, make_site, post, text

# Newest first. February 2014 has no posts: the months beside it skip it.
POSTS = {
    "content/diary/moving-house.md": ("Moving house", "2014-03-10 08:00"),
    "content/book/John_Ringo/live-free-or-die.md": ("Live Free or Die", "2014-01-24 17:04"),
    "content/book/John_Ringo/citadel.md": ("Citadel", "2014-01-10 20:00"),
    "content/book/Charles_Stross/neptunes-brood.md": ("Neptune's Brood", "2013-12-05 21:00"),
    "content/openstack/havana/nova.md": ("Nova <conductor> & co", "2013-10-20 09:30"),
    "content/hello.md": ("Hello", "2013-10-02 10:00"),
}
NEWEST_FIRST = [title for title, _ in POSTS.values()]
URLS = {title: "/" + rel[len("content/"):-len(".md")] + ".html" for rel, (title, _) in POSTS.items()}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    files = {rel: post(title, date, f"The body of {title}.\n", tags=["book"] if "book" in rel else ["life"])
             for rel, (title, date) in POSTS.items()}
    site = make_site(tmp_path_factory.mktemp("nav"), files,
                     {"title": "Nav Blog", "base_url": "https://example.org/", "posts_per_page": 2})
    return build(site)


def page(out, url: str):
    return html(out / (url.lstrip("/") + ("index.html" if url.endswith("/") else "")))


def links(nav) -> dict[str, str]:
    return {text(a): a["href"] for a in nav.find_all("a")}


def test_every_page_links_to_the_archives_and_the_categories(out):
    for path in ["index.html", "page/2/index.html", "book/index.html", "tags/book/index.html", "2014/index.html",
                 "archives/index.html", "categories/index.html", "404.html", URLS["Citadel"][1:]]:
        nav = html(out / path).select_one('header nav[aria-label="Site"]')
        assert links(nav)["Archives"] == "/archives/", path
        assert links(nav)["Categories"] == "/categories/", path


def test_the_archive_index_lists_years_and_their_months_with_counts_newest_first(out):
    soup = page(out, "/archives/")
    years = []
    for section in soup.select("section.archive-year"):
        year = section.find("h2").find("a")
        months = [(text(li.a), li.a["href"], text(li.select_one(".count"))) for li in section.select("li")]
        years.append((text(year), year["href"], text(section.select_one("h2 .count")), months))
    assert years == [
        ("2014", "/2014/", "3 posts", [("March", "/2014/03/", "1"), ("January", "/2014/01/", "2")]),
        ("2013", "/2013/", "3 posts", [("December", "/2013/12/", "1"), ("October", "/2013/10/", "2")]),
    ]
    for a in soup.select("main a"):
        assert page(out, a["href"]) is not None   # every link is a page that was written


def test_the_category_list_is_the_tree_with_counts(out):
    tree = page(out, "/categories/").select_one("ul.category-tree")

    def read(ul, depth=0):
        rows = []
        for li in ul.find_all("li", recursive=False):
            rows.append((depth, text(li.a), li.a["href"], text(li.select_one(".count"))))
            for child in li.find_all("ul", recursive=False):
                rows += read(child, depth + 1)
        return rows

    assert read(tree) == [
        (0, "book", "/book/", "3"),
        (1, "Charles_Stross", "/book/Charles_Stross/", "1"),
        (1, "John_Ringo", "/book/John_Ringo/", "2"),
        (0, "diary", "/diary/", "1"),
        (0, "openstack", "/openstack/", "1"),
        (1, "havana", "/openstack/havana/", "1"),
    ]


def test_a_month_links_the_months_before_and_after_that_have_posts(out):
    def months(url):
        nav = page(out, url).select_one("nav.month-nav")
        return {a["rel"][0]: (text(a), a["href"]) for a in nav.find_all("a")} if nav else {}

    assert months("/2014/03/") == {"prev": ("January 2014", "/2014/01/")}   # February had none
    assert months("/2014/01/") == {"prev": ("December 2013", "/2013/12/"), "next": ("March 2014", "/2014/03/")}
    assert months("/2013/10/") == {"next": ("December 2013", "/2013/12/")}


def test_a_year_lists_its_months(out):
    nav = page(out, "/2014/").select_one("nav.archive-months")
    assert [(text(li.a), li.a["href"], text(li.select_one(".count"))) for li in nav.select("li")] == [
        ("March", "/2014/03/", "1"), ("January", "/2014/01/", "2")]


def test_every_post_links_the_older_and_newer_post_across_the_blog(out):
    for i, title in enumerate(NEWEST_FIRST):
        nav = page(out, URLS[title]).select_one("nav.post-nav")
        got = {" ".join(a["class"]): (text(a.find(string=True, recursive=False) or ""), a["href"])
               for a in nav.find_all("a")}
        want = {}
        if i + 1 < len(NEWEST_FIRST):
            older = NEWEST_FIRST[i + 1]
            want["older"] = (older, URLS[older])
        if i > 0:
            newer = NEWEST_FIRST[i - 1]
            want["newer"] = (newer, URLS[newer])
        assert got == want, title
        labels = [text(span) for span in nav.select(".post-nav-label")]
        assert labels == (["Older post"] if "older" in want else []) + (["Newer post"] if "newer" in want else [])


def test_a_post_shows_its_category_path_as_breadcrumbs(out):
    crumbs = page(out, URLS["Citadel"]).select_one('nav[aria-label="Breadcrumb"]')
    assert [(text(a), a["href"]) for a in crumbs.find_all("a")] == [
        ("Home", "/"), ("book", "/book/"), ("John_Ringo", "/book/John_Ringo/")]
    assert page(out, URLS["Hello"]).select_one('nav[aria-label="Breadcrumb"]') is None   # in / itself
    crumbs = page(out, "/book/John_Ringo/").select_one('nav[aria-label="Breadcrumb"]')
    assert crumbs.find_all("a")[-1]["aria-current"] == "page"


def test_the_front_page_and_post_pages_have_one_h1(out):
    assert [text(h) for h in page(out, "/").find_all("h1")] == ["Nav Blog"]
    assert [text(h) for h in page(out, URLS["Citadel"]).find_all("h1")] == ["Citadel"]
    # The same block in listings: the title is an h2 under its day heading.
    assert "Citadel" in [text(h) for h in page(out, "/book/").select("h2.post-title")]


def test_the_sitemap_lists_every_page_a_reader_can_reach(out):
    root = ElementTree.parse(out / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = [loc.text.removeprefix("https://example.org") for loc in root.findall("s:url/s:loc", ns)]
    assert len(listed) == len(set(listed))
    written = {"/" + p.relative_to(out).as_posix().removesuffix("index.html") for p in out.rglob("*.html")}
    assert set(listed) == written - {"/404.html"}
    for url in ["/page/2/", "/page/3/", "/2014/", "/2014/01/", "/2014/01/24/", "/tags/", "/tags/book/",
                "/archives/", "/categories/", "/book/John_Ringo/", URLS["Hello"]]:
        assert url in listed


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def urlset(path) -> list[tuple[str, str]]:
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset", path
    return [(u.findtext("s:loc", namespaces=SITEMAP_NS), u.findtext("s:lastmod", "", SITEMAP_NS))
            for u in root.findall("s:url", SITEMAP_NS)]


def sitemap_index(out) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """File name -> (its lastmod in the index, its (URL, lastmod) entries), from sitemap.xml as an index."""
    root = ElementTree.parse(out / "sitemap.xml").getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    files = {}
    for entry in root.findall("s:sitemap", SITEMAP_NS):
        name = entry.findtext("s:loc", namespaces=SITEMAP_NS).removeprefix("https://example.org/")
        files[name] = (entry.findtext("s:lastmod", "", SITEMAP_NS), urlset(out / name))
    return files


def test_a_sitemap_over_the_protocols_limit_is_an_index_of_files_within_it(tmp_path, monkeypatch):
    from generator.pages import sitemap

    monkeypatch.setattr(sitemap, "MAX_URLS", 5)
    files = {rel: post(title, date, tags=["life"]) for rel, (title, date) in POSTS.items()}
    site = make_site(tmp_path, files, {"base_url": "https://example.org/", "posts_per_page": 2})
    out = build(site)
    index = sitemap_index(out)
    assert all(len(entries) <= 5 for _, entries in index.values())
    for lastmod, entries in index.values():
        assert lastmod == max(date for _, date in entries)
    listed = [url.removeprefix("https://example.org") for _, entries in index.values() for url, _ in entries]
    assert len(listed) == len(set(listed))
    written = {"/" + p.relative_to(out).as_posix().removesuffix("index.html") for p in out.rglob("*.html")}
    assert set(listed) == written - {"/404.html"}
    # The posts, oldest first, in files of their own: a new post changes only the last of them.
    posts = [url.removeprefix("https://example.org") for name, (_, entries) in index.items()
             if name.startswith("sitemap-posts-") for url, _ in entries]
    assert posts == [URLS[title] for title in reversed(NEWEST_FIRST)]
    assert sorted(index) == ["sitemap-pages-%d.xml" % n for n in range(1, len(index) - 1)] + [
        "sitemap-posts-1.xml", "sitemap-posts-2.xml"]
    first = (out / "sitemap-posts-1.xml").stat()

    (site / "content/diary/new.md").write_text(post("New", "2014-04-01 09:00", tags=["life"]), encoding="utf-8")
    build(site)
    again = (out / "sitemap-posts-1.xml").stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert sitemap_index(out)["sitemap-posts-2.xml"][1][-1] == ("https://example.org/diary/new.html", "2014-04-01")

    # The new post gone, and the site within the limit: one sitemap again, and the files of the index gone.
    monkeypatch.setattr(sitemap, "MAX_URLS", len(listed))
    (site / "content/diary/new.md").unlink()
    build(site)
    assert sorted(url.removeprefix("https://example.org") for url, _ in urlset(out / "sitemap.xml")) == sorted(listed)
    assert not list(out.glob("sitemap-*.xml"))


def test_each_file_of_a_big_sitemap_is_within_the_protocols_size(tmp_path, monkeypatch):
    """Sized before the links are made: a path of non-ASCII letters and '&' takes many bytes once encoded."""
    from generator.pages import sitemap

    monkeypatch.setattr(sitemap, "MAX_BYTES", 1500)
    files = {rel: post(title, date) for rel, (title, date) in POSTS.items()}
    files["content/café/naïve & co €.md"] = post("Naïve", "2014-02-02 10:00")
    out = build(make_site(tmp_path, files, {"base_url": "https://example.org/blog/"}))
    root = ElementTree.parse(out / "sitemap.xml").getroot()
    names = [loc.text.removeprefix("https://example.org/blog/") for loc in root.findall("s:sitemap/s:loc",
                                                                                         SITEMAP_NS)]
    assert len(names) > 3
    for name in names:
        assert (out / name).stat().st_size <= 1500
    urls = [url for name in names for url, _ in urlset(out / name)]
    assert "https://example.org/blog/caf%C3%A9/na%C3%AFve%20&%20co%20%E2%82%AC.html" in urls


def test_the_old_pagination_words_are_a_theme_setting_away(tmp_path):
    files = {rel: post(title, date) for rel, (title, date) in POSTS.items()}
    listing = (REPO / "themes/default/templates/listing.html").read_text(encoding="utf-8")
    override = listing.replace("{% block content %}", '{% block content %}\n{% set older_label = "Previous page" %}'
                               '{% set newer_label = "Next page" %}', 1)
    assert override != listing
    files["templates/listing.html"] = override
    out = build(make_site(tmp_path, files, {"posts_per_page": 2}))
    nav = page(out, "/page/2/").select_one("nav.pagination")
    assert {text(a): (a["href"], a["rel"]) for a in nav.find_all("a")} == {
        "Next page": ("/", ["prev"]), "Previous page": ("/page/3/", ["next"])}


def test_the_theme_favicon_is_linked_and_content_static_overrides_it(tmp_path):
    files = {"content/hello.md": post("Hello", "2014-01-01 10:00")}
    out = build(make_site(tmp_path / "a", files))
    icon = html(out / "index.html").find("link", rel="icon")
    assert icon["href"] == "/favicon.svg" and icon["type"] == "image/svg+xml"
    assert re.match(rb"<svg ", (out / "favicon.svg").read_bytes())
    mine = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>\n'
    files["content/static/favicon.svg"] = mine
    out = build(make_site(tmp_path / "b", files))
    assert (out / "favicon.svg").read_bytes() == mine
