"""What search engines, link previews and feed readers read: meta descriptions, Open Graph and Twitter tags,
the RSS, Atom and JSON feeds (full body as content, summary as summary, the author). A real site built from
files; pages read with BeautifulSoup, RSS and Atom with feedparser, the JSON Feed with json."""

from __future__ import annotations

import json

import pytest

from sitefactory import build, feed, html, make_site, post, text

LONG = ("This first paragraph is long enough that a description has to be cut, and it should be cut where a "
        "word ends rather than in the middle of one, which matters for people reading search results.")
FILES = {
    "content/book/John_Ringo/live-free-or-die.md": post(
        "Live Free or Die", "2014-02-24 17:04",
        "![The cover](cover.jpg)\n\nA friend has been telling me to *read this* for a year.\n\n## More\n\nLater.\n",
        tags=["book", "Science Fiction"], summary="A review of Live Free or Die."),
    "content/code/timing.md": post(
        "Timing things", "2014-02-20 09:30",
        "```python\nprint('not a description')\n```\n\n" + LONG + "\n\nSecond paragraph.\n",
        tags=["python"], author="Guest Writer"),
    "content/diary/empty.md": post("Empty", "2014-02-10 08:00", ""),
}
CONFIG = {"title": "Meta Blog", "tagline": "Books & code", "author": "Mikal Example",
          "base_url": "https://example.org/blog/"}
POST = "book/John_Ringo/live-free-or-die.html"
SUMMARY_BODY = "A friend has been telling me to <em>read this</em> for a year."


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return build(make_site(tmp_path_factory.mktemp("meta"), FILES, CONFIG))


def meta(soup, attr: str, name: str) -> list[str]:
    return [m["content"] for m in soup.find_all("meta", attrs={attr: name})]


def description(soup) -> str:
    (value,) = meta(soup, "name", "description")
    return value


def test_a_post_is_described_by_its_summary(out):
    assert description(html(out / POST)) == "A review of Live Free or Die."


def test_without_a_summary_the_first_paragraph_is_cut_at_a_word_boundary(out):
    got = description(html(out / "code/timing.html"))
    assert got.endswith("…") and len(got) <= 161
    assert LONG.startswith(got[:-1]) and LONG[len(got) - 1] == " "   # whole words only
    assert "not a description" not in got   # code is not prose


def test_listings_and_other_pages_are_described_by_the_tagline(out):
    for path in ["index.html", "book/index.html", "tags/index.html", "archives/index.html", "2014/index.html"]:
        assert description(html(out / path)) == "Books & code", path
    assert description(html(out / "diary/empty.html")) == "Books & code"   # an empty post has nothing to say


def test_a_post_has_open_graph_and_twitter_tags(out):
    soup = html(out / POST)
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True) if m["property"] != "article:tag"}
    assert og == {
        "og:site_name": "Meta Blog", "og:title": "Live Free or Die", "og:type": "article",
        "og:description": "A review of Live Free or Die.",
        "og:url": "https://example.org/blog/book/John_Ringo/live-free-or-die.html",
        "og:image": "https://example.org/blog/book/John_Ringo/cover.jpg",   # relative to the post
        "article:published_time": "2014-02-24T17:04:00+00:00",
    }
    assert meta(soup, "property", "article:tag") == ["book", "Science Fiction"]
    assert meta(soup, "name", "twitter:card") == ["summary_large_image"]
    assert meta(soup, "name", "twitter:image") == ["https://example.org/blog/book/John_Ringo/cover.jpg"]
    assert meta(soup, "name", "twitter:title") == ["Live Free or Die"]
    no_image = html(out / "code/timing.html")
    assert meta(no_image, "property", "og:image") == [] and meta(no_image, "name", "twitter:card") == ["summary"]


def test_other_pages_are_websites(out):
    for path in ["index.html", "tags/book/index.html", "categories/index.html", "404.html"]:
        soup = html(out / path)
        assert meta(soup, "property", "og:type") == ["website"], path
        assert meta(soup, "property", "og:site_name") == ["Meta Blog"], path
    assert meta(html(out / "index.html"), "property", "og:url") == ["https://example.org/blog/"]


def test_every_page_announces_the_json_feed(out):
    for path in ["index.html", POST, "tags/index.html", "archives/index.html"]:
        links = html(out / path).find_all("link", rel="alternate", type="application/feed+json")
        assert [link["href"] for link in links] == ["/blog/feed.json"], path


def test_rss_keeps_the_full_body_as_content_and_the_summary_as_description(out):
    entry = {e.link: e for e in feed(out / "index.rss").entries}["https://example.org/blog/" + POST]
    assert SUMMARY_BODY in entry.content[0].value
    assert "Later." in entry.content[0].value
    assert entry.summary == "A review of Live Free or Die."


def test_atom_keeps_the_full_body_as_content_and_the_summary_as_summary(out):
    entry = {e.link: e for e in feed(out / "index.atom").entries}["https://example.org/blog/" + POST]
    assert SUMMARY_BODY in entry.content[0].value and "Later." in entry.content[0].value
    assert entry.summary == "A review of Live Free or Die."
    no_summary = {e.link: e for e in feed(out / "index.atom").entries}["https://example.org/blog/code/timing.html"]
    assert "Second paragraph." in no_summary.content[0].value


def test_the_json_feed_has_the_same_entries_as_rss(out):
    data = json.loads((out / "feed.json").read_bytes())
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] == "Meta Blog" and data["description"] == "Books & code"
    assert data["home_page_url"] == "https://example.org/blog/"
    assert data["feed_url"] == "https://example.org/blog/feed.json"
    rss = feed(out / "index.rss").entries
    assert [item["url"] for item in data["items"]] == [e.link for e in rss]
    assert [item["title"] for item in data["items"]] == [e.title for e in rss]
    item = data["items"][0]
    assert item["id"] == item["url"] == "https://example.org/blog/" + POST
    assert SUMMARY_BODY in item["content_html"] and "Later." in item["content_html"]
    assert item["summary"] == "A review of Live Free or Die."
    assert item["date_published"] == "2014-02-24T17:04:00+00:00"
    assert item["tags"] == ["book", "Science Fiction"]
    assert item["authors"] == [{"name": "Mikal Example"}]
    assert data["items"][1]["authors"] == [{"name": "Guest Writer"}]
    assert "summary" not in data["items"][1]


def test_rss_items_carry_the_author_from_config_or_the_post(out):
    by_link = {e.link: e for e in feed(out / "index.rss").entries}
    assert by_link["https://example.org/blog/" + POST].author == "Mikal Example"
    assert by_link["https://example.org/blog/code/timing.html"].author == "Guest Writer"
    atom = {e.link: e for e in feed(out / "index.atom").entries}
    assert atom["https://example.org/blog/code/timing.html"].author == "Guest Writer"
    # The tag feeds are written by the same code.
    assert feed(out / "tags/python/index.rss").entries[0].author == "Guest Writer"


def test_without_an_author_anywhere_no_author_is_made_up(tmp_path):
    out = build(make_site(tmp_path, {"content/a.md": post("A", "2014-01-01 10:00", "Body.\n")}))
    assert "author" not in feed(out / "index.rss").entries[0]
    assert "authors" not in json.loads((out / "feed.json").read_bytes())["items"][0]
    assert text(html(out / "a.html").select_one(".post-title")) == "A"
