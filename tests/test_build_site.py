"""`blog build` on the fixture blog (tests/fixtures/basic): every page kind, read back as a reader would.

The fixture has 11 published posts (plus a draft and a post dated 2099), posts_per_page 3, in Australia/Sydney.
Newest first they are:
  Reading list (Wed 26 Feb) | Nova conductor, Havana feature freeze (Mon 24 Feb) | Icehouse summit (Thu 20 Feb) |
  Live Free or Die (Tue 18 Feb) | Citadel (Mon 10 Feb) | Neptune's Brood (Thu 30 Jan) | A quiet Sunday (Sun 12 Jan) |
  Christmas (Wed 25 Dec 2013) | Havana reading (Sun 01 Dec 2013) | Hello (Fri 01 Nov 2013)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sitefactory import REPO, build, copy_fixture, feed, html, make_site, post, text

NEWEST_FIRST = ["Reading list", "Nova conductor", "Havana feature freeze", "Icehouse summit", "Live Free or Die",
                "Citadel", "Neptune's Brood", "A quiet Sunday", "Christmas", "Havana reading", "Hello"]
URLS = {
    "Reading list": "/link/reading-list.html",
    "Nova conductor": "/openstack/havana/nova-conductor.html",
    "Havana feature freeze": "/openstack/havana/feature-freeze.html",
    "Icehouse summit": "/openstack/icehouse/summit.html",
    "Live Free or Die": "/book/John_Ringo/live-free-or-die.html",
    "Citadel": "/book/John_Ringo/citadel.html",
    "Neptune's Brood": "/book/Charles_Stross/neptunes-brood.html",
    "A quiet Sunday": "/diary/quiet-sunday.html",
    "Christmas": "/diary/christmas.html",
    "Havana reading": "/link/havana-reading.html",
    "Hello": "/hello.html",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = copy_fixture("basic", tmp_path_factory.mktemp("build_site"))
    return build(site)


def page(out: Path, url: str):
    rel = url.lstrip("/")
    return html(out / (rel + "index.html" if rel == "" or rel.endswith("/") else rel))


def titles(soup) -> list[str]:
    return [text(h) for h in soup.select("article.post h2.post-title")]


def days(soup) -> list[tuple[str, list[str]]]:
    return [(text(s.select_one(".day-heading")), titles(s)) for s in soup.select("section.day")]


def listed(soup) -> list[str]:
    """Titles on a title-and-summary archive page."""
    return [text(a) for a in soup.select("ul.archive a.archive-title")]


def pagination(soup) -> dict[str, str]:
    """{link text: href}; each link's rel must say where it leads (page 1 is the newest, so newer is 'prev')."""
    links = soup.select("nav.pagination a")
    for a in links:
        assert a["rel"] == {"Newer posts": ["prev"], "Older posts": ["next"]}[text(a)]
    return {text(a): a["href"] for a in links}


# -- the front page: day headings, order, pagination -------------------------------------------------------

def test_front_page_groups_posts_under_day_headings_newest_first(out):
    assert days(page(out, "/")) == [
        ("Wed, 26 Feb 2014", ["Reading list"]),
        ("Mon, 24 Feb 2014", ["Nova conductor", "Havana feature freeze"]),   # two posts, one heading
    ]
    assert days(page(out, "/page/2/")) == [
        ("Thu, 20 Feb 2014", ["Icehouse summit"]),
        ("Tue, 18 Feb 2014", ["Live Free or Die"]),
        ("Mon, 10 Feb 2014", ["Citadel"]),
    ]
    assert days(page(out, "/page/4/")) == [
        ("Sun, 01 Dec 2013", ["Havana reading"]),
        ("Fri, 01 Nov 2013", ["Hello"]),
    ]


def test_every_published_post_appears_once_across_the_front_pages_in_order(out):
    shown = []
    for url in ["/", "/page/2/", "/page/3/", "/page/4/"]:
        shown += titles(page(out, url))
    assert shown == NEWEST_FIRST
    assert not (out / "page" / "5").exists()


