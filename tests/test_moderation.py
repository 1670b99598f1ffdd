"""`blog comments list / approve / reject / add`, run as a blogger runs them, on a copy of the comments fixture.
The queue is comments-pending/ beside config.yaml; nothing in it is ever published."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from sitefactory import REPO, build, copy_fixture, feed, html, run_blog, text

POST = "/book/John_Ringo/live-free-or-die"
COMMENTS = "content/book/John_Ringo/live-free-or-die.comments"
SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.fixture
def site(tmp_path) -> Path:
    return copy_fixture("comments", tmp_path)


def blog(site: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`blog ARGS` with text on standard input (run_blog gives none), as at a terminal 200 columns wide."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=site, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def queue(site: Path) -> list[Path]:
    return sorted((site / "comments-pending").glob("*.md"))


def front_matter(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def one_error_line(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def comment_authors(output: Path, url: str) -> list[str]:
    page = html(output / url.lstrip("/"))
    return [text(m).split(" wrote on ")[0] for m in page.select("section#comments .comment-meta")]


# -- add ---------------------------------------------------------------------------------------------------

def test_add_from_stdin_queues_a_comment_dated_now_that_is_not_published(site):
    started = datetime.now(SYDNEY).replace(microsecond=0)
    result = blog(site, "comments", "add", POST, "--author", "Zoe Quinn", "--url", "https://zoe.example/",
                  "--email", "zoe@example.org", stdin="Loved it.\n\nSecond *paragraph*.\n")
    assert result.returncode == 0, result.stderr
    [path] = queue(site)
    assert f"comments-pending/{path.name}" in result.stdout
    meta, body = front_matter(path)
    assert meta["post"] == POST and meta["author"] == "Zoe Quinn"
    assert meta["url"] == "https://zoe.example/" and meta["email"] == "zoe@example.org"
    assert body == "Loved it.\n\nSecond *paragraph*.\n"
    when = meta["date"]
    assert when.utcoffset() == started.utcoffset()                # written with the site zone's offset
    assert started - timedelta(seconds=1) <= when <= datetime.now(SYDNEY) + timedelta(seconds=1)

    output = build(site)
    assert "Zoe Quinn" not in comment_authors(output, POST + ".html")
    assert b"Loved it" not in b"".join(p.read_bytes() for p in output.rglob("*") if p.is_file())


@pytest.mark.parametrize("ref", [
    "/book/John_Ringo/live-free-or-die",
    "/book/John_Ringo/live-free-or-die.html",
    "book/John_Ringo/live-free-or-die.html",
    "https://blog.example.org/book/John_Ringo/live-free-or-die.html",
    "https://blog.example.org/book/John_Ringo/live-free-or-die.html#comments",
    "http://BLOG.example.org/book/John_Ringo/live-free-or-die",
])
def test_add_takes_the_post_as_a_path_or_its_permalink(site, ref):
    result = blog(site, "comments", "add", ref, "--author", "A", stdin="Hi.\n")
    assert result.returncode == 0, result.stderr
    [path] = queue(site)
    assert front_matter(path)[0]["post"] == POST


def test_add_reads_the_body_from_a_file_and_approve_publishes_it_straight_away(site, tmp_path):
    body = tmp_path / "comment.md"
    body.write_text("From a *file*.\n", encoding="utf-8")
    result = run_blog(site, "comments", "add", "https://blog.example.org/diary/quiet-sunday.html",
                      "--author", "Filer", "--file", str(body), "--approve")
    assert result.returncode == 0, result.stderr
    assert queue(site) == []
    [new] = [p for p in (site / "content/diary/quiet-sunday.comments").glob("*.md") if p.name not in ("1.md", "2.md")]
    assert new.name.endswith("-filer.md") and new.relative_to(site).as_posix() in result.stdout
    meta, text_ = front_matter(new)
    assert "post" not in meta and meta["author"] == "Filer" and text_ == "From a *file*.\n"
    output = build(site)
    assert comment_authors(output, "/diary/quiet-sunday.html")[-1] == "Filer"
    assert feed(output / "diary/quiet-sunday.comments.rss").entries[0].author == "Filer"


@pytest.mark.parametrize("args, stdin, words", [
    (["/book/nope", "--author", "A"], "Hi", ["/book/nope", "no post"]),
    (["/static/robots", "--author", "A"], "Hi", ["no post"]),
    (["/../config", "--author", "A"], "Hi", ["no post"]),
    (["/book/John_Ringo/live-free-or-die.comments/b-dave", "--author", "A"], "Hi", ["no post"]),
    (["https://elsewhere.example/book/John_Ringo/live-free-or-die.html", "--author", "A"], "Hi",
     ["not a page of this blog", "https://blog.example.org/"]),
    ([POST, "--author", "A"], "  \n\n", ["empty"]),
    ([POST, "--author", "  "], "Hi", ["--author"]),
    ([POST, "--author", "A", "--url", "javascript:alert(1)"], "Hi", ["--url", "http"]),
    ([POST, "--author", "A", "--file", "missing.md"], "", ["missing.md"]),
])
def test_add_refuses_bad_input_with_one_line_and_writes_nothing(site, args, stdin, words):
    one_error_line(blog(site, "comments", "add", *args, stdin=stdin), *words)
    assert queue(site) == []
    assert len(list((site / COMMENTS).glob("*.md"))) == 4


# -- list --------------------------------------------------------------------------------------------------

def test_list_shows_id_post_author_date_and_first_line_oldest_first(site):
    assert "No comments are waiting" in blog(site, "comments", "list").stdout
    queued = site / "comments-pending"
    queued.mkdir()
    (queued / "second.md").write_text(
        f"---\npost: {POST}\nauthor: Bea\ndate: 2014-03-01 09:00\n---\n\nFirst line of Bea.\nMore.\n",
        encoding="utf-8")
    (queued / "first.md").write_text(   # as the importer writes them: ISO dates, format: html
        "---\nauthor: Al\ndate: 2014-02-27T10:00:00+11:00\nformat: html\npost: /diary/quiet-sunday\n---\n"
        "<p>Al says hello.</p>\n", encoding="utf-8")
    result = blog(site, "comments", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "POST", "AUTHOR", "DATE", "FIRST", "LINE"]
    assert lines[1].split() == ["first", "/diary/quiet-sunday", "Al", "2014-02-27", "10:00", "<p>Al", "says",
                                "hello.</p>"]
    assert lines[2].split() == ["second", POST, "Bea", "2014-03-01", "09:00", "First", "line", "of", "Bea."]
    assert "2 waiting" in lines[3]


def test_list_prints_no_terminal_escapes_from_a_strangers_comment(site):
    blog(site, "comments", "add", POST, "--author", "Evil\x1b[2J\x07Name", stdin="\x1b]0;pwned\x07Body\n")
    queued = site / "comments-pending"
    (queued / "raw.md").write_text(f'---\npost: {POST}\nauthor: "Raw\\e[31m"\ndate: 2014-03-01 09:00\n---\n'
                                   "\x1b[1mbold\n", encoding="utf-8")
    result = blog(site, "comments", "list")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "EvilName" in result.stdout.replace("[2J", "") and "Raw" in result.stdout


def test_list_warns_about_an_unreadable_queued_file_and_still_lists_the_rest(site):
    queued = site / "comments-pending"
    queued.mkdir()
    (queued / "broken.md").write_text("---\nauthor: [unclosed\n---\nx\n", encoding="utf-8")
    (queued / "fine.md").write_text(f"---\npost: {POST}\nauthor: Fine\ndate: 2014-03-01 09:00\n---\nOK\n",
                                    encoding="utf-8")
    result = blog(site, "comments", "list")
    assert result.returncode == 0
    assert "broken.md" in result.stderr and "Fine" in result.stdout and "1 waiting" in result.stdout


# -- approve -----------------------------------------------------------------------------------------------

def test_approve_moves_the_comment_into_place_without_its_post_line_and_it_is_published(site):
    assert blog(site, "comments", "add", POST, "--author", "Zoe Quinn", stdin="Approved *soon*.\n").returncode == 0
    [pending] = queue(site)
    original = pending.read_text(encoding="utf-8")
    result = blog(site, "comments", "approve", pending.stem)
    assert result.returncode == 0, result.stderr
    assert queue(site) == []
    [new] = [p for p in (site / COMMENTS).glob("*.md") if "zoe" in p.name]
    assert f"{COMMENTS}/{new.name}" in result.stdout
    # Every line as it was, but the post: line.
    assert new.read_text(encoding="utf-8") == "".join(
        line for line in original.splitlines(keepends=True) if not line.startswith("post:"))

    output = build(site)
    assert comment_authors(output, POST + ".html")[-1] == "Zoe Quinn"
    assert feed(output / "comments/index.rss").entries[0].author == "Zoe Quinn"
    assert html(output / "comments/index.html").select("ol.recent-comments > li")[0].find(
        string=lambda s: "Zoe Quinn" in s) is not None


def test_approve_never_overwrites_and_accepts_the_file_name_as_id(site):
    queued = site / "comments-pending"
    queued.mkdir()
    for name in ("one", "two"):    # same author, same minute: the same file name in content/
        (queued / f"{name}.md").write_text(
            f"---\nauthor: Twin\ndate: 2014-03-01 09:00\npost: {POST}.html\n---\n{name}\n", encoding="utf-8")
    assert blog(site, "comments", "approve", "one").returncode == 0
    assert blog(site, "comments", "approve", "comments-pending/two.md").returncode == 0
    made = sorted(p.name for p in (site / COMMENTS).glob("*twin*"))
    assert made == ["20140301-0900-twin-2.md", "20140301-0900-twin.md"]
    bodies = sorted(front_matter(site / COMMENTS / n)[1] for n in made)
    assert bodies == ["one\n", "two\n"]


def test_approve_of_an_importer_comment_keeps_its_format(site):
    queued = site / "comments-pending"
    queued.mkdir()
    (queued / "diary-quiet-sunday-1393887600-1.md").write_text(
        "---\nauthor: Old Reader\ndate: 2014-03-04T10:00:00+11:00\nurl: http://old.example/\nformat: html\n"
        "post: /diary/quiet-sunday\n---\n<p>From the <b>old</b> blog.</p>", encoding="utf-8")
    assert blog(site, "comments", "approve", "diary-quiet-sunday-1393887600-1").returncode == 0
    [new] = (site / "content/diary/quiet-sunday.comments").glob("*old-reader.md")
    meta, body = front_matter(new)
    assert meta == {"author": "Old Reader", "date": meta["date"], "url": "http://old.example/", "format": "html"}
    output = build(site)
    page = html(output / "diary/quiet-sunday.html")
    last = page.select("section#comments .comment")[-1]
    assert text(last.select_one(".comment-body")) == "From the old blog."
    assert last.select_one(".comment-body b") is not None


@pytest.mark.parametrize("front, words", [
    (f"post: /diary/gone\nauthor: A\ndate: 2014-03-01 09:00", ["no-post.md", "/diary/gone"]),
    ("author: A\ndate: 2014-03-01 09:00", ["no-post.md", "post:"]),
    (f"post: {POST}\ndate: 2014-03-01 09:00", ["no-post.md", "no author"]),
    (f"post: {POST}\nauthor: A", ["no-post.md", "no date"]),
])
def test_approve_refuses_a_comment_that_would_break_the_build_and_keeps_it(site, front, words):
    queued = site / "comments-pending"
    queued.mkdir()
    (queued / "no-post.md").write_text(f"---\n{front}\n---\nBody\n", encoding="utf-8")
    one_error_line(blog(site, "comments", "approve", "no-post"), *words)
    assert (queued / "no-post.md").is_file()
    assert len(list((site / COMMENTS).glob("*.md"))) == 4


def test_approve_or_reject_of_an_unknown_id_is_one_line(site):
    one_error_line(blog(site, "comments", "approve", "nothing-here"), "nothing-here", "blog comments list")
    one_error_line(blog(site, "comments", "reject", "../config.yaml"), "blog comments list")
    assert (site / "config.yaml").is_file()


# -- reject ------------------------------------------------------------------------------------------------

def test_reject_says_what_it_deletes_then_deletes_it(site):
    assert blog(site, "comments", "add", "/diary/quiet-sunday", "--author", "Spammer",
                stdin="Buy cheap watches at http://spam.example/\nMore spam.\n").returncode == 0
    [pending] = queue(site)
    result = blog(site, "comments", "reject", pending.stem)
    assert result.returncode == 0, result.stderr
    said = result.stdout.strip()
    assert said.startswith(f"deleting comments-pending/{pending.name}")
    assert "Spammer" in said and "/diary/quiet-sunday" in said and "Buy cheap watches" in said
    assert not pending.exists()
    assert sorted(p.name for p in (site / "content/diary/quiet-sunday.comments").iterdir()) == ["1.md", "2.md"]


def test_reject_deletes_an_unreadable_file_too(site):
    queued = site / "comments-pending"
    queued.mkdir()
    (queued / "junk.md").write_text("not front matter at all\n", encoding="utf-8")
    result = blog(site, "comments", "reject", "junk")
    assert result.returncode == 0 and "deleting comments-pending/junk.md (unreadable" in result.stdout
    assert queue(site) == []
