"""A half-done build never shows: a build killed at any moment leaves each file in output/ as the old or the new
version, never part of one; a failed build publishes nothing; a damaged cache is noticed and rebuilt."""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.synth import make_blog
from generator.publish.cache import CACHE_DIR, RECORDS, BuildCache
from generator.publish.writer import MANIFEST, PENDING, TEMP_PREFIX
from sitefactory import REPO, build, make_site, post, run_blog, snapshot

KILLS = 6


def tree(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and p.name != MANIFEST}



def set_version(site: Path, posts: list[Path], version: str) -> None:
    """Edit many posts to version 'A' or 'B'. Both have the same length, so every page keeps its size: a
    stale file can then only be told from a fresh one by its bytes."""
    for path in posts:
        text = path.read_text(encoding="utf-8")
        text = text.rsplit("\n\nVersion ", 1)[0]
        path.write_text(f"{text}\n\nVersion {version * 3}.\n", encoding="utf-8")


def clean_tree(site: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    copy = tmp_path / name
    subprocess.run(["cp", "-a", str(site), str(copy)], check=True)
    for leftover in ("output", CACHE_DIR):
        subprocess.run(["rm", "-rf", str(copy / leftover)], check=True)
    return tree(build(copy))


def stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def start_build(site: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--quiet"], cwd=site, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def assert_each_file_is_a_whole_version(output: Path, versions: list[dict[str, bytes]]) -> None:
    for path in sorted(output.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(output).as_posix()
        if rel in (MANIFEST, PENDING):
            json.loads(path.read_text(encoding="utf-8"))     # replaced whole too: it always parses
        elif not path.name.startswith(TEMP_PREFIX):          # a killed write's temporary file is no page
            data = path.read_bytes()
            assert any(v.get(rel) == data for v in versions), f"{rel} is neither the old nor the new version"


# -- killed builds ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_old_or_new_files(tmp_path):
    site = tmp_path / "blog"
    make_blog(site, 300, seed=5)
    posts = sorted(p for p in (site / "content").rglob("*.md") if not p.parent.name.endswith(".comments"))
    edited = posts[::2]
    set_version(site, edited, "A")
    started = time.monotonic()
    assert run_blog(site, "build", "--quiet").returncode == 0
    duration = time.monotonic() - started
    versions = {"A": tree(site / "output")}
    set_version(site, edited, "B")
    versions["B"] = clean_tree(site, tmp_path, "clean-b")
    assert len(versions["A"]) == len(versions["B"]) > 1000
    changed = [p for p in versions["A"] if versions["A"][p] != versions["B"][p]]
    assert len(changed) > 200

    # Kill builds, switching the posts between the two versions each time: half at a random moment, half just
    # after publishing began (the list of files being replaced is put in place first). At every moment each
    # file must be one version or the other, whatever mix of them the killed builds left.
    rng = random.Random(5)
    mixed = 0
    for attempt in range(KILLS):
        set_version(site, edited, "AB"[attempt % 2 == 0])
        pending = stamp(site / "output" / PENDING)
        process = start_build(site)
        if attempt % 2:
            time.sleep(rng.uniform(0.0, duration))
        else:
            while process.poll() is None and stamp(site / "output" / PENDING) in (pending, None):
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.004))   # publishing 200 files swaps them in a few ms
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert_each_file_is_a_whole_version(site / "output", list(versions.values()))
        now = tree(site / "output")
        mixed += {"A", "B"} <= {v for p in changed for v in versions if now.get(p) == versions[v][p]}
    assert mixed, "no kill landed while files were being replaced"

    # Back to A after killed builds of B: the next build finishes and gives exactly A, with no temporary
    # file left anywhere.
    set_version(site, edited, "A")
    result = run_blog(site, "build", "--quiet", "--wait", "120")
    assert result.returncode == 0, result.stderr
    assert tree(site / "output") == versions["A"]
    assert not [p for p in (site / "output").rglob(TEMP_PREFIX + "*")]


def test_a_folder_in_the_way_is_found_before_anything_is_published_then_the_build_repairs(tmp_path):
    """A folder someone made where a feed goes used to stop the build part way through moving files into place
    (some files new, the rest old). It is now found while planning: nothing is published; once it is gone,
    the next build gives exactly what a clean build does."""
    site = make_site(tmp_path, {f"content/diary/day-{n}.md": post(f"Day {n}", f"2014-02-{n + 1:02d} 10:00",
                                                                 f"Day {n}, first version.\n", tags=["diary"])
                                for n in range(6)},
                     {"title": "Stopped", "posts_per_page": 2})
    output = build(site)
    (output / "diary/index.rss").unlink()
    (output / "diary/index.rss").mkdir()          # feeds are moved into place after the HTML pages
    before = snapshot(output)

    edited = site / "content/diary/day-3.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Day 3, first", "Day 3, fresh"), encoding="utf-8")
    result = run_blog(site, "build")
    assert result.returncode == 1 and "diary/index.rss" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(output) == before

    (output / "diary/index.rss").rmdir()
    build(site)
    assert tree(output) == clean_tree(site, tmp_path, "clean")


