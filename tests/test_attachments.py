"""Pictures and files beside posts: published next to the post's page, linked right wherever the post appears
(its page, listings, every feed), sized, lazily loaded after a page's first picture, resized with
`images.max_width`, and removed with the file. Real PNG and JPEG files made with Pillow; the output read back
with BeautifulSoup, feedparser and Pillow."""

from __future__ import annotations

import io
import os
import shutil
from urllib.parse import urljoin

import feedparser
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from generator.build import BuildOptions, build as build_site
from sitefactory import REPO, build, feed, html, make_site, post, run_blog

BASE = "https://example.org/blog/"


def picture(width: int, height: int, color=(200, 40, 40), kind="PNG", exif=None) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", (width, height), color)
    img.save(out, kind, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def size_of(path) -> tuple[int, int]:
    with Image.open(path) as img:
        return img.size


def images(soup) -> list:
    return soup.select(".post-body img")


def entry_html(entry) -> BeautifulSoup:
    """A feed entry's full HTML: in content:encoded beside a summary, else in the description."""
    return BeautifulSoup(entry.content[0].value if "content" in entry else entry.summary, "lxml")


def page_url(path: str) -> str:
    """The URL a browser has for output/<path>."""
    return BASE + path.removesuffix("index.html")


def built(site, **kw):
    warnings: list[str] = []
    build_site(BuildOptions(site_dir=site, **kw), warn=warnings.append)
    return site / "output", warnings


LIVE = post("Live Free or Die", "2014-02-24 17:04",
            "![cover](cover.png)\n\nThe back: ![back](live-free-or-die/back.jpg)\n\n"
            "[my notes](notes.pdf), [elsewhere](https://example.com/x.png), [below](#more), "
            "[the category](../), [home](/index.html)\n\n"
            "```html\n<img src=\"in-code.png\">\n```\n",
            tags=["book"])
CITADEL = post("Citadel", "2014-02-25 09:00", "![spine](spine.png) and ![cover](cover.png)\n", tags=["book"])


@pytest.fixture(scope="module")
def ringo(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("ringo"), {
        "content/book/John_Ringo/live-free-or-die.md": LIVE,
        "content/book/John_Ringo/citadel.md": CITADEL,
        "content/book/John_Ringo/cover.png": picture(120, 180),
        "content/book/John_Ringo/spine.png": picture(20, 180, (0, 0, 200)),
        "content/book/John_Ringo/notes.pdf": b"%PDF-1.4 not really\n",
        "content/book/John_Ringo/live-free-or-die/back.jpg": picture(300, 450, kind="JPEG"),
    }, {"base_url": BASE, "posts_per_page": 5})
    out, warnings = built(site)
    return site, out, warnings


def test_files_beside_a_post_are_published_at_the_same_path_byte_for_byte(ringo):
    site, out, _ = ringo
    for rel in ("book/John_Ringo/cover.png", "book/John_Ringo/notes.pdf",
                "book/John_Ringo/live-free-or-die/back.jpg"):
        assert (out / rel).read_bytes() == (site / "content" / rel).read_bytes()


@pytest.mark.parametrize("path", ["book/John_Ringo/live-free-or-die.html", "index.html", "book/index.html",
                                  "book/John_Ringo/index.html"])
def test_relative_links_resolve_to_the_files_on_every_page_that_shows_the_post(ringo, path):
    _, out, _ = ringo
    soup = html(out / path)
    body = next(b for b in soup.select("article") if b.select_one(".post-title").get_text() == "Live Free or Die")
    where = page_url(path)
    srcs = [urljoin(where, img["src"]) for img in body.select(".post-body img")]
    assert srcs == [BASE + "book/John_Ringo/cover.png", BASE + "book/John_Ringo/live-free-or-die/back.jpg"]
    hrefs = {a.get_text(): a["href"] for a in body.select(".post-body a")}
    assert urljoin(where, hrefs["my notes"]) == BASE + "book/John_Ringo/notes.pdf"
    assert urljoin(where, hrefs["the category"]) == BASE + "book/"
    # Absolute, root-relative and fragment links are left exactly as written.
    assert hrefs["elsewhere"] == "https://example.com/x.png"
    assert hrefs["below"] == "#more"
    assert hrefs["home"] == "/index.html"
    # A code sample is text, not a tag: left alone.
    assert '<img src="in-code.png">' in body.select_one("pre").get_text()


@pytest.mark.parametrize("path", ["index.rss", "index.atom", "book/index.rss", "book/John_Ringo/index.rss",
                                  "tags/book/index.rss"])
def test_feeds_carry_absolute_links_to_the_files(ringo, path):
    _, out, _ = ringo
    entry = next(e for e in feed(out / path).entries if e.title == "Live Free or Die")
    body = entry_html(entry)
    assert [img["src"] for img in body.find_all("img")] == [
        BASE + "book/John_Ringo/cover.png", BASE + "book/John_Ringo/live-free-or-die/back.jpg"]
    assert body.find("a", string="my notes")["href"] == BASE + "book/John_Ringo/notes.pdf"


def test_images_get_their_size_and_load_lazily_after_the_first_on_each_page(ringo):
    _, out, _ = ringo
    post_page = images(html(out / "book/John_Ringo/live-free-or-die.html"))
    assert [(i["width"], i["height"]) for i in post_page] == [("120", "180"), ("300", "450")]
    assert [i.get("loading") for i in post_page] == ["eager", "lazy"]
    # The front page shows Citadel (spine, cover) above Live Free or Die (cover, back): only the very first
    # picture of the page loads at once.
    front = images(html(out / "index.html"))
    assert [i["alt"] for i in front] == ["spine", "cover", "cover", "back"]
    assert [i["loading"] for i in front] == ["eager", "lazy", "lazy", "lazy"]
    assert [(i["width"], i["height"]) for i in front] == [("20", "180"), ("120", "180"), ("120", "180"),
                                                        ("300", "450")]
    # Without max_width nothing is resized, so there is no srcset.
    assert not any(i.get("srcset") for i in front)


def test_a_missing_file_is_one_warning_naming_the_post_and_the_file(ringo):
    _, _, warnings = ringo
    missing = [w for w in warnings if "does not exist" in w]
    assert missing == []   # every file the posts link to is there
    site = ringo[0]
    (site / "content/book/John_Ringo/spine.png").unlink()
    try:
        out, warnings = built(site)
        missing = [w for w in warnings if "does not exist" in w]
        # Citadel is on its page, the front page, two category pages and several feeds: warned once.
        assert len(missing) == 1, warnings
        assert "content/book/John_Ringo/citadel.md" in missing[0] and "spine.png" in missing[0]
        assert not (out / "book/John_Ringo/spine.png").exists()   # removed, like a post
        spine = html(out / "book/John_Ringo/citadel.html").find("img", alt="spine")
        assert not spine.has_attr("width") and spine["src"] == "/blog/book/John_Ringo/spine.png"
    finally:
        (site / "content/book/John_Ringo/spine.png").write_bytes(picture(20, 180, (0, 0, 200)))
        built(site)


def test_a_file_in_no_post_folder_is_a_warning_and_files_beside_a_draft_wait(tmp_path):
    site = make_site(tmp_path, {
        "content/diary/today.md": post("Today", "2014-02-24 17:04", "![p](p.png)\n"),
        "content/drafts/soon.md": post("Soon", "2014-02-24 17:04", "![q](q.png)\n", draft=True),
        "content/drafts/q.png": picture(10, 10),
        "content/diary/p.png": picture(10, 10),
        "content/pictures/lost.png": picture(10, 10),
        "content/diary/today.md~": "an editor's backup",
    })
    out, warnings = built(site)
    assert (out / "diary/p.png").is_file()
    assert not (out / "drafts/q.png").exists() and not (out / "pictures").exists()
    assert not (out / "diary/today.md~").exists()
    lone = [w for w in warnings if "not beside a post" in w]
    assert len(lone) == 1 and "content/pictures/lost.png" in lone[0]
    out, _ = built(site, drafts=True)
    assert (out / "drafts/q.png").is_file()
    out, _ = built(site)
    assert not (out / "drafts/q.png").exists()


def test_an_exif_rotated_photo_is_sized_as_shown(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6   # stored 400x300, shown turned a quarter: 300 wide, 400 high
    site = make_site(tmp_path, {"content/a.md": post("A", "2014-02-24 17:04", "![p](p.jpg)\n"),
                                "content/p.jpg": picture(400, 300, kind="JPEG", exif=exif)})
    out = build(site)
    img = images(html(out / "a.html"))[0]
    assert (img["width"], img["height"]) == ("300", "400")
    # Its resized copy is turned upright, and carries no EXIF (a phone's GPS position stays private).
    (site / "config.yaml").write_text("images:\n  max_width: 150\n")
    out = build(site)
    img = images(html(out / "a.html"))[0]
    assert (img["width"], img["height"]) == ("150", "200")
    assert size_of(out / "p.jpg") == (150, 200)
    with Image.open(out / "p.jpg") as copy:
        assert not copy.getexif()


def test_max_width_publishes_a_smaller_copy_made_once_and_a_phone_copy_in_srcset(tmp_path):
    big = picture(2000, 1000, kind="JPEG")
    small = picture(500, 250)
    site = make_site(tmp_path, {
        "content/trip/day.md": post("Day", "2014-02-24 17:04", "![big](big.jpg) ![small](small.png)\n"),
        "content/trip/big.jpg": big, "content/trip/small.png": small,
    }, {"base_url": BASE, "images": {"max_width": 1600}})
    out = build(site)
    assert size_of(out / "trip/big.jpg") == (1600, 800)
    assert size_of(out / "trip/big.640w.jpg") == (640, 320)
    assert (site / "content/trip/big.jpg").read_bytes() == big          # the original is left alone
    assert (out / "trip/small.png").read_bytes() == small               # small enough: as it is
    assert not (out / "trip/small.640w.png").exists()
    big_img, small_img = images(html(out / "trip/day.html"))
    assert (big_img["width"], big_img["height"]) == ("1600", "800")
    candidates = [c.split() for c in big_img["srcset"].split(",")]
    assert [(urljoin(BASE + "trip/day.html", u), w) for u, w in candidates] == [
        (BASE + "trip/big.640w.jpg", "640w"), (BASE + "trip/big.jpg", "1600w")]
    assert big_img["sizes"]
    assert not small_img.has_attr("srcset") and small_img["width"] == "500"
    # feedparser drops srcset when it cleans HTML for display; read what the feed really carries.
    raw = feedparser.parse((out / "index.rss").read_bytes(), sanitize_html=False)
    rss_img = entry_html(raw.entries[0]).find("img")
    assert rss_img["srcset"].split(",")[0].split()[0] == BASE + "trip/big.640w.jpg"

    # Made once: the copy is kept in .blog-cache/ by the original's hash and used from there by later builds.
    kept = sorted((site / ".blog-cache/images").iterdir())
    assert len(kept) == 2
    marked = Image.new("RGB", (1600, 800), (1, 2, 3))
    buffer = io.BytesIO()
    marked.save(buffer, "JPEG")
    copy_1600 = next(p for p in kept if "-1600-" in p.name)
    copy_1600.write_bytes(buffer.getvalue())
    fresh = build(site, output=tmp_path / "fresh")
    assert (fresh / "trip/big.jpg").read_bytes() == buffer.getvalue()

    # Without max_width the original is published again, and the kept copies are forgotten.
    (site / "config.yaml").write_text(f"base_url: {BASE}\n")
    out = build(site)
    assert (out / "trip/big.jpg").read_bytes() == big
    assert not (out / "trip/big.640w.jpg").exists()
    assert list((site / ".blog-cache/images").iterdir()) == []


def test_a_picture_edit_rewrites_the_picture_and_every_page_showing_its_size(tmp_path):
    site = make_site(tmp_path, {"content/book/a.md": post("A", "2014-02-24 17:04", "![p](p.png)\n"),
                                "content/book/b.md": post("B", "2014-02-23 17:04", "no pictures\n"),
                                "content/book/p.png": picture(40, 30)}, {"base_url": BASE})
    out = build(site)
    untouched = {p: os.stat(out / p).st_mtime_ns for p in ("book/b.html", "book/p.png")}
    build(site)
    assert {p: os.stat(out / p).st_mtime_ns for p in untouched} == untouched   # copied only when changed
    (site / "content/book/p.png").write_bytes(picture(80, 60))
    build(site)
    assert size_of(out / "book/p.png") == (80, 60)
    for path in ("book/a.html", "index.html", "book/index.html"):
        img = images(html(out / path))[0]
        assert (img["width"], img["height"]) == ("80", "60"), path
    rss = entry_html(feed(out / "index.rss").entries[0]).find("img")
    assert (rss["width"], rss["height"]) == ("80", "60")
    assert os.stat(out / "book/b.html").st_mtime_ns == untouched["book/b.html"]
    (site / "content/book/p.png").unlink()
    build(site)
    assert not (out / "book/p.png").exists()
    assert not images(html(out / "book/a.html"))[0].has_attr("width")


def test_a_bad_images_setting_is_one_line(tmp_path):
    site = make_site(tmp_path, {"content/a.md": post("A", "2014-02-24 17:04")},
                     {"images": {"max_width": "big"}})
    result = run_blog(site, "build")
    assert result.returncode == 1
    assert "images.max_width" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_file_named_like_a_page_is_a_clash_naming_the_file(tmp_path):
    site = make_site(tmp_path, {"content/a.md": post("A", "2014-02-24 17:04"),
                                "content/index.html": "<p>an old front page</p>"})
    result = run_blog(site, "build")
    assert result.returncode == 1
    assert "content/index.html" in result.stderr and "Traceback" not in result.stderr


def test_the_example_blog_shows_its_book_cover(tmp_path):
    site = tmp_path / "example"
    site.mkdir()
    (site / "config.yaml").write_text((REPO / "config.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(REPO / "content", site / "content")
    out, warnings = built(site)
    assert warnings == []
    cover = "book/John_Ringo/live-free-or-die/cover.png"
    assert (out / cover).read_bytes() == (REPO / "content" / cover).read_bytes()
    for path in ("book/John_Ringo/live-free-or-die.html", "book/index.html"):
        img = html(out / path).select_one(".post-body img")
        assert urljoin("https://blog.example.org/" + path, img["src"]) == "https://blog.example.org/" + cover
        assert (img["width"], img["height"]) == tuple(str(n) for n in size_of(REPO / "content" / cover))


def test_names_with_spaces_ampersands_and_accents_and_raw_html_tags(tmp_path):
    body = ("![a](<my photo.png>) ![b](caf%C3%A9.png)\n\n"
            "<IMG SRC='a&amp;b.png' ALT=raw>\n\n<a href=plain.txt>unquoted</a>\n")
    site = make_site(tmp_path, {"content/d/p.md": post("P", "2014-02-24 17:04", body),
                                "content/d/my photo.png": picture(11, 12),
                                "content/d/café.png": picture(13, 14),
                                "content/d/a&b.png": picture(15, 16),
                                "content/d/plain.txt": "plain\n"}, {"base_url": BASE})
    out, warnings = built(site)
    assert not [w for w in warnings if "does not exist" in w], warnings
    front = html(out / "index.html")
    got = [(urljoin(BASE, i["src"]), i["width"], i["height"]) for i in front.select(".post-body img")]
    assert got == [(BASE + "d/my photo.png", "11", "12"), (BASE + "d/caf%C3%A9.png", "13", "14"),
                   (BASE + "d/a&b.png", "15", "16")]
    assert urljoin(BASE, front.find("a", string="unquoted")["href"]) == BASE + "d/plain.txt"
    for name in ("my photo.png", "café.png", "a&b.png", "plain.txt"):
        assert (out / "d" / name).is_file()


def test_links_from_a_post_at_the_top_to_static_files_are_not_missing(tmp_path):
    site = make_site(tmp_path, {"content/hello.md": post("Hello", "2014-02-24 17:04",
                                                          "[robots](robots.txt) [css](static/style.css) "
                                                          "[typo](robot.txt)\n"),
                                "content/static/robots.txt": "User-agent: *\n"})
    _, warnings = built(site)
    missing = [w for w in warnings if "does not exist" in w]
    assert len(missing) == 1 and "'robot.txt'" in missing[0] and "content/hello.md" in missing[0]
