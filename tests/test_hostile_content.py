"""Hostile content: whatever a content folder holds, a build gives exit 0, or exit 1 with one line naming the file
(and line where there is one) and output/ untouched. Links are followed only inside the site; unreadable files
fail the build even when the cache remembers them; text fields are text; control characters never reach XML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from generator.publish.cache import CACHE_DIR
from sitefactory import REPO, build, feed, html, make_site, one_line_error, post, run_blog, snapshot, text

ROOT = os.geteuid() == 0
GOOD = {
    "content/diary/hello.md": post("Hello", "2014-02-24 17:04", "The first post.\n", tags=["diary"]),
    "content/a/other.md": post("Other", "2014-02-25 09:00", "Another.\n", tags=["meta"]),
}




@pytest.fixture
def site(tmp_path) -> Path:
    site = make_site(tmp_path, GOOD, {"title": "Hostile", "timezone": "Australia/Sydney"})
    build(site)
    return site


# -- links, dot-files, loops ---------------------------------------------------------------------------------

def test_links_out_of_the_site_are_skipped_with_one_warning_each_and_loops_never_hang(site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    outside_post = tmp_path / "outside.md"
    outside_post.write_text(post("Outside", "2014-03-01 10:00", "from elsewhere"))
    static = site / "content/static"
    (static / ".git").mkdir(parents=True)
    (static / ".git/config").write_text("[remote] url = secret\n")
    (static / ".htpasswd").write_text("secret")
    (static / "leak").symlink_to("/etc/passwd")
    (static / "secret.txt").symlink_to(secret)
    (site / "content/everything").symlink_to("/")
    (site / "content/diary/outside.md").symlink_to(outside_post)
    (site / "content/diary/loop").symlink_to("..")
    (site / "content/a/self").symlink_to(".")
    (site / "content/a/b").mkdir()
    (site / "content/a/b/up").symlink_to("../../a")
    (site / "content/a/broken.md").symlink_to("nowhere.md")
    # Inside the site: followed.
    (site / "drafts").mkdir()
    (site / "drafts/inside.md").write_text(post("Inside", "2014-03-02 10:00", "linked in"))
    (site / "content/diary/inside.md").symlink_to("../../drafts/inside.md")
    (static / "shared.txt").write_text("shared")
    (static / "also.txt").symlink_to("shared.txt")

    result = run_blog(site, "build", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = result.stderr.splitlines()
    for name in ("static/leak", "static/secret.txt", "content/everything", "diary/outside.md", "diary/loop",
                 "a/self", "a/b/up", "a/broken.md"):
        assert sum(name in w for w in warnings) == 1, (name, warnings)
    out = site / "output"
    assert not (out / "leak").exists() and not (out / "secret.txt").exists()
    assert not (out / ".git").exists() and not (out / ".htpasswd").exists()
    assert not (out / "diary/outside.html").exists()
    assert (out / "diary/inside.html").is_file()
    assert (out / "also.txt").read_text() == "shared"
    assert "root:x" not in "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


# -- unreadable files and folders ----------------------------------------------------------------------------

def run_as_user(site: Path, *args: str) -> subprocess.CompletedProcess:
    """`blog ARGS` as an ordinary user: as root, 'nobody' runs Debian's python3 with this checkout's packages
    (root reads every file, whatever its mode); otherwise this process's user and interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if not ROOT:
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=site, env=env,
                              capture_output=True, text=True, timeout=120)
    import site as site_module
    packages = [p for p in site_module.getsitepackages() if Path(p).is_dir()]
    python = shutil.which("python3.11", path="/usr/bin") or "/usr/bin/python3"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join([str(REPO), *packages]), "HOME": str(site)}
    probe = subprocess.run([python, "-c", "import generator.cli, jinja2, nh3, yaml, markdown, feedgen"],
                           env=env, user=65534, capture_output=True, cwd="/")
    if probe.returncode != 0:
        pytest.skip(f"cannot run the generator as nobody here: {probe.stderr[-200:]!r}")
    return subprocess.run([python, "-m", "generator", *args], cwd=site, env=env, user=65534,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def user_site():
    """A built site owned by 'nobody' (as root) in a folder an ordinary user can reach."""
    base = Path(tempfile.mkdtemp(prefix="blog-user-"))
    base.chmod(0o755)
    site = make_site(base, GOOD, {"title": "Perms"})
    if ROOT:
        subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
    result = run_as_user(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    yield site
    subprocess.run(["chmod", "-R", "u+rwX", str(base)], check=False)
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("cache", ["warm", "cold"])
@pytest.mark.parametrize("what, rel", [
    ("post", "content/diary/hello.md"),
    ("folder", "content/diary"),
    ("static file", "content/static/robots.txt"),
    ("comment", "content/diary/hello.comments/c.md"),
])
def test_an_unreadable_file_or_folder_is_one_line_and_publishes_nothing(user_site, cache, what, rel):
    site = user_site
    extra = site / rel if what in ("static file", "comment") else None
    if extra:
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_text("User-agent: *\n" if what == "static file" else
                         "---\nauthor: Ann\ndate: 2014-02-25 10:00\n---\nHi.\n")
        if ROOT:
            subprocess.run(["chown", "-R", "65534:65534", str(extra.parent)], check=True)
        assert run_as_user(site, "build", "--quiet").returncode == 0
    if cache == "cold":
        shutil.rmtree(site / CACHE_DIR)
    (site / "content/a/new.md").write_text(post("New", "2015-01-01 10:00", "x"))
    if ROOT:
        subprocess.run(["chown", "65534:65534", str(site / "content/a/new.md")], check=True)
    before = snapshot(site / "output")
    target = site / rel
    target.chmod(0o000 if what == "folder" else 0o200)
    try:
        one_line_error(run_as_user(site, "build"), rel)
        assert snapshot(site / "output") == before
    finally:
        target.chmod(0o755 if what == "folder" else 0o644)



def test_a_file_made_unreadable_fails_even_a_build_with_nothing_else_changed(user_site):
    """The build that finds no file changed reads no records; a file's mode is part of what it compares."""
    site = user_site
    stamp = time.time() - 3600   # older than the moments whose stats the build does not trust
    for path in (site / "content").rglob("*"):
        os.utime(path, (stamp, stamp))
    assert run_as_user(site, "build", "--quiet").returncode == 0
    before = snapshot(site / "output")
    target = site / "content/diary/hello.md"
    target.chmod(0o200)
    try:
        one_line_error(run_as_user(site, "build"), "content/diary/hello.md")
        assert snapshot(site / "output") == before
    finally:
        target.chmod(0o644)

# -- text fields, dates, sizes -------------------------------------------------------------------------------

CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\ufffe\uffff"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(CONTROLS + "ab \t"), min_size=1, max_size=12).filter(
           lambda s: s.strip(" \t")),
       st.sampled_from(["title", "body", "tags", "summary", "author", "comment"]))