# -- failed builds ----------------------------------------------------------------------------------------

@pytest.fixture
def small_site(tmp_path) -> Path:
    site = make_site(tmp_path, {
        "content/diary/hello.md": post("Hello", "2014-02-24 17:04", "The first post.\n", tags=["diary"]),
        "content/book/citadel.md": post("Citadel", "2014-02-25 09:00", "A book.\n", tags=["book"],
                                        isbn="9781439134054"),
        "content/book/other.md": post("Other", "2014-02-26 09:00", "Another.\n", tags=["book"]),
    }, {"title": "Safety", "timezone": "UTC", "posts_per_page": 2})
    build(site)
    return site


def test_files_a_stopped_build_was_replacing_are_made_again(small_site):
    """A build stopped while replacing files leaves the list of them (output/.blog-manifest-pending.json) and the
    old manifest. The next build trusts none of their entries: here a file holds the stopped build's bytes while
    the content went back to what the manifest was made from, at the very same size."""
    hello = small_site / "content/diary/hello.md"
    page = small_site / "output/diary/hello.html"
    hello.write_text(post("Hello", "2014-02-24 17:04", "The fresh post.\n", tags=["diary"]), encoding="utf-8")
    build(small_site)
    stopped = page.read_bytes()
    hello.write_text(post("Hello", "2014-02-24 17:04", "The first post.\n", tags=["diary"]), encoding="utf-8")
    build(small_site)
    made = page.read_bytes()
    assert len(made) == len(stopped) and made != stopped
    # What a build of the fresh post leaves when stopped after renaming this file, before its manifest.
    page.write_bytes(stopped)
    (small_site / "output" / PENDING).write_text(json.dumps({"version": 1, "paths": ["diary/hello.html"]}))
    old = time.time() - 3600   # nothing changed since: the build must not take the short way either
    os.utime(hello, (old, old))
    build(small_site)
    assert page.read_bytes() == made
    assert not (small_site / "output" / PENDING).exists()


def test_a_file_a_stopped_build_added_is_blogs(small_site, tmp_path):
    """A stopped build may have put a new page in place before the manifest that would list it: its list names
    it, so the next build owns it (replaces it, says nothing of a file blog did not write)."""
    (small_site / "content/diary/new.md").write_text(post("New", "2014-02-27 09:00", "New.\n", tags=["diary"]),
                                                     encoding="utf-8")
    (small_site / "output/diary/new.html").write_text("half a build ago")
    (small_site / "output" / PENDING).write_text(json.dumps({"version": 1, "paths": ["diary/new.html",
                                                                                     "../outside.html"]}))
    result = run_blog(small_site, "build")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert tree(small_site / "output") == clean_tree(small_site, tmp_path, "clean")
    assert not (small_site / "output" / PENDING).exists()


def test_a_first_build_stopped_before_its_manifest_is_repaired(small_site, tmp_path):
    """A first build stopped after moving its files into place, before writing the first manifest: its list
    names them, so the next build owns them all and finishes without --adopt."""
    manifest = json.loads((small_site / "output" / MANIFEST).read_text())
    (small_site / "output" / MANIFEST).unlink()
    (small_site / "output" / PENDING).write_text(json.dumps({"version": 1, "paths": sorted(manifest["files"])}))
    result = run_blog(small_site, "build")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert tree(small_site / "output") == clean_tree(small_site, tmp_path, "clean")
    assert not (small_site / "output" / PENDING).exists()