def test_older_posts_lead_to_the_next_page_and_newer_posts_back(out):
    assert pagination(page(out, "/")) == {"Older posts": "/page/2/"}
    assert pagination(page(out, "/page/2/")) == {"Newer posts": "/", "Older posts": "/page/3/"}
    assert pagination(page(out, "/page/3/")) == {"Newer posts": "/page/2/", "Older posts": "/page/4/"}
    assert pagination(page(out, "/page/4/")) == {"Newer posts": "/page/3/"}
    assert (out / "page/2/index.html").is_file()


def test_category_pages_paginate_the_same_way(out):
    # /book/ holds 3 posts (one page); the root-level category listing is the front page itself.
    assert titles(page(out, "/book/")) == ["Live Free or Die", "Citadel", "Neptune's Brood"]
    assert pagination(page(out, "/book/")) == {}


# -- every page kind exists --------------------------------------------------------------------------------

PAGE_KINDS = [
    *[url.lstrip("/") for url in URLS.values()],
    "index.html", "page/2/index.html", "page/3/index.html", "page/4/index.html",
    "openstack/index.html", "openstack/havana/index.html", "openstack/icehouse/index.html",
    "book/index.html", "book/John_Ringo/index.html", "book/Charles_Stross/index.html",
    "diary/index.html", "link/index.html",
    "tags/index.html", "tags/openstack/index.html", "tags/book/index.html", "tags/science-fiction/index.html",
    "2014/index.html", "2014/02/index.html", "2014/02/24/index.html", "2013/index.html", "2013/12/25/index.html",
    "index.rss", "index.atom", "openstack/index.rss", "openstack/havana/index.rss", "tags/openstack/index.rss",
    "sitemap.xml", "404.html", "static/style.css", "static/pygments.css",
    "robots.txt", "files/notes.txt",
]


@pytest.mark.parametrize("path", PAGE_KINDS)
def test_page_exists(out, path):
    assert (out / path).is_file()


def test_drafts_and_future_posts_are_not_published(out):
    assert not (out / "diary/unfinished.html").exists()
    assert not (out / "diary/far-future.html").exists()
    assert not (out / "2099").exists()
    assert [e.title for e in feed(out / "index.rss").entries] == NEWEST_FIRST


def test_static_files_are_copied_as_they_are(out):
    fixture = REPO / "tests/fixtures/basic/content/static"
    assert (out / "robots.txt").read_bytes() == (fixture / "robots.txt").read_bytes()
    assert (out / "files/notes.txt").read_bytes() == (fixture / "files/notes.txt").read_bytes()
    assert (out / "static/style.css").read_bytes() == (REPO / "themes/default/static/style.css").read_bytes()


def test_not_found_page(out):
    soup = page(out, "/404.html")
    assert "Page not found" in text(soup.select_one("main"))
    assert soup.select_one("main a[href='/']")


# -- one post, as a reader sees it -------------------------------------------------------------------------

def test_post_footer_links_path_to_category_and_last_words_to_permalink(out):
    soup = page(out, "/openstack/havana/nova-conductor.html")
    footer = soup.select_one("article.post .post-footer")
    assert text(footer) == "posted at: 17:04 | path: /openstack/havana | permanent link to this entry"
    links = {text(a): a["href"] for a in footer.find_all("a")}
    assert links == {"/openstack/havana": "/openstack/havana/",
                     "permanent link to this entry": "/openstack/havana/nova-conductor.html"}


def test_date_with_an_offset_is_shown_in_the_site_timezone(out):
    # Icehouse summit: `date: 2014-02-19T23:00:00+00:00`, which is 10:00 on the 20th in Sydney.
    soup = page(out, "/openstack/icehouse/summit.html")
    assert text(soup.select_one(".post-footer")).startswith("posted at: 10:00 |")
    assert text(soup.select_one("p.day-heading")) == "Thu, 20 Feb 2014"
    assert (out / "2014/02/20/index.html").is_file() and not (out / "2014/02/19").exists()


