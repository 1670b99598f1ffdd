"""A PyBlosxom blog moved over end to end: `blog import pyblosxom`, `blog build`, then every old URL fetched over
HTTP from a plain static server (python -m http.server) and from `blog serve`'s server, following redirects the
way a browser does, and the page it lands on checked."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup

from generator.serve.devserver import DevServer
from tests.pyblosxom_fixture import RAW_HTML, build_old_blog
from tests.sitefactory import html, make_site, post, run_blog, text

BASE_URL = "http://joe.example.com/blog/"   # from the fixture's config.py: the site lives under /blog
PER_PAGE = 3                                # the fixture's num_entries

# The fixture's entries: id -> (title, local date and time in Sydney, tags).
ENTRIES = {
    "openstack/havana/nova-notes": ("Nova notes", "2014-02-24 17:04", ["openstack", "nova", "cloud computing"]),
    "openstack/havana/foo": ("Foo", "2013-07-10 09:00", []),
    "openstack/havana/foo-bar": ("Foo Bar", "2013-07-11 12:00", ["openstack"]),
    "books/good-book": ("A good book", "2012-01-05 08:30", []),
    "python/md-post": ("Markdown post", "2014-01-20 21:00", ["python"]),
    "python/trap": ("Trap", "2014-01-21 07:00", []),
    "diary/holiday-2013-05-06-10-30": ("Holiday", "2013-05-06 10:30", []),
    "diary/from-mtimes": ("Dated elsewhere", "2010-08-01 12:00", []),
    "rst/intro": ("Intro", "2011-03-01 09:00", ["docs"]),
    "top": ("At the top", "2011-06-01 09:00", []),
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
OTHER_FILES = {"/images/logo.png": b"\x89PNG"}      # served by filekicker at its path: copied, same bytes
NEWEST_FIRST = sorted(ENTRIES, key=lambda i: ENTRIES[i][1], reverse=True)


def titles(ids) -> set[str]:
    return {ENTRIES[i][0] for i in ids}


def in_category(category: str) -> list[str]:
    return [i for i in NEWEST_FIRST if i.startswith(category + "/")]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("moved")
    old = build_old_blog(base)
    new = base / "new"
    done = run_blog(base, "import", "pyblosxom", str(old.datadir), str(new), "--timezone", "Australia/Sydney")
    assert done.returncode == 0, done.stderr
    assert "imported: 10 entries" in done.stdout and "md-post-1390000000.0.cmt" in done.stdout
    built = run_blog(new, "build")
    assert built.returncode == 0, built.stderr
    return new


def old_urls(site: Path) -> list[str]:
    return (site / "old-urls.txt").read_text(encoding="utf-8").splitlines()


# -- the imported site's pages ------------------------------------------------------------------------------
def test_posts_have_their_titles_bodies_and_local_times(site):
    out = site / "output"
    for post_id, (title, when, _) in ENTRIES.items():
        page = html(out / f"{post_id}.html")
        assert text(page.select_one("h1.post-title")) == title
        day, time = when.split()
        assert f"posted at: {time} |" in text(page.select_one(".post-footer"))
        heading = page.select_one(".day-heading time")
        assert heading["datetime"].startswith(f"{day}T{time}:00+1")      # +11:00 in summer, +10:00 in winter
    summer = html(out / "openstack/havana/nova-notes.html").select_one(".day-heading time")
    winter = html(out / "openstack/havana/foo.html").select_one(".day-heading time")
    assert (text(summer), summer["datetime"]) == ("Mon, 24 Feb 2014", "2014-02-24T17:04:00+11:00")
    assert (text(winter), winter["datetime"]) == ("Wed, 10 Jul 2013", "2013-07-10T09:00:00+10:00")


def test_raw_html_bodies_come_out_unchanged(site):
    raw = (site / "output/openstack/havana/nova-notes.html").read_text(encoding="utf-8")
    assert RAW_HTML in raw
    assert "<p>foo body</p>" in (site / "output/openstack/havana/foo.html").read_text(encoding="utf-8")
    md = html(site / "output/python/md-post.html").select_one(".post-body")
    assert md.find("em").get_text() == "emphasis" and md.find("code").get_text() == "code"
    trap = html(site / "output/python/trap.html").select_one(".post-body")   # '# Heading' was metadata
    assert text(trap) == "Paragraph under it." and trap.find("h1") is None


def test_tags_link_to_their_pages(site):
    page = html(site / "output/openstack/havana/nova-notes.html")
    links = {text(a): a["href"] for a in page.select(".post-tags a")}
    assert links == {"openstack": "/blog/tags/openstack/", "nova": "/blog/tags/nova/",
                     "cloud computing": "/blog/tags/cloud-computing/"}


def test_comments_are_under_the_right_posts(site):
    def comments(post_id):
        page = html(site / f"output/{post_id}.html")
        return [(text(c.select_one(".comment-meta")).split(" wrote on ")[0], text(c.select_one(".comment-body")))
                for c in page.select(".comment")]

    assert comments("openstack/havana/foo") == [("Ann", "first on foo"), ("Bob", "second on foo")]  # -all.cmt
    assert comments("openstack/havana/foo-bar") == [("Cat", "on foo-bar")]                          # sibling slug
    assert comments("openstack/havana/nova-notes") == [("Jane", "I agree & see this Thanks")]
    jane = html(site / "output/openstack/havana/nova-notes.html").select_one(".comment")
    assert jane.select_one(".comment-meta a")["href"] == "http://jane.example.org/"
    assert "Mon, 24 Feb 2014 at 17:05" in text(jane.select_one(".comment-meta"))
    for post_id in ("python/md-post", "python/trap"):     # the broken .cmt and the unapproved draft
        assert comments(post_id) == []


# -- every old URL over HTTP --------------------------------------------------------------------------------
@dataclass
class Landing:
    path: str          # where the reader ends up, e.g. '/blog/2014/02/24/'
    body: bytes
    refreshes: int     # meta-refresh pages passed through


def follow(server: str, old: str) -> Landing:
    """Fetch like a browser: HTTP redirects by urllib, meta refreshes by reading the page."""
    url, refreshes = server + quote(old), 0
    while True:
        with urllib.request.urlopen(url, timeout=10) as response:
            body, final = response.read(), response.geturl()
        soup = BeautifulSoup(body, "lxml") if b"<html" in body[:200] else None
        meta = soup and soup.find("meta", attrs={"http-equiv": "refresh"})
        if not meta:
            return Landing(urlsplit(final).path, body, refreshes)
        target = meta["content"].split("url=", 1)[1]
        canonical = soup.find("link", rel="canonical")["href"]
        assert canonical == "http://joe.example.com" + target, old      # absolute, same place
        assert soup.find("a", href=target), old                         # a visible link too
        url, refreshes = urljoin(final, target), refreshes + 1
        assert refreshes < 3, f"{old}: a redirect loop"


def listed(landing: Landing) -> set[str]:
    soup = BeautifulSoup(landing.body, "lxml")
    return {text(t) for t in soup.select("h1.post-title, h2.post-title, a.archive-title")}


def feed_titles(landing: Landing) -> list[str]:
    parsed = feedparser.parse(landing.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [e.title for e in parsed.entries]


def check_landing(old: str, landing: Landing) -> None:
    """What PyBlosxom showed at `old`, in the new site."""
    ids = set(ENTRIES)
    categories = {"/".join(i.split("/")[:n]) for i in ids for n in range(1, i.count("/") + 1)}
    stem, ext = (old.rsplit(".", 1) + [""])[:2] if "." in old.rsplit("/", 1)[-1] else (old, "")
    key = stem.strip("/")
    if key in ids and ext in ("", "html"):                               # an entry
        assert landing.path == f"/blog/{key}.html"
        assert listed(landing) == {ENTRIES[key][0]}
    elif key in ids and ext in ("rss", "atom"):                          # an entry in a feed flavour
        assert feed_titles(landing) == [ENTRIES[key][0]]
    elif key in ("index", "") and ext in ("rss", "atom"):
        assert set(feed_titles(landing)) == titles(ids)
    elif key in categories and ext == "":                                # a category
        assert landing.path == f"/blog/{key}/"
        assert listed(landing) == titles(in_category(key)[:PER_PAGE])
    elif key.endswith("/index") and key[: -len("/index")] in categories and ext in ("rss", "atom"):
        assert set(feed_titles(landing)) == titles(in_category(key[: -len("/index")]))
    elif m := re.fullmatch(r"(?:(.+)/)?index_page(\d+)", key):          # the paginate plugin's static pages
        category, number = m.group(1), int(m.group(2)) + 1
        posts = in_category(category) if category else NEWEST_FIRST
        assert landing.path == f"/blog/{category + '/' if category else ''}page/{number}/"
        assert listed(landing) == titles(posts[(number - 1) * PER_PAGE: number * PER_PAGE])
    elif m := re.fullmatch(r"(\d{4})(?:/(\d\d|[A-Z][a-z]{2})(?:/(\d\d))?)?", key):   # date archives
        year, month, day = m.groups()
        month = f"{MONTHS.index(month) + 1:02d}" if month in MONTHS else month
        prefix = "-".join(p for p in (year, month, day) if p)
        assert landing.path == "/blog/" + "".join(p + "/" for p in (year, month, day) if p)
        assert listed(landing) == titles(i for i in ids if ENTRIES[i][1].startswith(prefix))
    elif key.startswith("tag/"):
        tag = key[len("tag/"):]
        tagged = titles(i for i in ids if tag in ENTRIES[i][2])
        if ext == "rss":
            assert set(feed_titles(landing)) == tagged
        else:
            assert landing.path == f"/blog/tags/{tag.replace(' ', '-')}/"
            assert listed(landing) == tagged
    elif old in OTHER_FILES:                                             # a file beside the entries
        assert landing.path == "/blog" + old and landing.body == OTHER_FILES[old]
    else:
        raise AssertionError(f"{old}: a URL shape this test does not know")


@pytest.fixture(scope="module", params=["python -m http.server", "blog serve"])
def server(request, site, tmp_path_factory):
    """The output folder served under /blog/, as published."""
    if request.param == "blog serve":
        dev = DevServer(site / "output", host="127.0.0.1", port=0, base_path="/blog", out=lambda *_: None)
        dev.bind()
        dev.start_serving()
        yield f"http://127.0.0.1:{dev.port}/blog"
        dev.stop()
        return
    root = tmp_path_factory.mktemp("webroot")
    (root / "blog").symlink_to(site / "output")
    command = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(root)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        port = re.search(r"port (\d+)", line)
        assert port, f"http.server did not start: {line!r}"
        yield f"http://127.0.0.1:{port.group(1)}/blog"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_every_old_url_answers_with_the_right_page(site, server):
    urls = old_urls(site)
    assert len(urls) > 100 and "/tag/cloud computing" in urls and "/2014/Feb/24" in urls
    failures, refreshed = [], 0
    for old in urls:
        try:
            landing = follow(server, old)
            check_landing(old, landing)
            refreshed += landing.refreshes > 0
        except (AssertionError, urllib.error.URLError, KeyError) as e:
            failures.append(f"{old}: {e!r}")
    assert failures == []
    assert refreshed > 30     # entries without extension, month names, tags, index_pageN went through a refresh


def test_bare_entry_url_is_a_slash_redirect_then_a_refresh(site, server):
    landing = follow(server, "/openstack/havana/nova-notes")
    assert landing.path == "/blog/openstack/havana/nova-notes.html" and landing.refreshes == 1


# -- check-urls ---------------------------------------------------------------------------------------------
def test_check_urls_passes_on_the_imported_site(site):
    done = run_blog(site, "check-urls", "old-urls.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"all {len(old_urls(site))} URLs answer" in done.stdout


def test_check_urls_names_each_url_that_stopped_answering(site, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(site, copy, symlinks=True)
    (copy / "output/openstack/havana/foo.html").unlink()    # a page; its bare URL's redirect now leads nowhere
    (copy / "output/tag/docs.rss").unlink()                  # a file answering an old URL itself
    done = run_blog(copy, "check-urls", "old-urls.txt")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    broken = [line.split(": ")[1] for line in lines[:-1]]
    assert broken == ["/openstack/havana/foo", "/openstack/havana/foo.html", "/tag/docs.rss"]
    assert "redirects to /openstack/havana/foo.html, which has no file" in lines[0]
    assert lines[0].startswith("old-urls.txt:") and lines[-1].startswith(f"3 of {len(old_urls(site))} URLs")


def test_check_urls_reads_comments_and_rejects_odd_lines(site, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("# old links\n\n/openstack\nhttp://joe.example.com/blog/2014/Feb\nno-slash\n"
                       "/../etc/passwd\n", encoding="utf-8")
    done = run_blog(site, "check-urls", str(listing))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{listing}:5: no-slash: not a site-relative URL: start it with /",
        f"{listing}:6: /../etc/passwd: no such file",
        f"2 of 4 URLs do not answer in output"]
    missing = run_blog(site, "check-urls", "nothing.txt")
    assert missing.returncode == 1 and "nothing.txt" in missing.stderr and "Traceback" not in missing.stderr


# -- the server maps ----------------------------------------------------------------------------------------
def test_redirect_maps_send_old_urls_to_pages_that_exist(site):
    out = site / "output"
    nginx = re.findall(r'^location = "(.+)" \{ return 301 (\S+); \}$',
                       (out / "redirects.nginx.conf").read_text(encoding="utf-8"), re.M)
    apache = re.findall(r'^RedirectMatch 301 "(.+)" "(\S+)"$',
                        (out / "redirects.htaccess").read_text(encoding="utf-8"), re.M)
    assert len(nginx) == len(apache) > 30
    urls = set(old_urls(site))
    for (old, target), (pattern, apache_target) in zip(sorted(nginx), sorted(apache)):
        assert old.startswith("/blog/") and old[len("/blog"):] in urls
        assert re.fullmatch(pattern, old) and not re.fullmatch(pattern, old + "/x")   # exact, not a prefix
        assert target == apache_target
        file = out / target[len("/blog/"):].replace("%20", " ")
        assert (file / "index.html" if target.endswith("/") else file).is_file(), target
    maps = dict(nginx)
    assert maps["/blog/openstack/havana/nova-notes"] == "/blog/openstack/havana/nova-notes.html"
    assert maps["/blog/tag/cloud computing.rss"] == "/blog/tags/cloud-computing/index.rss"
    assert maps["/blog/index_page1.html"] == "/blog/page/2/"


# -- sites written by hand ----------------------------------------------------------------------------------
def test_real_pages_win_over_old_shapes(tmp_path):
    site = make_site(tmp_path, {
        "content/openstack/havana.md": post("Havana", "2014-02-24 10:00", "entry named like a category"),
        "content/openstack/havana/x.md": post("X", "2014-02-23 10:00", "in the category", tags=["a", "a.rss"]),
        "content/tags.md": post("Tags post", "2014-02-22 10:00"),
        "content/2014.md": post("A post named 2014", "2014-02-21 10:00"),
    }, config={"pyblosxom_urls": True})
    done = run_blog(site, "build")
    assert done.returncode == 0, done.stderr
    out = site / "output"
    assert text(html(out / "openstack/havana/index.html").select_one("h1")) == "/openstack/havana"
    assert html(out / "tags/index.html").select_one("h1") is not None
    assert text(html(out / "2014/index.html").select_one("h1")) == "Posts from 2014"
    assert (out / "tag/a/index.html").is_file() and (out / "tag/a.rss/index.html").is_file()
    assert not (out / "tag/a.rss").is_file()     # a folder already: the tag 'a.rss' answers there


def test_off_by_default_and_removed_when_turned_off(tmp_path):
    files = {"content/a/b.md": post("B", "2014-02-24 10:00", tags=["x"])}
    site = make_site(tmp_path, files, config={"pyblosxom_urls": True})
    assert run_blog(site, "build").returncode == 0
    out = site / "output"
    assert (out / "a/b/index.html").is_file() and (out / "tag/x.rss").is_file()
    again = run_blog(site, "build")
    assert "0 files written" in again.stdout                  # the keys hold: nothing changed, nothing written
    make_site(tmp_path, files, config={})
    assert run_blog(site, "build").returncode == 0
    assert not (out / "a/b").exists() and not (out / "tag").exists() and not (out / "redirects.htaccess").exists()
    assert (out / "a/b.html").is_file()


def test_a_rebuild_after_an_edit_keeps_the_old_url_pages_a_full_build_makes(tmp_path):
    """Old-URL pages take the paths no other page has, including the pages a rebuild keeps unkeyed
    (pages/changes.py): an edit and then a removed post rebuild to exactly what a full build makes."""
    old = build_old_blog(tmp_path)
    new = tmp_path / "new"
    assert run_blog(tmp_path, "import", "pyblosxom", str(old.datadir), str(new)).returncode == 0
    assert run_blog(new, "build").returncode == 0
    entries = sorted(p for p in (new / "content").rglob("*.md") if not p.parent.name.endswith(".comments"))
    entries[0].write_text(entries[0].read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    edited = run_blog(new, "build")
    assert edited.returncode == 0, edited.stderr
    entries[-1].unlink()
    removed = run_blog(new, "build")
    assert removed.returncode == 0, removed.stderr
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copytree(new / "content", clean / "content")
    shutil.copy(new / "config.yaml", clean / "config.yaml")
    assert run_blog(clean, "build").returncode == 0
    got = {p.relative_to(new / "output"): p.read_bytes() for p in (new / "output").rglob("*") if p.is_file()}
    want = {p.relative_to(clean / "output"): p.read_bytes() for p in (clean / "output").rglob("*") if p.is_file()}
    manifest = Path(".blog-manifest.json")
    got.pop(manifest), want.pop(manifest)
    assert got == want
