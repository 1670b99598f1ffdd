"""No broken internal link: a crawl of output/ resolves every href and src that is site-relative ('/...') or
relative, against the page it is on, to a file in output/ (a folder URL to its index.html). Links in feeds and
the sitemap are absolute and must resolve the same way under base_url. Run on the fixture blog, on the repo's
example blog, and with a base_url that has a path (every internal link then starts with /blog/)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup

from sitefactory import REPO, build, copy_fixture, feed


def internal_refs(page: Path):
    """Every href and src on an HTML page that points into the site (no scheme, no host, not '#...' alone)."""
    soup = BeautifulSoup(page.read_bytes(), "lxml")
    for tag in soup.find_all(True):
        for attr in ("href", "src"):
            ref = tag.get(attr)
            if ref is None:
                continue
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            yield ref


def resolve(output: Path, url_path: str, base_path: str) -> Path | None:
    """The file a static server would send for a site URL path, or None when there is none."""
    path = unquote(url_path)
    if not path.startswith(base_path + "/"):
        return None
    rel = path[len(base_path) + 1:]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    target = output / rel
    return target if target.is_file() and output.resolve() in target.resolve().parents else None


def crawl(output: Path, base_path: str = "") -> tuple[int, list[tuple[str, str]]]:
    """(links checked, [(page, link) that lead nowhere]) over every HTML page in output/."""
    checked, broken = 0, []
    for page in sorted(output.rglob("*.html")):
        rel = page.relative_to(output).as_posix()
        page_url = f"{base_path}/{rel}"
        for ref in internal_refs(page):
            checked += 1
            if resolve(output, urlsplit(urljoin(page_url, ref)).path, base_path) is None:
                broken.append((rel, ref))
    return checked, broken


def absolute_links(output: Path) -> list[tuple[str, str]]:
    """(file, link) for every link in the feeds and the sitemap."""
    links = []
    for path in sorted([*output.rglob("*.rss"), *output.rglob("*.atom")]):
        parsed = feed(path)
        rel = path.relative_to(output).as_posix()
        links += [(rel, link.href) for link in parsed.feed.links]
        links += [(rel, entry.link) for entry in parsed.entries]
    sitemap = BeautifulSoup((output / "sitemap.xml").read_bytes(), "xml")
    links += [("sitemap.xml", loc.get_text().strip()) for loc in sitemap.find_all("loc")]
    return links


def broken_absolute(output: Path, base_url: str) -> list[tuple[str, str]]:
    base = urlsplit(base_url)
    base_path = base.path.rstrip("/")
    broken = []
    for where, link in absolute_links(output):
        parts = urlsplit(link)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or \
                resolve(output, parts.path, base_path) is None:
            broken.append((where, link))
    return broken


# -- the crawler finds what it should ----------------------------------------------------------------------

def test_crawler_reports_links_that_lead_nowhere(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text("x")
    (tmp_path / "a/b.html").write_text(
        '<a href="/a/">ok</a> <a href="index.html">ok</a> <a href="../a/b.html#top">ok</a> <a href="#top">ok</a>'
        '<a href="https://elsewhere.example/">external</a> <img src="/a/missing.png"> <a href="c.html">no</a>'
        '<a href="/a">folder without slash</a> <a href="../../etc/passwd">outside</a>')
    checked, broken = crawl(tmp_path)
    assert checked == 7
    assert broken == [("a/b.html", "/a/missing.png"), ("a/b.html", "c.html"), ("a/b.html", "/a"),
                      ("a/b.html", "../../etc/passwd")]


# -- built blogs -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fixture_out(tmp_path_factory) -> Path:
    return build(copy_fixture("basic", tmp_path_factory.mktemp("links")))


@pytest.fixture(scope="module")
def example_out(tmp_path_factory) -> Path:
    """The repo's example blog (content/ and config.yaml), built from a copy so the checkout is not written."""
    site = tmp_path_factory.mktemp("example") / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "config.yaml", site / "config.yaml")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", site / "templates")
    return build(site, output=tmp_path_factory.mktemp("example-output"))


def test_fixture_blog_has_no_broken_internal_link(fixture_out):
    checked, broken = crawl(fixture_out)
    assert checked > 500
    assert broken == []


def test_example_blog_has_no_broken_internal_link(example_out):
    checked, broken = crawl(example_out)
    assert checked > 1000
    assert broken == []


def test_feed_and_sitemap_links_resolve(fixture_out, example_out):
    assert len(absolute_links(fixture_out)) > 100
    assert broken_absolute(fixture_out, "https://example.org/") == []
    base_url = yaml.safe_load((REPO / "config.yaml").read_text())["base_url"]
    assert broken_absolute(example_out, base_url) == []


# -- base_url with a path ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def blog_out(tmp_path_factory) -> Path:
    site = copy_fixture("basic", tmp_path_factory.mktemp("base-path"))
    config = yaml.safe_load((site / "config.yaml").read_text())
    config["base_url"] = "https://example.org/blog/"
    (site / "config.yaml").write_text(yaml.safe_dump(config))
    return build(site)


def test_base_url_path_prefixes_every_internal_link(blog_out):
    outside = []
    for page in sorted(blog_out.rglob("*.html")):
        outside += [(page.name, ref) for ref in internal_refs(page) if not ref.startswith("/blog/")]
    assert outside == []
    checked, broken = crawl(blog_out, base_path="/blog")
    assert checked > 500
    assert broken == []


def test_base_url_path_in_feeds_sitemap_and_canonical_links(blog_out):
    assert broken_absolute(blog_out, "https://example.org/blog/") == []
    parsed = feedparser.parse((blog_out / "index.rss").read_bytes())
    assert parsed.feed.link == "https://example.org/blog/"
    assert parsed.entries[0].link == "https://example.org/blog/link/reading-list.html"
    soup = BeautifulSoup((blog_out / "hello.html").read_bytes(), "lxml")
    assert soup.select_one("link[rel=canonical]")["href"] == "https://example.org/blog/hello.html"
    footer = soup.select_one(".post-footer")
    assert [a["href"] for a in footer.find_all("a")] == ["/blog/", "/blog/hello.html"]