def test_control_characters_in_any_text_field_never_reach_the_feeds(tmp_path_factory, junk, field):
    tmp = tmp_path_factory.mktemp("ctl")
    title = f"Title {junk} end" if field == "title" else "Title"
    body = f"Body {junk} end\n" if field == "body" else "Body\n"
    tags = ["ok", f"t{junk}x"] if field == "tags" else ["ok"]
    summary = f"Sum {junk}" if field == "summary" else "Sum"
    files = {"content/diary/p.md": post(title, "2014-02-24 17:04", body, tags=tags, summary=summary),
             "content/diary/p.comments/c.md": (
                 f"---\nauthor: \"A{junk if field == 'author' else ''}\"\ndate: 2014-02-25 10:00\n---\n"
                 f"Comment {junk if field == 'comment' else ''}\n")}
    files = {k: v.encode("utf-8", "surrogatepass") for k, v in files.items()}
    site = make_site(tmp, {})
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    result = run_blog(site, "build", "--quiet")
    if result.returncode != 0:   # refused: then with one line naming the file
        one_line_error(result, "content/diary/p")
        return
    for path in (site / "output").rglob("*.rss"):
        feed(path)
    for path in (site / "output").rglob("*"):
        if path.is_file():
            data = path.read_text(encoding="utf-8", errors="replace")
            assert not any(c in data for c in CONTROLS if c != "\x00") and "\x00" not in data, path


@pytest.mark.parametrize("value", ["0000-00-00", "2014-02-30", "2014-13-01 10:00", "0001-01-01T00:00:00+14:00",
                                   "9999-12-31T23:59:59-14:00", "'0001-01-01T00:00:00+14:00'", "0001-01-01",
                                   "9999-12-31 23:59"])
