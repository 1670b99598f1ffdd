"""Tags never merge silently: spellings that differ only in case or in how spaces are written are one tag (with a
warning naming both), every other difference gets its own slug; and ordinary tags keep the URLs they always had."""

from __future__ import annotations

import hashlib
import re

from hypothesis import given, strategies as st

from generator.content.slugs import tag_slug
from sitefactory import html, make_site, post, run_blog, text


def old_tag_slug(name: str) -> str:
    """The slug rule before tags were kept apart, as released: the URLs of existing blogs."""
    slug = re.sub(r"[^\w.~-]+", "-", name.strip().lower()).strip("-.")
    return slug or "tag-" + hashlib.blake2b(name.encode(), digest_size=4).hexdigest()


@given(st.text(alphabet="aZé9 _-Ωx", min_size=1, max_size=12).filter(lambda s: re.search(r"[^\s_-]", s)))
def test_ordinary_tags_keep_their_old_slugs(name):
    # Letters (any script), digits, spaces, hyphens and underscores: exactly the slug of before.
    assert tag_slug(name) == old_tag_slug(name)


def test_symbols_are_spelled_by_a_general_rule():
    assert [tag_slug(n) for n in ("C", "C++", "C#", "F#", "AT&T", ".NET", "node.js", "🐍")] == [
        "c", "c-plus-plus", "c-sharp", "f-sharp", "at-and-t", "dot-net", "node.js", "snake"]


def test_c_cpp_and_csharp_are_three_tags_and_three_pages(tmp_path):
    site = make_site(tmp_path, {
        "content/a.md": post("About C", "2014-02-24 10:00", tags=["C"]),
        "content/b.md": post("About C++", "2014-02-24 11:00", tags=["C++"]),
        "content/c.md": post("About C#", "2014-02-24 12:00", tags=["C#"]),
    })
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    out = site / "output"
    for slug, title in (("c", "About C"), ("c-plus-plus", "About C++"), ("c-sharp", "About C#")):
        page = html(out / f"tags/{slug}/index.html")
        assert [text(a) for a in page.select("main a") if text(a).startswith("About")] == [title]
    index = text(html(out / "tags/index.html").select_one("main"))
    assert "C 1" in index and "C++ 1" in index and "C# 1" in index
    post_page = html(out / "b.html")
    assert [a["href"] for a in post_page.select(".post-tags a")] == ["/tags/c-plus-plus/"]


def test_folded_spellings_are_one_tag_with_one_warning_naming_both(tmp_path):
    site = make_site(tmp_path, {
        "content/a.md": post("One", "2014-02-24 10:00", tags=["OpenStack"]),
        "content/b.md": post("Two", "2014-02-24 11:00", tags=["openstack"]),
        "content/c.md": post("Three", "2014-02-24 12:00", tags=["openstack", "open-source"]),
        "content/d.md": post("Four", "2014-02-24 13:00", tags=["Open Source", "open-stack"]),
    })
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    openstack = next(line for line in lines if "/tags/openstack/" in line)
    assert "'OpenStack' (content/a.md)" in openstack and "'openstack' (content/b.md)" in openstack
    source = next(line for line in lines if "/tags/open-source/" in line)
    assert "'Open Source' (content/d.md)" in source and "'open-source' (content/c.md)" in source
    out = site / "output"
    assert len(html(out / "tags/openstack/index.html").select("main li")) == 3
    # Written without a separator is another word: its own tag, no warning about it.
    assert (out / "tags/open-stack/index.html").is_file()
    assert "'open-stack'" not in result.stderr