def test_post_at_the_top_of_content_is_in_the_root_category(out):
    footer = page(out, "/hello.html").select_one(".post-footer")
    assert text(footer) == "posted at: 08:00 | path: / | permanent link to this entry"
    assert footer.find("a", string="/")["href"] == "/"


def test_tags_for_this_post_link_each_tag_page(out):
    tags = page(out, "/openstack/havana/nova-conductor.html").select_one(".post-tags")
    assert text(tags) == "Tags for this post: openstack nova havana"
    assert [(text(a), a["href"]) for a in tags.find_all("a")] == [
        ("openstack", "/tags/openstack/"), ("nova", "/tags/nova/"), ("havana", "/tags/havana/")]


def test_post_body_markdown_with_code_highlighting_and_tables(out):
    body = page(out, "/openstack/havana/nova-conductor.html").select_one(".post-body")
    assert "Conductor moves database access" in text(body)
    assert body.select_one("div.highlight pre span.k")     # Pygments classes; the CSS ships with the theme
    assert [text(th) for th in body.select("table th")] == ["service", "role"]


def test_isbn_line(out):
    soup = page(out, "/book/John_Ringo/live-free-or-die.html")
    assert text(soup.select_one(".post-field.isbn")) == "ISBN: 9781439133972"
    assert page(out, "/book/John_Ringo/citadel.html").select_one(".isbn") is None


def test_post_with_empty_body_builds(out):
    post = page(out, "/diary/quiet-sunday.html").select_one("article.post")
    assert text(post.select_one(".post-title")) == "A quiet Sunday"
    assert text(post.select_one(".post-body")) == ""
    assert text(post.select_one(".post-tags")) == "Tags for this post: diary"


def test_post_with_no_tags_builds_without_tag_or_related_lines(out):
    post = page(out, "/diary/christmas.html").select_one("article.post")
    assert "A post with no tags." in text(post.select_one(".post-body"))
    assert post.select_one(".post-tags") is None
    assert post.select_one(".post-related") is None


def test_same_post_block_on_permalink_front_page_and_category_pages(out):
    def block(url):
        return str(page(out, url).select_one("article#post-nova-conductor"))

    permalink = block("/openstack/havana/nova-conductor.html")
    assert "Related posts:" in permalink and "Tags for this post:" in permalink and "posted at:" in permalink
    # The same block, but for its title: the page's <h1> on its own page, an <h2> under a day heading elsewhere.
    assert '<h1 class="post-title">' in permalink
    permalink = permalink.replace("<h1 ", "<h2 ").replace("</h1>", "</h2>")
    for url in ["/", "/openstack/", "/openstack/havana/"]:
        assert block(url) == permalink, url


# -- categories, tags, dates -------------------------------------------------------------------------------

def test_parent_category_includes_its_children(out):
    assert titles(page(out, "/openstack/")) == ["Nova conductor", "Havana feature freeze", "Icehouse summit"]
    assert titles(page(out, "/openstack/havana/")) == ["Nova conductor", "Havana feature freeze"]
    assert titles(page(out, "/openstack/icehouse/")) == ["Icehouse summit"]
    assert titles(page(out, "/book/John_Ringo/")) == ["Live Free or Die", "Citadel"]
    assert titles(page(out, "/diary/")) == ["A quiet Sunday", "Christmas"]


def test_tag_index_lists_every_tag_with_its_count(out):
    items = page(out, "/tags/").select("ul.tag-cloud li")
    counts = {text(li.a): int(text(li.select_one(".count"))) for li in items}
    assert counts == {"book": 4, "charles-stross": 1, "diary": 2, "havana": 2, "john-ringo": 2, "meta": 2,
                      "nova": 2, "openstack": 4, "release": 1, "science-fiction": 3, "summit": 1}
    assert all(li.a["href"] == f"/tags/{text(li.a)}/" for li in items)


def test_tag_pages_list_their_posts_newest_first(out):
    assert listed(page(out, "/tags/openstack/")) == ["Nova conductor", "Havana feature freeze", "Icehouse summit",
                                                     "Havana reading"]
    assert listed(page(out, "/tags/meta/")) == ["Reading list", "Hello"]