@pytest.mark.parametrize("kind", ["post", "comment"])
def test_dates_that_do_not_exist_or_overflow_are_one_line(site, value, kind):
    before = snapshot(site / "output")
    if kind == "post":
        rel = "content/diary/when.md"
        data = f"---\ntitle: When\ntags: [x]\ndate: {value}\n---\nbody\n"
        line = ":4:"
    else:
        rel = "content/diary/hello.comments/c.md"
        data = f"---\nauthor: Ann\ndate: {value}\n---\nHi.\n"
        line = ":3:"
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_text(data)
    result = run_blog(site, "build")
    if result.returncode == 0:   # a date at the edge that does exist in the site's zone: built
        return
    one_line_error(result, rel + line)
    assert snapshot(site / "output") == before


@pytest.mark.parametrize("value", ["0000-00-00", "2014-02-30 10:00", "0001-01-01T00:00:00+14:00",
                                   "9999-12-31T23:59:59-14:00"])
def test_a_now_that_does_not_exist_is_a_usage_error(site, value):
    one_line_error(run_blog(site, "build", "--now", value), "--now", status=2)


@pytest.mark.parametrize("field, value", [("title", "[a, b]"), ("title", "{a: 1}"), ("title", "12"),
                                          ("title", "true"), ("title", "2014-01-01"), ("summary", "[x]"),
                                          ("summary", "3.5"), ("summary", "{k: v}"), ("summary", "false")])
def test_text_fields_of_other_types_name_the_field(site, field, value):
    before = snapshot(site / "output")
    meta = {"title": "Fine", field: value}
    front = "\n".join(f"{k}: {v}" for k, v in meta.items())
    (site / "content/diary/typed.md").write_text(f"---\n{front}\ndate: 2014-02-24 17:04\n---\nbody\n")
    one_line_error(run_blog(site, "build"), "content/diary/typed.md:", f"'{field}'")
    assert snapshot(site / "output") == before


@pytest.mark.parametrize("field, value", [("author", "[a]"), ("author", "7"), ("url", "{a: 1}"),
                                          ("email", "[x]")])
def test_comment_text_fields_of_other_types_name_the_field(site, field, value):
    meta = {"author": "Ann", field: value}
    front = "\n".join(f"{k}: {v}" for k, v in meta.items())
    rel = "content/diary/hello.comments/c.md"
    (site / rel).parent.mkdir()
    (site / rel).write_text(f"---\n{front}\ndate: 2014-02-25 10:00\n---\nHi.\n")
    one_line_error(run_blog(site, "build"), rel, f"'{field}'")


def test_yaml_aliases_that_expand_past_a_sane_size_are_refused(site):
    bomb = "\n".join([
        "title: Bomb", "date: 2014-02-24 17:04",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *[f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
          f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]" for i in range(8)],
    ])
    before = snapshot(site / "output")
    (site / "content/diary/bomb.md").write_text(f"---\n{bomb}\n---\nbody\n")
    result = run_blog(site, "build", timeout=60)
    one_line_error(result, "content/diary/bomb.md", "aliases")
    assert snapshot(site / "output") == before


def test_deeply_nested_yaml_is_one_line(site):
    (site / "content/diary/deep.md").write_text("---\ntitle: Deep\ndate: 2014-02-24 17:04\nx: "
                                                + "[" * 5000 + "]" * 5000 + "\n---\nbody\n")
    result = run_blog(site, "build")
    one_line_error(result, "content/diary/deep.md")


@pytest.mark.parametrize("tag", ["x" * 300, "é" * 200, "日本" * 100, "a b " * 100])
def test_a_very_long_tag_gets_a_short_slug_and_builds(site, tag):
    (site / "content/diary/long.md").write_text(post("Long", "2015-01-01 10:00", "x", tags=[tag, "other"]))
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    folders = [p for p in (site / "output/tags").iterdir() if p.is_dir()]
    assert all(len(p.name.encode()) <= 100 for p in folders)
    assert len(folders) == 4
    page = html(site / "output/diary/long.html")
    assert any(text(a).startswith(tag.strip()[:20]) for a in page.select("a"))


