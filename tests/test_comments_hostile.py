"""Comments from strangers: a site full of hostile comments builds, and nothing executable reaches a reader.

Every payload is a comment file in a real site. After one build, every HTML page and every feed is parsed (and
the HTML inside each feed entry, as a feed reader would render it): no element that runs or loads anything,
no on* attribute, no style, no link or source whose scheme is not http(s)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from lxml import etree

from sitefactory import feed, make_site, run_blog, text

ONE_MB = 1 << 20
BIG = ("Lorem ipsum *dolor* sit amet, <b>consectetur</b> [adipiscing](https://example.org/) elit "
       "<script>alert(1)</script> <img src=x onerror=alert(1)> sed do eiusmod.\n\n" * 8000)[:ONE_MB]

BODIES = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>x</details><video><source onerror=alert(1)></video>",
    '<a href="https://ok.example/" onclick="alert(1)" onmouseover=alert(1)>a fine link with handlers</a>',
    "[click me](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">case trick</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab entity</a>',
    '<a href="jav\tascript:alert(1)">raw tab</a> <a href="java\nscript:alert(1)">raw newline</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">decimal entities</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">named colon</a> <a href="  javascript:alert(1)">spaces</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="vbscript:msgbox(1)">vb</a> <a href="file:///etc/passwd">file</a>',
    "<javascript:alert(1)> and [ref][evil]\n\n[evil]: javascript:alert(1)",
    "![pic](javascript:alert(1)) ![pixel](https://evil.example/track.gif)",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">svg link</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>body { display: none }</style>styles gone",
    '<p style="background:url(javascript:alert(1))">styled paragraph</p>',
    '<iframe src="https://evil.example/"></iframe><frameset><frame src="javascript:alert(1)"></frameset>',
    '<form action="https://evil.example/"><input name=x><button formaction="javascript:alert(1)">go</button>'
    "</form>",
    '<object data="x.swf"></object><embed src="x.swf"><applet code="x"></applet>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="javascript:/">'
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<div><p><b>unclosed <i>nested <a href="https://ok.example/">and never closed',
    "</div></section></main><script>alert(1)</script>",
    "<!--<script>alert(1)</script>--><![CDATA[<script>alert(1)</script>]]>",
    '<a href="https://ok.example/" title="]]><script>alert(1)</script>">breaks CDATA</a> ]]> in text',
    "&lt;script&gt;alert(1)&lt;/script&gt; stays text",
    "```\n<script>alert(1)</script>\n```",
    "ctrl\x00\x01\x08\x0b\x0c\x1b[31m\x7f\x85\u2028 characters",
    "\x02wzxhzdk:0\x03 \x02wzxhzdk:99\x03 Markdown's own placeholders <script>alert(1)</script>",
    BIG,
]
# (author, url) front matter fields, YAML-quoted so escapes and markup survive the file.
SENDERS = [
    ('<script>alert(1)</script>"><img src=x onerror=alert(1)>', "https://ok.example/"),
    ("Evil\x1b[2J\x00\x07Name", ""),
    ("Plain Name", "javascript:alert(1)"),
    ("Quote Name", 'https://ok.example/" onmouseover="alert(1)'),
    ("Data Name", "data:text/html,<script>alert(1)</script>"),
    ("Upper Name", " JAVASCRIPT:alert(1)"),
    ("Tab Name", "java\tscript:alert(1)"),
    ("]]></title><script>alert(1)</script>", "https://ok.example/?a=1&b=<2>"),
    ("\x1b\x07\x00", ""),                 # nothing left once the control characters go
]
POSTS = ["diary/target", "book/victim", "link/third"]
START = datetime(2014, 3, 1, 10, 0)


def comments() -> list[tuple[str, str, str, str, str]]:
    """(post id, file name, author, url, body), one a minute: the newest is the last."""
    items = [(f"Payload {n}", "", body) for n, body in enumerate(BODIES)] + [(a, u, "From a hostile sender.")
                                                                              for a, u in SENDERS]
    items.append(("HTML Format", "", "FORMAT:html"))
    return [(POSTS[n % len(POSTS)], f"c{n:03d}.md", author, url, body) for n, (author, url, body) in enumerate(items)]


def comment_file(n: int, author: str, url: str, body: str) -> str:
    meta = {"author": author, "date": (START + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M")}
    if url:
        meta["url"] = url
    if body == "FORMAT:html":
        meta["format"] = "html"
        body = '<script>alert(1)</script><p onclick="alert(1)">html <a href="javascript:alert(1)">format</a></p>'
    meta["email"] = "never-shown@example.org"
    return "---\n" + yaml.safe_dump(meta, allow_unicode=False, width=1000) + "---\n" + body + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    files = {f"content/{post}.md": f"---\ntitle: Post {post}\ndate: 2014-02-0{i + 1} 10:00\ntags: [t]\n---\n"
                                   f"A harmless post.\n" for i, post in enumerate(POSTS)}
    for n, (post, name, author, url, body) in enumerate(comments()):
        files[f"content/{post}.comments/{name}"] = comment_file(n, author, url, body)
    site = make_site(tmp_path_factory.mktemp("hostile"), files,
                     {"title": "Hostile", "base_url": "https://blog.example.org/", "recent_comments": 100})
    result = run_blog(site, "build", timeout=600)
    return site, result


@pytest.fixture(scope="module")
def output(built) -> Path:
    site, result = built
    assert result.returncode == 0, result.stderr
    return site / "output"


# -- what "executable" means -----------------------------------------------------------------------------

FORBIDDEN = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
             "style", "svg", "math", "base", "img", "video", "audio", "source", "details"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"}
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_EDGES = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")


def url_scheme(value: str) -> str:
    """The scheme a browser would see (WHATWG URL parsing): leading and trailing spaces and controls stripped,
    tabs and newlines removed anywhere (other controls too, to be strict), case ignored. A space inside
    ('jav    ascript:') makes it no scheme at all: a relative URL."""
    cleaned = _CONTROLS.sub("", _EDGES.sub("", value)).lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", cleaned)
    return match[1] if match else ""


def assert_harmless(markup: str | bytes, where: str, is_page: bool) -> None:
    for parser in ("lxml", "html.parser"):
        soup = BeautifulSoup(markup, parser)
        found = sorted({tag.name for tag in soup.find_all(FORBIDDEN)})
        assert not found, f"{where} ({parser}): {found}"
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), f"{where}: <{tag.name} {name}=...>"
                assert name.lower() != "style", f"{where}: <{tag.name} style=...>"
                if name.lower() in URL_ATTRIBUTES:
                    values = value if isinstance(value, list) else [value]
                    for v in values:
                        assert url_scheme(v) in ("", "http", "https"), f"{where}: <{tag.name} {name}={v!r}>"
            if tag.name == "meta":
                assert tag.get("http-equiv", "").lower() != "refresh", where
            if tag.name == "link" and is_page:
                assert tag.get("rel") in (["stylesheet"], ["alternate"], ["canonical"], ["icon"]), f"{where}: {tag}"


def assert_no_controls(data: bytes, where: str) -> None:
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data), f"{where}: a control character"


# -- the build, the pages, the feeds ---------------------------------------------------------------------

def test_there_are_enough_payloads():
    assert len(BODIES) + len(SENDERS) >= 25
    assert len(BIG.encode()) >= ONE_MB - 200


def test_the_build_succeeds(built):
    site, result = built
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_no_html_page_holds_anything_executable(output):
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        data = path.read_bytes()
        assert_no_controls(data, str(path))
        assert_harmless(data, str(path.relative_to(output)), is_page=True)
    assert b"never-shown" not in b"".join(p.read_bytes() for p in output.rglob("*") if p.is_file())


def test_no_feed_or_the_html_inside_its_entries_holds_anything_executable(output):
    feeds = sorted(output.rglob("*.rss")) + sorted(output.rglob("*.atom"))
    assert len(feeds) > 5
    for path in feeds:
        data = path.read_bytes()
        assert_no_controls(data, str(path))
        assert not feed(path).bozo
        root = etree.fromstring(data)
        assert not root.xpath("//*[local-name()='script']"), f"{path}: a script element in the XML itself"
        for item in root.iter("item", "{http://www.w3.org/2005/Atom}entry"):
            for child in item:
                name = etree.QName(child).localname
                where = f"{path.relative_to(output)} <{name}>"
                inner = child.text or ""
                if name in ("description", "encoded", "content", "summary"):
                    assert_harmless(inner, where, is_page=False)
                elif name in ("title", "creator"):
                    # Text, escaped once more: a reader that renders it as HTML shows the name, runs nothing.
                    assert BeautifulSoup(inner, "html.parser").find(True) is None, f"{where}: {inner!r}"


def test_the_comments_feed_has_every_comment_newest_first(output):
    parsed = feed(output / "comments/index.rss")
    expected = comments()
    assert len(parsed.entries) == len(expected)
    dates = [e.published_parsed for e in parsed.entries]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == len(dates)
    for post in POSTS:
        per_post = feed(output / f"{post}.comments.rss")
        assert len(per_post.entries) == sum(1 for c in expected if c[0] == post)
        assert [e.published_parsed for e in per_post.entries] == sorted(
            (e.published_parsed for e in per_post.entries), reverse=True)


def test_a_hostile_author_is_shown_as_text_and_linked_only_with_a_safe_url(output):
    metas = []
    for post in POSTS:
        metas += html(output / f"{post}.html").select("section#comments .comment-meta")
    by_author = {text(m).split(" wrote on ")[0]: m for m in metas}
    markup_name = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    assert markup_name in by_author, "the name is shown, as text"
    assert by_author[markup_name].find("a", href="https://ok.example/") is not None
    assert "Evil[2JName" in by_author               # the escape and control characters dropped
    assert "Anonymous" in by_author
    for name in ("Plain Name", "Quote Name", "Data Name", "Upper Name", "Tab Name"):
        assert by_author[name].find("a", rel="nofollow") is None, f"{name} is linked"
    assert by_author["]]></title><script>alert(1)</script>"].find("a", rel="nofollow") is None   # <> in it


def test_safe_parts_of_hostile_comments_survive(output):
    page = html(output / f"{POSTS[7 % 3]}.html")
    fine = page.find("a", string="a fine link with handlers")
    assert fine["href"] == "https://ok.example/" and fine["rel"] == ["nofollow", "ugc"]
    everything = " ".join(text(html(output / f"{p}.html")) for p in POSTS)
    assert "<script>alert(1)</script> stays text" in everything
    assert "styled paragraph" in everything and "styles gone" in everything
    assert "ctrl" in everything and "characters" in everything
    big = html(output / f"{POSTS[(len(BODIES) - 1) % 3]}.html")
    assert text(big).count("sed do eiusmod") == BIG.count("sed do eiusmod"), "the 1 MB comment is shown whole"


def test_links_that_lost_their_address_become_their_text(output):
    # javascript:, vbscript:, file: and entity tricks lose their href in the sanitizer; an <a> without one is
    # invalid HTML and links nowhere, so only its text is left (the Nu checker runs in test_html_valid.py).
    everything = [html(output / f"{p}.html") for p in POSTS]
    for soup in everything:
        for body in soup.select(".comment-body"):
            assert all(a.get("href") for a in body.find_all("a")), body
    words = " ".join(text(soup) for soup in everything)
    for link_text in ("case trick", "tab entity", "decimal entities", "named colon", "vb", "file"):
        assert link_text in words


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "lxml")