def test_tags_written_as_a_space_separated_string(out):
    # Icehouse summit has `tags: openstack nova summit`
    tags = page(out, "/openstack/icehouse/summit.html").select_one(".post-tags")
    assert [text(a) for a in tags.find_all("a")] == ["openstack", "nova", "summit"]
    assert listed(page(out, "/tags/summit/")) == ["Icehouse summit"]
    assert "Icehouse summit" in listed(page(out, "/tags/nova/"))


def test_two_spellings_of_one_tag_are_one_tag_page(out):
    # Citadel is tagged `Book`, the others `book`: one tag, named by the spelling most posts use.
    assert listed(page(out, "/tags/book/")) == ["Reading list", "Live Free or Die", "Citadel", "Neptune's Brood"]
    assert not (out / "tags/Book").exists()
    tags = page(out, "/book/John_Ringo/citadel.html").select_one(".post-tags")
    assert (text(tags.a), tags.a["href"]) == ("book", "/tags/book/")


def test_tag_page_shows_summary(out):
    item = page(out, "/tags/meta/").select_one("ul.archive li")
    assert text(item.select_one(".archive-summary")) == "What I mean to read next."


def test_date_archives(out):
    assert listed(page(out, "/2014/")) == NEWEST_FIRST[:8]
    assert listed(page(out, "/2014/02/")) == NEWEST_FIRST[:6]
    assert listed(page(out, "/2014/02/24/")) == ["Nova conductor", "Havana feature freeze"]
    assert listed(page(out, "/2013/")) == ["Christmas", "Havana reading", "Hello"]
    assert listed(page(out, "/2013/12/25/")) == ["Christmas"]
    assert not (out / "2014/03").exists()


# -- feeds and sitemap -------------------------------------------------------------------------------------

def test_site_rss_feed(out):
    parsed = feed(out / "index.rss")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Fixture Blog"
    assert parsed.feed.link == "https://example.org/"          # the site, not the feed itself
    assert [e.title for e in parsed.entries] == NEWEST_FIRST
    assert [e.link for e in parsed.entries] == ["https://example.org" + URLS[t] for t in NEWEST_FIRST]
    # Full content: in content:encoded beside a summary, else in the description.
    with_summary, without = parsed.entries[0], parsed.entries[1]
    assert with_summary.summary == "What I mean to read next."
    assert "A few books waiting on the shelf." in with_summary.content[0].value
    assert "Conductor moves database access" in without.summary
    assert '<div class="highlight">' in without.summary
    assert {t.term for t in without.tags} == {"openstack", "nova", "havana"}


def test_site_atom_feed_is_the_twin_of_rss(out):
    parsed = feed(out / "index.atom")
    assert parsed.version == "atom10"
    assert parsed.feed.link == "https://example.org/"
    assert [e.title for e in parsed.entries] == NEWEST_FIRST
    assert all(e.link.startswith("https://example.org/") for e in parsed.entries)


def test_category_and_tag_feeds(out):
    assert feed(out / "openstack/index.rss").feed.link == "https://example.org/openstack/"
    assert feed(out / "tags/book/index.rss").feed.link == "https://example.org/tags/book/"
    assert [e.title for e in feed(out / "openstack/index.rss").entries] == [
        "Nova conductor", "Havana feature freeze", "Icehouse summit"]
    assert [e.title for e in feed(out / "book/John_Ringo/index.rss").entries] == ["Live Free or Die", "Citadel"]
    assert [e.title for e in feed(out / "tags/book/index.rss").entries] == [
        "Reading list", "Live Free or Die", "Citadel", "Neptune's Brood"]


def test_pages_announce_their_feeds(out):
    def alternates(url):
        return {link["href"] for link in page(out, url).select("link[rel=alternate]")}

    assert {"/index.rss", "/index.atom"} <= alternates("/")
    assert "/openstack/index.rss" in alternates("/openstack/")
    assert "/tags/nova/index.rss" in alternates("/tags/nova/")