def test_two_long_tags_that_start_alike_stay_two(site):
    a, b = "x" * 300 + "a", "x" * 300 + "b"
    (site / "content/diary/long.md").write_text(post("Long", "2015-01-01 10:00", "x", tags=[a, b]))
    assert run_blog(site, "build", "--quiet").returncode == 0
    assert len([p for p in (site / "output/tags").iterdir() if p.name.startswith("xxxx")]) == 2


@pytest.mark.parametrize("damage", ["cache is a file", "sqlite is a folder", "templates is a file",
                                    "staging is a file", "gitignore is a folder", "cache is a link"])
def test_cache_parts_of_the_wrong_kind_are_rebuilt(site, tmp_path, damage):
    cache = site / CACHE_DIR
    if damage == "cache is a file":
        shutil.rmtree(cache)
        cache.write_text("x")
    elif damage == "cache is a link":
        shutil.rmtree(cache)
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere/keep").write_text("keep")
        cache.symlink_to(tmp_path / "elsewhere")
    elif damage == "sqlite is a folder":
        (cache / "cache.sqlite").unlink()
        (cache / "cache.sqlite").mkdir()
    elif damage == "templates is a file":
        shutil.rmtree(cache / "templates")
        (cache / "templates").write_text("x")
    elif damage == "staging is a file":
        (cache / "staging").write_text("x")
    else:
        (cache / ".gitignore").unlink()
        (cache / ".gitignore").mkdir()
    (site / "content/diary/new.md").write_text(post("New", "2015-01-01 10:00", "x"))
    result = run_blog(site, "build")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (site / "output/diary/new.html").is_file()
    if damage == "cache is a link":   # a link to a folder is a cache kept elsewhere: used, nothing removed
        assert (tmp_path / "elsewhere/keep").read_text() == "keep"
        assert (tmp_path / "elsewhere/cache.sqlite").is_file()
    assert run_blog(site, "build", "--quiet").returncode == 0


def test_many_tags_on_one_post_is_a_warning_naming_it(site):
    (site / "content/diary/tags.md").write_text(post("Tags", "2015-01-01 10:00", "x",
                                                     tags=[f"tag{n}" for n in range(60)]))
    result = run_blog(site, "build")
    assert result.returncode == 0
    assert sum("content/diary/tags.md" in line and "60 tags" in line for line in result.stderr.splitlines()) == 1


@pytest.mark.parametrize("names", [("Foo.md", "foo.md"), ("Diary", "diary"), ("A.MD", "a.md")])
def test_names_differing_only_in_case_are_a_warning(site, names):
    for name in names:
        path = site / "content" / name
        if name.lower().endswith(".md"):
            path.write_text(post(name, "2015-01-01 10:00", "x"))
        else:
            path.mkdir(exist_ok=True)
            (path / "x.md").write_text(post("X", "2015-01-01 10:00", "x"))
    result = run_blog(site, "build")
    assert "case" in result.stderr and names[0] in result.stderr and names[1] in result.stderr


@pytest.mark.parametrize("name", ["new\nline.md", "carriage\rreturn.md", "esc\x1bape.md", "bell\x07/x.md",
                                  "tab\tbed.md", "nel\x85.md", "ls\u2028.md", "static/\x01.txt"])
def test_a_line_break_or_control_character_in_a_file_name_is_refused(site, name):
    before = snapshot(site / "output")
    path = site / "content/diary" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(post("Odd", "2015-01-01 10:00", "x"))
    one_line_error(run_blog(site, "build"), "line break")
    assert snapshot(site / "output") == before


def test_tag_feeds_stay_linear_in_a_posts_tags(site):
    """500 tags on one post took 41 s (each of its 500 tag feeds listed all 500 as categories, each added by a
    call that rebuilt the list): an entry lists at most 50 categories, so the work is linear in posts x tags."""
    tags = [f"tag{n:03d}" for n in range(500)]
    (site / "content/diary/tags.md").write_text(post("Tags", "2015-01-01 10:00", "x", tags=tags))
    result = run_blog(site, "build", "--quiet", timeout=120)
    assert result.returncode == 0
    total = 0
    for name in ("tag000", "tag250", "tag499"):
        parsed = feed(site / f"output/tags/{name}/index.rss")
        [entry] = parsed.entries
        assert [t.term for t in entry.tags] == tags[:50]
    for path in (site / "output/tags").glob("*/index.rss"):
        total += path.read_text().count("<category>")
    assert total <= 50 * 501


