"""The net: random front matter, bodies, file names, comment files and queue entries written into a small built
site, then a build. The only outcomes allowed are exit 0 (with well-formed feeds), or exit 1 with one line naming
a file and output/ exactly as it was. Never a traceback, never another status.

BLOG_FUZZ_EXAMPLES sets the number of examples (default 300, a minute or two); builds run in this process."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from datetime import timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from generator.cli import main
from sitefactory import make_site, post, snapshot

EXAMPLES = int(os.environ.get("BLOG_FUZZ_EXAMPLES", "300"))

NAME_CHARS = st.sampled_from(list("abcXYZ019 -_.#?%&+'~é日\u00a0") + ["\x1b", "\t"])
name = st.text(NAME_CHARS, min_size=1, max_size=24).filter(lambda s: s not in (".", ".."))
folder = st.one_of(st.sampled_from(["", "diary", "odd cat", "404.html", "index.rss", "sitemap.xml", "tags",
                                    "static", "page", "2014", "comments", "diary/deep/er"]), name)
weird_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
text_value = st.one_of(weird_text, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
                       st.lists(weird_text, max_size=3), st.dictionaries(weird_text, weird_text, max_size=2),
                       st.dates(), st.datetimes(timezones=st.just(timezone.utc)))
date_value = st.one_of(
    st.sampled_from(["2014-02-24 17:04", "2014-02-24T17:04:00+11:00", "0000-00-00", "2014-02-30", "9999-12-31",
                     "0001-01-01T00:00:00+14:00", "yesterday", "", "2014-02-24 25:61", "'2014-02-24'"]),
    st.dates(), st.datetimes(), text_value)
tags_value = st.one_of(st.lists(st.one_of(weird_text, st.integers()), max_size=8), weird_text, text_value)
body = st.one_of(
    weird_text,
    st.lists(st.sampled_from(["- ", "1. ", "> ", "    ", "*", "[", "](", "<http://", "```", "\n", "=\n",
                              "<script>", "&#0;", "\x00", "\x0c", "text ", "# h\n"]), max_size=80).map("".join))


@st.composite
def front_matter(draw, kind: str) -> str:
    if draw(st.integers(0, 9)) == 0:   # sometimes not a mapping, or not YAML at all
        return draw(st.sampled_from(["- a\n- b", "[unclosed", "a: &x [*x]", "&a [*a, *a]", "!!python/name:os.system",
                                     "key: value: other", "\t- tab", "? complex\n: key"]))
    meta: dict = {}
    fields = {"post": ["title", "date", "tags", "summary", "draft", "format", "isbn"],
              "comment": ["author", "date", "url", "email", "format", "post"]}[kind]
    for key in fields:
        if draw(st.integers(0, 5)) == 0:
            continue   # left out
        if key == "date":
            meta[key] = draw(date_value)
        elif key == "tags":
            meta[key] = draw(tags_value)
        elif key == "format":
            meta[key] = draw(st.sampled_from(["markdown", "html", "rst", 3]))
        elif key in ("title", "author") and draw(st.booleans()):
            meta[key] = draw(st.text(min_size=1, max_size=30))
        else:
            meta[key] = draw(text_value)
    try:
        text = yaml.safe_dump(meta, allow_unicode=draw(st.booleans()), sort_keys=False)
    except yaml.YAMLError:
        text = "title: fallback\n"
    if isinstance(meta.get("date"), str) and draw(st.booleans()):   # unquoted, so YAML reads it as it likes
        text = text.replace(f"'{meta['date']}'", meta["date"])
    return text


@st.composite
def a_file(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["post", "post", "comment", "queue", "static", "other"]))
    where = draw(folder)
    prefix = "content/" + (where + "/" if where else "")
    if kind == "post":
        rel = prefix + draw(name) + draw(st.sampled_from([".md", ".markdown", ".md"]))
        data = "---\n" + draw(front_matter("post")) + "---\n" + draw(body)
    elif kind == "comment":
        rel = prefix + draw(st.sampled_from(["hello", "x", draw(name)])) + ".comments/" + draw(name) + ".md"
        data = "---\n" + draw(front_matter("comment")) + "---\n" + draw(body)
    elif kind == "queue":
        rel = "comments-pending/" + draw(name) + ".md"
        data = "---\n" + draw(front_matter("comment")) + "---\n" + draw(body)
    elif kind == "static":
        rel = "content/static/" + draw(name)
        data = draw(weird_text)
    else:
        rel = prefix + draw(name)
        data = draw(weird_text)
    encoded = data.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 15)) == 0:
        encoded = b"\xff\xfe" + encoded   # not UTF-8
    return rel, encoded


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("fuzz-base"), {
        "content/diary/hello.md": post("Hello", "2014-02-24 17:04", "The first post.\n", tags=["diary", "x"]),
        "content/hello.md": post("Top", "2014-02-25 09:00", "Top.\n", tags=["x"]),
        "content/hello.comments/a.md": "---\nauthor: Ann\ndate: 2014-02-26 10:00\n---\nHi *there*.\n",
    }, {"title": "Fuzz", "timezone": "Australia/Sydney", "posts_per_page": 2})
    assert main(["build", "--quiet", "--site", str(site)]) == 0
    return site



@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(st.lists(a_file(), min_size=1, max_size=4))
def test_any_content_builds_or_fails_with_one_line_and_publishes_nothing(built_site, files):
    work = Path(tempfile.mkdtemp(prefix="blog-fuzz-"))
    try:
        site = work / "site"
        shutil.copytree(built_site, site, symlinks=True)
        for rel, data in files:
            path = site / rel
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.is_dir():
                    continue
                path.write_bytes(data)
            except OSError:   # a name the file system refuses, or a file where a folder goes: no such site
                continue
        before = snapshot(site / "output")
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(["build", "--quiet", "--site", str(site)])
        lines = err.getvalue().splitlines()
        errors = [line for line in lines if not line.startswith("warning: ")]
        assert status in (0, 1), (status, lines)
        if status == 0:
            assert not errors, lines
            for feed in (site / "output").rglob("*.rss"):
                etree.fromstring(feed.read_bytes())   # well-formed XML, whatever the content held
            assert not any(p.name.startswith(".blog-tmp-") for p in (site / "output").rglob("*"))
        else:
            assert len(errors) == 1 and errors[0].startswith("error: "), lines
            assert "content/" in errors[0] or "config.yaml" in errors[0], errors[0]
            assert snapshot(site / "output") == before, errors[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
