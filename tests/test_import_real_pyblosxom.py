"""Real PyBlosxom blogs moved over, checked against what real PyBlosxom 1.5.3 served for the same files.

tests/fixtures/pyblosxom-real/ holds excerpts of two public blogs (pyblosxom/pyblosxom-web, trixing/l4x.org)
and one constructed blog, and recorded/*.json: the pages and feeds PyBlosxom 1.5.3 rendered for them, run once
under Python 2.7 with the blogs' own date plugins (record.py; see the README there). Each blog is copied, every
file given the one mtime the recording used (as a git checkout does), imported, built, and each entry's page
compared with the old one: day heading, "posted at" time, title, visible body text; then the feeds' ids, the
files beside the entries, and every old URL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.sitefactory import FIXTURES, run_blog

REAL = FIXTURES / "pyblosxom-real"
BLOGS = {   # blog: (timezone of the recording, base_url to import with: what PyBlosxom answered with)
    "pyblosxom-web": ("Europe/Helsinki", "http://example.org"),     # no base_url: taken from the request
    "l4x": ("Europe/Berlin", None),                                 # config.py has https://l4x.org
    "constructed": ("Australia/Sydney", "http://example.org"),
}


def recorded(blog: str) -> dict:
    return json.loads((REAL / "recorded" / f"{blog}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=sorted(BLOGS))
def moved(request, tmp_path_factory):
    blog = request.param
    zone, base_url = BLOGS[blog]
    old = recorded(blog)
    base = tmp_path_factory.mktemp(blog)
    shutil.copytree(REAL / blog, base / blog)
    for root, _, files in os.walk(base / blog):
        for name in files:
            os.utime(Path(root, name), (old["mtime"], old["mtime"]))
    args = ["import", "pyblosxom", str(base / blog / "entries"), str(base / "new"), "--timezone", zone]
    done = run_blog(base, *args + (["--base-url", base_url] if base_url else []))
    assert done.returncode == 0, done.stdout + done.stderr
    built = run_blog(base / "new", "build", "--quiet")
    assert built.returncode == 0, built.stderr
    return blog, base / "new", old, done.stdout


def old_story(page: str) -> dict:
    soup = BeautifulSoup(page, "html.parser")
    story = soup.find("div", class_="blosxomStory")
    footer = story.find_all("p")[-1]
    posted = re.search(r"posted at: (\d\d:\d\d)", footer.get_text())[1]
    footer.decompose()
    return {"day": soup.find("h2").get_text(), "time": posted, "title": soup.find("h3").get_text(),
            "text": " ".join(story.get_text().split())}


def new_story(site: Path, entry: str) -> dict:
    soup = BeautifulSoup((site / "output" / f"{entry}.html").read_bytes(), "html.parser")
    return {"day": soup.find(class_="day-heading").get_text(),
            "time": re.search(r"posted at: (\d\d:\d\d)", soup.find(class_="post-footer").get_text())[1],
            "title": soup.find(class_="post-title").get_text(),
            "text": " ".join(soup.find(class_="post-body").get_text().split())}


def entries_in_feed(old: dict) -> list[str]:
    """The entries the old blog listed (ignore_directories kept some out of its walk, and out of ours)."""
    return [e.link.split("/", 3)[3].removesuffix(".html") for e in feedparser.parse(old["index.rss20"]).entries]


def test_each_entry_shows_the_date_title_and_text_the_old_blog_showed(moved):
    blog, site, old, _ = moved
    listed = entries_in_feed(old)
    assert len(listed) >= 6
    for entry in listed:
        if entry == "index":        # PyBlosxom answered /index.html with the front page: see the traps test
            continue
        was, now = old_story(old["pages"][entry]), new_story(site, entry)
        assert (now["day"], now["time"]) == (was["day"], was["time"]), entry
        if "gbk" in entry:
            continue
        if was["title"]:
            assert now["title"] == was["title"], entry       # '&amp;' in a title showed '&'; so does ours
        else:
            assert now["title"] == "untitled day"            # PyBlosxom showed nothing; the import names it
        if "gbk" not in entry:          # PyBlosxom sent GBK bytes as UTF-8: mojibake (checked below)
            assert now["text"] == was["text"], entry


def test_dates_come_from_the_plugins_the_blog_loaded(moved):
    blog, site, _, summary = moved
    # l4x's pymetadate took the first date anywhere in the file: Lasse_Dittmer's birth date, at 00:00,
    # not the [[!meta date]] line below it; pyblosxom-web's published_date read '#published 2013-06-26 4:25:00'.
    if blog == "l4x":
        assert "dates from: metadata 10" in summary
        page = (site / "output/personal/Lasse_Dittmer.html").read_text()
        assert "Wed, 23 Aug 2006" in page and "posted at: 00:00" in page
        assert "[[!meta" not in (site / "output/web/markdown.html").read_text()   # the plugin removed it
    if blog == "pyblosxom-web":
        assert "dates from: metadata 9" in summary and "DATES LOST" not in summary
    if blog == "constructed":
        # pyfilenamemtime was loaded: names give two dates; four entries share the checkout's one mtime.
        assert "dates from: file time 4, file name 2" in summary
        assert "DATES LOST? 4 of 4 entries dated by file time share one time" in summary
        assert "--dates-from FILE" in summary


def test_feed_readers_see_the_same_ids(moved):
    _, site, old, _ = moved
    old_rss = {e.link: e.id for e in feedparser.parse(old["index.rss20"]).entries}
    old_atom = {e.link: e.id for e in feedparser.parse(old["index.atom"]).entries}
    base = re.match(r"https?://[^/]+", next(iter(old_rss)))[0]
    new_rss = {e.link.replace(base.replace("http:", "https:"), base): e.id
               for e in feedparser.parse((site / "output/index.rss").read_bytes()).entries}
    new_atom = {e.link: e.id for e in feedparser.parse((site / "output/index.atom").read_bytes()).entries}
    for link, guid in old_rss.items():
        path = link[len(base):].replace("/index.html", "/index-entry.html")     # renamed, same ids
        assert new_rss[next(k for k in new_rss if k.endswith(path))] == guid, link
        assert new_atom[next(k for k in new_atom if k.endswith(path))] == old_atom[link], link


def test_every_old_url_answers_and_files_beside_entries_are_served(moved):
    blog, site, old, _ = moved
    done = run_blog(site, "check-urls", "old-urls.txt")
    assert done.returncode == 0, done.stdout
    urls = set((site / "old-urls.txt").read_text().split())
    assert {f"/{entry}.html" for entry in entries_in_feed(old)} <= urls | {"/index.html"}
    if blog == "l4x":
        for name in ("favicon.ico", "l4x.css", "gps/fugawi.c", "pb_pyblosxom.gif"):
            assert f"/{name}" in urls
            assert (site / "output" / name).read_bytes() == (REAL / "l4x/entries" / name).read_bytes()
        assert not any(u.startswith("/old/") for u in urls)      # ignore_directories: 'old'
        assert not any("_page" in u for u in urls)               # no paginate plugin, no _pageN pages


@pytest.mark.parametrize("moved", ["constructed"], indirect=True)
def test_the_constructed_blogs_traps(moved):
    blog, site, old, summary = moved
    # index.txt: PyBlosxom answered /index.html with the front page (recorded), and so does the new site;
    # the entry itself moves to a name that builds.
    assert "Front" in old_story(old["index.html"])["title"] or "<h3><a name=\"index\">Front</a></h3>" in old["index.html"]
    assert (site / "content/index-entry.md").is_file()
    assert BeautifulSoup((site / "output/index-entry.html").read_bytes(), "html.parser").find(
        class_="post-title").get_text() == "Front"
    # GBK detected, not read as Latin-1.
    assert "中文文章" in (site / "output/diary/gbk-entry.html").read_text(encoding="utf-8")
    # A comment author stored as 'Tom &amp;amp; Jerry &amp;lt;tj&amp;gt;' showed as 'Tom & Jerry <tj>'.
    page = BeautifulSoup((site / "output/diary/fault-detection.html").read_bytes(), "html.parser")
    assert "Tom & Jerry <tj>" in page.get_text()
    assert "&amp;" not in page.get_text()
    # Each kind of problem once, with its count; the if-nested py[...] and num_entries = 0 are named.
    assert "set inside 'if'; not read" in summary and "num_entries = 0" in summary
    assert summary.count("[imported; check] empty title") == 1