@pytest.mark.parametrize("now, gone", [("2014-02-25 08:00", 1), ("2014-02-20 12:00", 2), ("2015-01-01", 0)])
def test_a_clock_earlier_than_the_last_builds_warns_with_the_count(site, now, gone):
    assert run_blog(site, "build", "--quiet", "--now", "2014-06-01 10:00").returncode == 0
    result = run_blog(site, "build", "--quiet", "--now", now)
    assert result.returncode == 0
    warned = [line for line in result.stderr.splitlines() if "earlier than the last build" in line]
    if gone:
        assert len(warned) == 1 and f"{gone} post(s)" in warned[0]
    else:
        assert not warned


NAMES = ["with space", "hash#tag", "what?", "café", "日本語", "100%", "a+b&c"]


def test_urls_from_file_names_are_percent_encoded_in_links_feeds_and_the_sitemap(tmp_path):
    from urllib.parse import unquote, urlsplit
    files = {f"content/odd cat/{name}.md": post(f"Post {n}", f"2014-02-{n + 1:02d} 10:00", "x", tags=[name])
             for n, name in enumerate(NAMES)}
    site = make_site(tmp_path, files, {"base_url": "https://example.org/blog/"})
    output = build(site)
    hrefs = set()
    for page in output.rglob("*.html"):
        hrefs.update(a["href"] for a in html(page).select("a[href]"))
    parsed = feed(output / "index.rss")
    links = {e.link for e in parsed.entries}
    import json
    items = json.loads((output / "feed.json").read_text(encoding="utf-8"))["items"]
    json_links = {item["url"] for item in items} | {item["id"] for item in items}
    sitemap = (output / "sitemap.xml").read_text()
    import re as re_module
    import html as html_module
    locs = {html_module.unescape(u) for u in re_module.findall(r"<loc>([^<]*)</loc>", sitemap)}
    for name in NAMES:
        for where, found in (("links", hrefs), ("feed", links), ("JSON Feed", json_links), ("sitemap", locs)):
            matching = [u for u in found if unquote(urlsplit(u).path).endswith(f"/odd cat/{name}.html")]
            assert matching, (where, name)
            for u in matching:
                path = urlsplit(u).path
                assert all(c not in path for c in " #?") and path.isascii(), (where, u)
                assert (output / unquote(path).removeprefix("/blog/")).is_file(), (where, u)


@pytest.mark.parametrize("where", ["diary", "tags/diary", "2015/01", "."])
def test_a_folder_an_ordinary_user_may_not_write_in_publishes_nothing(user_site, where):
    """The permission failure as users meet it (test_output_promises.py makes folders read-only as root)."""
    site = user_site
    for n in range(3):   # every listing page changes
        path = site / f"content/diary/new-{n}.md"
        path.write_text(post(f"New {n}", f"2015-01-0{n + 1} 10:00", "x", tags=["diary"]))
        if ROOT:
            subprocess.run(["chown", "65534:65534", str(path)], check=True)
    assert run_as_user(site, "build", "--quiet").returncode == 0
    (site / "content/diary/new-0.md").write_text(post("New 0", "2015-01-01 10:00", "changed", tags=["diary"]))
    for n in range(3, 9):
        path = site / f"content/diary/new-{n}.md"
        path.write_text(post(f"New {n}", f"2015-01-0{n + 1} 10:00", "x", tags=["diary"]))
        if ROOT:
            subprocess.run(["chown", "65534:65534", str(path)], check=True)
    folder = site / "output" / where
    folder.chmod(0o555)
    before = snapshot(site / "output")
    try:
        one_line_error(run_as_user(site, "build"), "permissions")
        assert snapshot(site / "output") == before
    finally:
        folder.chmod(0o755)
    assert run_as_user(site, "build", "--quiet").returncode == 0


@pytest.mark.parametrize("escape", ["\\n", "\\r", "\\N", "\\L", "\\P", "\\v", "\\f"])
def test_a_line_break_in_a_value_named_by_an_error_stays_one_line(site, escape):
    """Found by the fuzz test: 'date: "0\\N"' (U+0085, a line break to Python) split the error in two."""
    (site / "content/diary/when.md").write_text(f'---\ntitle: When\ndate: "0{escape}1"\n---\nbody\n')
    one_line_error(run_blog(site, "build"), "content/diary/when.md:3")