def test_a_stopped_builds_list_is_carried_until_a_manifest_is_in_place(small_site, monkeypatch):
    """A build that finds a stopped build's list and is itself stopped before its manifest is in place must list
    those files again with its own: the old manifest still vouches for them."""
    from generator.build import BuildOptions, build as build_now
    from generator.publish import writer

    (small_site / "output" / PENDING).write_text(json.dumps({"version": 1, "paths": ["diary/hello.html"]}))
    other = small_site / "content/book/other.md"
    other.write_text(post("Other", "2014-02-26 09:00", "Edited.\n", tags=["book"]), encoding="utf-8")

    def stopped(self, paths):
        raise RuntimeError("stopped")

    monkeypatch.setattr(writer.OutputWriter, "_move_staged", stopped)
    with pytest.raises(RuntimeError):
        build_now(BuildOptions(site_dir=small_site), warn=lambda line: None)
    listed = json.loads((small_site / "output" / PENDING).read_text())["paths"]
    assert "diary/hello.html" in listed and "book/other.html" in listed


@pytest.mark.parametrize("pending", ["not json", '{"paths": "diary/hello.html"}', "[1, 2]", ""])
def test_an_unreadable_pending_list_trusts_no_entry(small_site, tmp_path, pending):
    """A list that does not parse could have named any file: every page is made again (and found unchanged),
    the list goes, and nothing else does."""
    before = snapshot(small_site / "output")
    page = small_site / "output/diary/hello.html"
    page.write_bytes(page.read_bytes().replace(b"The first post.", b"The stale post."))
    (small_site / "output" / PENDING).write_text(pending)
    result = run_blog(small_site, "build")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert not (small_site / "output" / PENDING).exists()
    assert b"The first post." in page.read_bytes()
    assert tree(small_site / "output") == clean_tree(small_site, tmp_path, "clean")
    assert set(snapshot(small_site / "output")) == set(before)


