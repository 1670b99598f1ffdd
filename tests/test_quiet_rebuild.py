"""A build that finds no file changed reads no records (content/inputs.py), yet stays exactly as right as one
that reads them all: the clock still publishes a scheduled post or comment and closes a post's comments, a
warning is said on every build, and any file touched, added or removed sends the build the long way.

Files are dated an hour back first: a file changed in the last moments has a stat the build does not trust, and
the short way is never taken while one does.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.build import BuildOptions, build
from generator.publish.cache import BuildCache
from sitefactory import html, make_site, post, snapshot, text

UTC = ZoneInfo("UTC")
FORM = {"form_url": "https://blog.example.org/comment", "close_after_days": 10}


def age(site: Path) -> None:
    """Every file of content/ dated an hour back, each a second apart (so an edit's new stat differs)."""
    stamp = time.time() - 3600
    for i, path in enumerate(sorted((site / "content").rglob("*"))):
        os.utime(path, (stamp + i, stamp + i))


def run(site: Path, when: str, said: list[str] | None = None):
    now = datetime.fromisoformat(when).replace(tzinfo=UTC)
    return build(BuildOptions(site_dir=site, now=now), warn=(said.append if said is not None else lambda m: None))


@pytest.fixture
def no_records(monkeypatch):
    """Within the block, reading the records fails the test: the build must take the short way."""
    def refuse(self):
        raise AssertionError("the build read the records")

    class Guard:
        def __enter__(self):
            monkeypatch.setattr(BuildCache, "load_records", refuse)

        def __exit__(self, *exc):
            monkeypatch.undo()

    return Guard()


@pytest.fixture
def site(tmp_path) -> Path:
    site = make_site(tmp_path, {
        "content/diary/old.md": post("Old", "2014-02-01 10:00", "Old.\n", tags=["diary"]),
        "content/diary/new.md": post("New", "2014-02-20 10:00", "New.\n", tags=["diary"]),
        "content/diary/later.md": post("Later", "2014-03-01 10:00", "Scheduled.\n", tags=["diary"]),
        "content/diary/new.comments/c1.md": "---\nauthor: Ann\ndate: 2014-02-21 09:00\n---\nFirst.\n",
        "content/diary/new.comments/c2.md": "---\nauthor: Bob\ndate: 2014-02-26 09:00\n---\nScheduled comment.\n",
    }, {"title": "Quiet", "comments": FORM})
    age(site)
    return site


def front_titles(site: Path) -> list[str]:
    return [text(a) for a in html(site / "output/index.html").select("article h2 a")]


def test_the_clock_publishes_and_closes_without_a_file_changing(site, no_records):
    run(site, "2014-02-22 12:00")
    assert "Later" not in front_titles(site)
    assert html(site / "output/diary/new.html").select_one("section.comment-form form") is not None
    with no_records:   # nothing is due before 26 February
        result = run(site, "2014-02-25 12:00")
    assert result.stats.written == 0
    assert "Scheduled comment" not in text(html(site / "output/diary/new.html"))

    run(site, "2014-02-26 12:00")   # the comment's time: the long way, and it is shown
    assert "Scheduled comment" in text(html(site / "output/diary/new.html"))
    with no_records:
        run(site, "2014-02-27 12:00")

    run(site, "2014-03-01 12:00")   # 'Later' is due, and 'New' is 9 days old, its form still open
    assert front_titles(site)[0] == "Later"
    assert html(site / "output/diary/new.html").select_one("section.comment-form form") is not None
    with no_records:
        run(site, "2014-03-02 09:00")
    run(site, "2014-03-02 11:00")   # 10 days and an hour after 'New': its comments close
    page = html(site / "output/diary/new.html")
    assert page.select_one("section.comment-form form") is None
    assert "Comments are closed" in text(page.select_one(".comment-form"))


def test_a_clock_set_back_takes_the_long_way_and_takes_posts_down(site, no_records):
    run(site, "2014-03-05 12:00")
    assert "Later" in front_titles(site)
    said: list[str] = []
    run(site, "2014-02-25 12:00", said)
    assert "Later" not in front_titles(site)
    assert any("earlier than the last build's" in line for line in said)


def test_warnings_are_said_again_by_a_build_that_reads_nothing(site, no_records):
    (site / "content/notes").mkdir()
    (site / "content/notes/stray.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (site / "content/ghost.comments").mkdir()
    (site / "content/ghost.comments/c.md").write_text("---\nauthor: A\ndate: 2014-02-21 09:00\n---\nHi.\n")
    age(site)
    first: list[str] = []
    run(site, "2014-02-22 12:00", first)
    assert any("stray.png" in line for line in first) and any("ghost.comments" in line for line in first)
    again: list[str] = []
    with no_records:
        run(site, "2014-02-22 13:00", again)
    assert again == first


@pytest.mark.parametrize("change", ["edit", "add", "remove", "touch"])
def test_any_file_changed_takes_the_long_way(site, change):
    run(site, "2014-02-22 12:00")
    target = site / "content/diary/old.md"
    if change == "edit":
        target.write_text(post("Old, retitled", "2014-02-01 10:00", "Old.\n", tags=["diary"]))
    elif change == "add":
        (site / "content/diary/extra.md").write_text(post("Extra", "2014-02-21 10:00", "x\n"))
    elif change == "remove":
        target.unlink()
    else:
        os.utime(target)   # same bytes, new time: read again, and nothing to write
    age(site)
    result = run(site, "2014-02-22 13:00")
    titles = front_titles(site)
    expected = {"edit": "Old, retitled", "add": "Extra", "remove": None, "touch": "Old"}[change]
    if expected:
        assert expected in titles
    else:
        assert "Old" not in titles and not (site / "output/diary/old.html").exists()
    assert (result.stats.written == 0) == (change == "touch")


@pytest.mark.parametrize("damage", [{"since": "yesterday"}, {"until": "tomorrow"}, {"warnings": [1]},
                                    {"shown": None}, {"key": None}, "drop key"])
def test_a_remembered_key_of_another_shape_is_ignored(site, damage):
    """Its listing and settings match (nothing changed), so the rest of it is what the build would trust."""
    run(site, "2014-02-22 12:00")
    cache = BuildCache(site)
    blob = cache.get_blob("inputs")
    assert isinstance(blob, dict) and blob["listing"]
    if damage == "drop key":
        del blob["key"]
    else:
        blob.update(damage)
    cache.put_blob("inputs", blob)
    cache.close()
    result = run(site, "2014-02-22 13:00")
    assert result.stats.written == 0 and front_titles(site) == ["New", "Old"]


def test_a_site_moved_to_another_folder_rewrites_nothing(site, tmp_path, no_records):
    """Nothing in the remembered key is an absolute path: a site moved or restored from a backup with its output
    and cache, times kept, is found as it was (content/static/ included, whose folder was once in the key)."""
    (site / "content/static").mkdir()
    (site / "content/static/robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    age(site)
    run(site, "2014-02-22 12:00")
    moved = tmp_path / "elsewhere" / "site"
    shutil.copytree(site, moved, symlinks=True)   # copy2: modification times kept
    before = snapshot(moved / "output")
    with no_records:
        run(moved, "2014-02-22 12:05")
    assert snapshot(moved / "output") == before


def test_a_new_version_of_blog_takes_the_long_way_once(site, monkeypatch):
    """A pull or an upgrade changes blog's own files: its first build reads the records (so a change of the
    record's or the cache's form is seen), and the next is quiet again."""
    from generator.content import inputs

    reads = []
    load = BuildCache.load_records
    monkeypatch.setattr(BuildCache, "load_records", lambda self: reads.append(1) or load(self))
    run(site, "2014-02-22 12:00")
    run(site, "2014-02-22 12:01")
    assert len(reads) == 1
    monkeypatch.setattr(inputs, "code_key", lambda: "another version of blog")
    run(site, "2014-02-22 12:02")
    assert len(reads) == 2
    run(site, "2014-02-22 12:03")
    assert len(reads) == 2