def test_sitemap_lists_every_post_with_absolute_urls(out):
    soup = BeautifulSoup((out / "sitemap.xml").read_bytes(), "xml")
    locs = {text(loc) for loc in soup.find_all("loc")}
    assert {"https://example.org" + url for url in URLS.values()} <= locs
    assert "https://example.org/" in locs and "https://example.org/openstack/havana/" in locs


def test_every_page_has_its_own_canonical_url_and_announces_the_site_feeds(out):
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 40
    for path in pages:
        rel = path.relative_to(out).as_posix()
        soup = html(path)
        if rel == "404.html":
            continue        # served at any address: no canonical URL of its own
        url = "/" + rel.removesuffix("index.html")
        assert soup.select_one("link[rel=canonical]")["href"] == "https://example.org" + url, rel
        feeds = {link["href"] for link in soup.select("link[rel=alternate]")}
        assert {"/index.rss", "/index.atom"} <= feeds, rel


# -- pagination of categories, tags and dates, on a site written inline -----------------------------------

def test_category_tag_and_date_pages_paginate(tmp_path):
    files = {f"content/a/b/post-{n:02d}.md": post(f"Post {n:02d}", f"2014-03-{n:02d} 10:00", tags=["many"])
             for n in range(1, 28)}
    files.update({f"content/a/more-{n:02d}.md": post(f"More {n:02d}", f"2014-04-{n:02d} 10:00", tags=["many"])
                  for n in range(1, 28)})
    site = make_site(tmp_path, files, {"posts_per_page": 20})
    out = build(site)

    # /a/ holds its own 27 posts and the 27 of /a/b: 54 posts, 20 a page.
    assert len(titles(page(out, "/a/"))) == 20
    assert pagination(page(out, "/a/")) == {"Older posts": "/a/page/2/"}
    assert pagination(page(out, "/a/page/2/")) == {"Newer posts": "/a/", "Older posts": "/a/page/3/"}
    assert pagination(page(out, "/a/page/3/")) == {"Newer posts": "/a/page/2/"}
    assert titles(page(out, "/a/page/3/"))[-1] == "Post 01"
    assert len(titles(page(out, "/a/b/page/2/"))) == 7

    # Tag and date pages list titles, 50 a page.
    assert len(listed(page(out, "/tags/many/"))) == 50
    assert listed(page(out, "/tags/many/page/2/")) == ["Post 04", "Post 03", "Post 02", "Post 01"]
    assert pagination(page(out, "/tags/many/page/2/")) == {"Newer posts": "/tags/many/"}
    assert pagination(page(out, "/2014/")) == {"Older posts": "/2014/page/2/"}
    assert text(page(out, "/tags/many/page/2/").select_one("h1")) == "Posts tagged “many” (page 2 of 2)"


def test_builds_leave_the_cyclic_collector_as_they_found_it(tmp_path):
    # A build turns the collector off while it loads, freezes the model before rendering on all cores (whose
    # pools freeze what is new and unfreeze it again), and undoes both: `blog serve` builds again and again in
    # one process, which must not keep every build's objects frozen for ever. In a process of its own: other
    # tests' builds in this one (a serve test's rebuilds) would change the collector while this one looks.
    import subprocess
    import sys

    from bench.synth import make_blog

    make_blog(tmp_path / "blog", 150, seed=5)
    script = """
import gc, sys
from pathlib import Path
from generator.cli import main
site = Path(sys.argv[1])
states = [(gc.isenabled(), gc.get_freeze_count())]
assert main(["build", "--quiet", "--site", str(site)]) == 0
states.append((gc.isenabled(), gc.get_freeze_count()))
first = sorted((site / "content").rglob("*.md"))[0]
first.write_text(first.read_text(encoding="utf-8").replace("\\ntitle: ", "\\ntitle: Renamed ", 1), encoding="utf-8")
assert main(["build", "--quiet", "--site", str(site)]) == 0
states.append((gc.isenabled(), gc.get_freeze_count()))
print(states)
"""
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "blog")], cwd=REPO, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == str([(True, 0)] * 3)
    assert len(list((tmp_path / "blog/output").rglob("*.html"))) > 64   # enough to render on all cores