def test_a_build_with_bad_front_matter_changes_nothing_in_output(small_site):
    before = snapshot(small_site / "output")
    # A good edit that a successful build would publish, and a bad file beside it.
    (small_site / "content/diary/hello.md").write_text(post("Hello again", "2014-02-24 17:04", "Edited.\n"),
                                                       encoding="utf-8")
    (small_site / "content/diary/broken.md").write_text("---\ntitle: [unclosed\ndate: 2014-02-27 10:00\n---\n",
                                                        encoding="utf-8")
    result = run_blog(small_site, "build")
    assert result.returncode == 1
    assert result.stdout == ""
    assert re.match(r"error: content/diary/broken\.md:\d+: .*YAML", result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert snapshot(small_site / "output") == before


def test_a_build_failing_half_way_through_rendering_changes_nothing(small_site):
    before = snapshot(small_site / "output")
    # Every page changes (a new block template), and the one for the post with an ISBN fails to render,
    # after other pages were already rendered and staged.
    theme = REPO / "themes/default/templates/post_block.html"
    override = small_site / "templates/post_block.html"
    override.parent.mkdir()
    override.write_text(theme.read_text(encoding="utf-8").replace(
        '{{ post.fields["isbn"] }}', '{{ post.fields["isbn"] + 1 }}') + "<!-- changed -->\n", encoding="utf-8")
    result = run_blog(small_site, "build")
    assert result.returncode == 1, result.stdout
    assert "templates/post_block.html" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(small_site / "output") == before
    assert not (small_site / CACHE_DIR / "staging").exists()


# -- damaged caches ---------------------------------------------------------------------------------------

class Exploit:
    """Unpickling this would run a command; the cache must refuse to."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def garbage(db: Path, tmp_path: Path) -> None:
    db.write_bytes(random.Random(1).randbytes(db.stat().st_size))


def scribbled(db: Path, tmp_path: Path) -> None:
    """Random bytes over pages in the middle: the header is intact, so only a query that reads them sees it."""
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.seek(size // 3)
        f.write(random.Random(2).randbytes(size // 3))


def flipped_letters(db: Path, tmp_path: Path) -> None:
    """A few letters of stored HTML changed: still valid text, so only a checksum can tell."""
    data = db.read_bytes()
    at = data.index(b"Words. Words.", len(data) // 2)
    db.write_bytes(data[:at] + b"Wards" + data[at + 5:])


def truncated(db: Path, tmp_path: Path) -> None:
    with open(db, "r+b") as f:
        f.truncate(db.stat().st_size // 2)


def foreign_version(db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db) as con:
        con.execute("UPDATE meta SET v = 'blog-cache 0 0.0.1' WHERE k = 'schema'")
    con.close()


def disallowed_class(db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db) as con:
        names = [name for (name,) in con.execute("SELECT name FROM blobs")]
        assert RECORDS in names
        for name in names:
            con.execute("UPDATE blobs SET data = ? WHERE name = ?",
                        (pickle.dumps(Exploit(tmp_path / "exploited")), name))
    con.close()


def wrong_shape(db: Path, tmp_path: Path) -> None:
    """Allowed classes, nonsense content: each file's stat is right but its record is a string."""
    cache = BuildCache(db.parent.parent)
    records, base = cache.load_records()
    assert len(records) > 40
    cache.save_records({rel: (*entry[:-1], "not a post") for rel, entry in records.items()}, base)
    cache.close()


@pytest.mark.parametrize("damage", [garbage, scribbled, flipped_letters, truncated, foreign_version,
                                    disallowed_class, wrong_shape])
def test_a_damaged_cache_is_noticed_rebuilt_and_the_output_is_right(small_site, tmp_path, damage):
    # Enough rendered HTML that the file has many pages to lose.
    (small_site / "content/notes").mkdir()
    for n in range(40):
        (small_site / f"content/notes/note-{n}.md").write_text(
            post(f"Note {n}", f"2014-01-{n % 28 + 1:02d} 08:{n:02d}", f"Note *{n}*.\n\n" + "Words. " * 300,
                 tags=["notes"]), encoding="utf-8")
    # Saved an hour ago, so the cache trusts each file's stat and would use its records without reading it.
    hour_ago = time.time() - 3600
    for path in (small_site / "content").rglob("*.md"):
        os.utime(path, (hour_ago, hour_ago))
    build(small_site)
    db = small_site / CACHE_DIR / "cache.sqlite"
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0
    damage(db, tmp_path)
    # An edit, and a new site title so that every page is rendered again from whatever the cache still holds.
    (small_site / "content/book/other.md").write_text(post("Other", "2014-02-26 09:00", "Edited *body*.\n",
                                                           tags=["book"]), encoding="utf-8")
    config = small_site / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: Safety", "title: Safety 2"),
                      encoding="utf-8")

    result = run_blog(small_site, "build")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    if damage is not wrong_shape:
        assert "cache" in result.stderr and "rebuilding it" in result.stderr, result.stderr
    assert not (tmp_path / "exploited").exists()
    assert "Edited <em>body</em>." in (small_site / "output/book/other.html").read_text(encoding="utf-8")
    assert tree(small_site / "output") == clean_tree(small_site, tmp_path, "clean")

    again = run_blog(small_site, "build")
    assert again.returncode == 0 and again.stderr == "", "the rebuilt cache is not trusted either"
    assert again.stdout.split(":")[1].strip().startswith("0 files written")


def test_output_on_another_file_system_is_published_file_by_file(tmp_path):
    """Staged folders are moved into output/ whole where it has none; across file systems a rename cannot
    move them, and the files are copied in instead, first build and later ones alike."""
    other = Path("/dev/shm")
    if not other.is_dir() or other.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on a file system other than the test's temporary folder")
    site = make_site(tmp_path, {"content/a/b/one.md": post("One", "2014-02-24 17:04", "first", tags=["x"])})
    import tempfile
    elsewhere = Path(tempfile.mkdtemp(prefix="blog-exdev-", dir=other))
    try:
        build(site, output=elsewhere / "out")
        (site / "content/a/c/two.md").parent.mkdir(parents=True)
        (site / "content/a/c/two.md").write_text(post("Two", "2014-02-25 09:00", "second", tags=["x"]))
        build(site, output=elsewhere / "out")
        assert tree(elsewhere / "out") == clean_tree(site, tmp_path, "clean")
        assert (elsewhere / "out/a/c/two.html").is_file()
    finally:
        subprocess.run(["rm", "-rf", str(elsewhere)], check=True)
