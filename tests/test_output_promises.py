"""Exit 1 means output/ is exactly as it was, and files that are not blog's are never replaced or removed.

A clash between two outputs or with what is on disk, a full disk and a folder blog may not write are all found
before the first rename; a file blog did not write stops the build (unless --adopt); a manifest listing paths
outside output/ is ignored. Disk full is real: a small tmpfs when the tests run as root, RLIMIT_FSIZE
otherwise; permissions are real: a read-only bind mount as root, chmod otherwise."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.publish.writer import MANIFEST
from sitefactory import REPO, build, make_site, one_line_error, post, run_blog, snapshot

ROOT = os.geteuid() == 0




def posts(n: int, body: str = "Words.\n", start: int = 0) -> dict[str, str]:
    return {f"content/diary/day-{i}.md": post(f"Day {i}", f"2014-01-{1 + i % 28:02d} {i % 24:02d}:00", body,
                                              tags=["diary", f"t{i % 3}"]) for i in range(start, start + n)}


@pytest.fixture
def site(tmp_path) -> Path:
    site = make_site(tmp_path, posts(6), {"title": "Promises", "posts_per_page": 2})
    build(site)
    return site


# -- clashes between outputs -------------------------------------------------------------------------------

@pytest.mark.parametrize("rel, named", [
    ("content/404.html/new.md", "content/404.html/new.md"),
    ("content/robots.txt/new.md", "content/robots.txt/new.md"),
    ("content/index.rss/new.md", "content/index.rss/new.md"),
    ("content/sitemap.xml/new.md", "content/sitemap.xml/new.md"),
    ("content/diary/day-1.html/new.md", "content/diary/day-1.html/new.md"),
])
def test_a_category_named_like_a_file_the_site_writes_publishes_nothing(site, rel, named):
    (site / "content/static").mkdir()
    (site / "content/static/robots.txt").write_text("User-agent: *\n")
    build(site)
    before = snapshot(site / "output")
    (site / "content/diary/newest.md").write_text(post("Newest", "2015-01-01 10:00", "New.\n"))
    path = site / rel
    path.parent.mkdir(parents=True)
    path.write_text(post("Clash", "2015-01-02 10:00", "Clash.\n"))
    one_line_error(run_blog(site, "build"), named)
    assert snapshot(site / "output") == before


@pytest.mark.parametrize("tag", ["index.html", "index.rss"])
def test_a_tag_named_like_a_file_the_site_writes_publishes_nothing(site, tag):
    before = snapshot(site / "output")
    (site / "content/diary/tagged.md").write_text(post("Tagged", "2015-01-01 10:00", "x", tags=[tag]))
    result = run_blog(site, "build")
    if tag == "index.rss":   # /tags/index.rss/ clashes with nothing: it simply builds
        assert result.returncode == 0, result.stderr
        return
    one_line_error(result, "content/diary/tagged.md")
    assert snapshot(site / "output") == before


# -- clashes with what is on disk --------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["folder where a file goes", "file where a folder goes",
                                    "link where a folder goes"])
def test_something_in_the_way_on_disk_publishes_nothing(site, tmp_path, damage):
    output = site / "output"
    if damage == "folder where a file goes":
        (output / "diary/index.rss").unlink()
        (output / "diary/index.rss").mkdir()
        named = "diary/index.rss"
    elif damage == "file where a folder goes":
        (output / "tags/t0/index.html").unlink()
        (output / "tags/t0/index.rss").unlink()
        (output / "tags/t0").rmdir()
        (output / "tags/t0").write_text("mine")
        named = "tags/t0"
    else:
        outside = tmp_path / "elsewhere"
        outside.mkdir()
        for name in ("index.html", "index.rss"):
            (output / "tags/t0" / name).unlink()
        (output / "tags/t0").rmdir()
        (output / "tags/t0").symlink_to(outside)
        named = "tags/t0"
    before = snapshot(output)
    (site / "content/diary/newest.md").write_text(post("Newest", "2015-01-01 10:00", "New.\n", tags=["t0"]))
    one_line_error(run_blog(site, "build"), named)
    assert snapshot(output) == before
    if damage == "link where a folder goes":
        assert not any((tmp_path / "elsewhere").iterdir())


def test_output_being_a_file_is_one_line(tmp_path):
    site = make_site(tmp_path, posts(2))
    (site / "output").write_text("not a folder")
    one_line_error(run_blog(site, "build"), "output")
    assert (site / "output").read_text() == "not a folder"


# -- disk full -----------------------------------------------------------------------------------------------

@contextmanager
def small_file_system(tmp_path: Path, size_kb: int):
    """A folder on a file system of `size_kb` (tmpfs, as root); None when it cannot be made."""
    mount = tmp_path / "small"
    mount.mkdir()
    if not ROOT or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
                                  capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def run_limited(site: Path, *args: str, file_size: int | None = None) -> subprocess.CompletedProcess:
    """`blog ARGS`, with writes past `file_size` bytes failing (EFBIG: Python ignores SIGXFSZ)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def limit():
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=site, env=env, capture_output=True,
                          text=True, timeout=120, preexec_fn=limit)


@pytest.mark.parametrize("first", [True, False], ids=["first-build", "rebuild"])
def test_a_full_disk_publishes_nothing(tmp_path, first):
    site = make_site(tmp_path, posts(8, "A short post.\n"), {"posts_per_page": 3})
    with small_file_system(tmp_path, 600) as small:
        if small is not None:
            output = small / "out"
            if not first:
                assert run_blog(site, "build", "--quiet", "--output", str(output)).returncode == 0
            # Staging is inside output/ here (another file system than the cache): output/'s own time changes,
            # everything in it stays.
            before = snapshot(output) if not first else snapshot(small)
            big = "Lorem ipsum dolor sit amet. " * 400 + "\n"
            for rel, text in posts(60, big, start=100).items():
                (site / rel).write_text(text)
            result = run_blog(site, "build", "--output", str(output))
            one_line_error(result, "space")
            assert (snapshot(output) if not first else snapshot(small)) == before
        else:   # not root: the same promise under RLIMIT_FSIZE, writes past 20 KB failing
            output = site / "output"
            if not first:
                assert run_blog(site, "build", "--quiet").returncode == 0
            before = snapshot(output) if output.exists() else None
            big = "Lorem ipsum dolor sit amet. " * 1000 + "\n"
            (site / "content/diary/huge.md").write_text(post("Huge", "2015-01-01 10:00", big))
            result = run_limited(site, "build", file_size=20_000)
            one_line_error(result)
            assert (snapshot(output) if output.exists() else None) == before


# -- permissions ---------------------------------------------------------------------------------------------

@contextmanager
def unwritable(folder: Path):
    """`folder` may not be written in: read-only bind mount as root (root ignores modes), chmod otherwise."""
    if ROOT:
        if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode != 0:
            pytest.skip("cannot bind-mount here (root ignores file modes, so nothing else makes a folder read-only)")
        try:
            ok = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True)
            if ok.returncode != 0:
                pytest.skip("cannot make a read-only bind mount here")
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=False)
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)


@pytest.mark.parametrize("where", ["page", "page/2", "diary", "."])
def test_a_folder_blog_may_not_write_in_publishes_nothing(site, where):
    output = site / "output"
    before = snapshot(output)
    for rel, text in posts(3, "Newer.\n", start=50).items():   # every listing page changes
        (site / rel).write_text(text.replace("2014-01", "2015-01"))
    with unwritable(output / where):
        result = run_blog(site, "build")
        one_line_error(result, "permissions")
        assert snapshot(output) == before
    assert run_blog(site, "build", "--quiet").returncode == 0


# -- files that are not blog's ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["index.html", "robots.txt", "sitemap.xml", "diary/day-1.html"])
def test_a_first_build_never_replaces_a_file_blog_did_not_write(tmp_path, name):
    site = make_site(tmp_path, {**posts(3), "content/static/robots.txt": "User-agent: *\n"})
    mine = site / "output" / name
    mine.parent.mkdir(parents=True)
    mine.write_text("my own file")
    (site / "output/.blog-tmp-mine").write_text("mine too")
    before = snapshot(site / "output")
    one_line_error(run_blog(site, "build"), name, "--adopt")
    assert snapshot(site / "output") == before
    # --adopt: blog takes the place; files it never wants stay, temporary-looking or not.
    result = run_blog(site, "build", "--adopt", "--quiet")
    assert result.returncode == 0, result.stderr
    assert mine.read_text() != "my own file"
    assert (site / "output/.blog-tmp-mine").read_text() == "mine too"
    assert run_blog(site, "build", "--quiet").returncode == 0
    assert (site / "output/.blog-tmp-mine").read_text() == "mine too"


def test_a_hand_made_file_is_never_replaced_by_a_new_post_nor_removed_when_its_neighbour_goes(site):
    mine = site / "output/diary/hello.html"
    mine.write_text("hand made")
    before = snapshot(site / "output")
    (site / "content/diary/hello.md").write_text(post("Hello", "2015-01-01 10:00", "x"))
    one_line_error(run_blog(site, "build"), "diary/hello.html", "content/diary/hello.md")
    assert snapshot(site / "output") == before
    (site / "content/diary/hello.md").unlink()
    for n in range(6):   # every post of the folder goes: the hand-made file and so its folder stay
        (site / f"content/diary/day-{n}.md").unlink()
    result = run_blog(site, "build")
    assert result.returncode == 0, result.stderr
    assert mine.read_text() == "hand made"
    assert "diary/hello.html" in result.stderr   # said, once


@pytest.mark.parametrize("bad", ["/tmp/x", "../x", "../../outside/x", "diary/../../x", "./diary/day-1.html",
                                 "diary//day-1.html", "", ".blog-tmp-0123456789abcdef/x", 7])
def test_a_manifest_listing_paths_outside_output_is_ignored_with_a_warning(site, tmp_path, bad):
    victim = tmp_path / "x"
    victim.write_text("keep me")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_text("keep me too")
    manifest = site / "output" / MANIFEST
    data = json.loads(manifest.read_text())
    data["files"][bad if isinstance(bad, str) else "x"] = ["k", 7] if isinstance(bad, str) else bad
    data["files"].pop("diary/day-5.html")   # so the build would want to remove things
    manifest.write_text(json.dumps(data))
    (site / "content/diary/day-4.md").unlink()
    result = run_blog(site, "build", "--adopt")
    assert result.returncode == 0, result.stderr
    if isinstance(bad, str):
        assert "warning: " in result.stderr and MANIFEST in result.stderr
    assert victim.read_text() == "keep me" and (outside / "x").read_text() == "keep me too"
    # The manifest written now is blog's own again.
    again = run_blog(site, "build", "--quiet")
    assert again.returncode == 0 and again.stderr == "", again.stderr


def test_a_killed_build_leaves_no_staging_behind_after_the_next_build(tmp_path):
    """Staging in output/ (another file system than the cache) has a name chosen for the build, recorded in
    the cache: the next build removes that one, never another that looks alike."""
    with small_file_system(tmp_path, 4096) as small:
        if small is None:
            pytest.skip("needs a second file system (root)")
        site = make_site(tmp_path, posts(4))
        output = small / "out"
        output.mkdir()
        (output / ".blog-tmp-0123456789abcdef").mkdir()   # looks like ours, is not
        (output / ".blog-tmp-0123456789abcdef/x").write_text("mine")
        env = {**os.environ, "PYTHONPATH": str(REPO), "BLOG_WORKERS": "1"}
        process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--output", str(output)],
                                   cwd=site, env=env)
        process.wait()
        staged = [p for p in output.iterdir() if p.name.startswith(".blog-tmp-") and p.name != ".blog-tmp-0123456789abcdef"]
        assert not staged
        assert (output / ".blog-tmp-0123456789abcdef/x").read_text() == "mine"


def test_a_rebuild_staged_inside_output_gives_what_a_full_build_gives(tmp_path):
    """With the cache on another file system, a rebuild stages inside output/: a changed file whose folder is
    there already is staged flat and renamed alone, a new folder is moved whole. Same files as a full build,
    unchanged files untouched, no staging left behind."""
    with small_file_system(tmp_path, 8192) as small:
        if small is None:
            pytest.skip("needs a second file system (root)")
        site = make_site(tmp_path, posts(5), {"title": "Flat", "posts_per_page": 2})
        output = build(site, output=small / "out")
        before = snapshot(output)
        (site / "content/diary/day-1.md").write_text(post("Day 1", "2014-01-02 01:00", "New words.\n",
                                                          tags=["diary", "t1"]))
        (site / "content/book/ringo/new.md").parent.mkdir(parents=True)
        (site / "content/book/ringo/new.md").write_text(post("New", "2014-02-01 09:00", "Hi.\n", tags=["fresh"]))
        build(site, output=output)
        after = snapshot(output)
        full = build(site, output=small / "full")
        assert {p: v[0::3] for p, v in after.items()} == {p: v[0::3] for p, v in snapshot(full).items()}
        assert not [p for p in after if ".blog-tmp-" in p]
        changed = {p for p in before if p in after and before[p][3] != after[p][3]}
        assert "diary/day-1.html" in changed and "book/ringo/new.html" in after
        assert all(before[p][1:3] == after[p][1:3] for p in before.keys() & after.keys() - changed
                   if before[p][3] is not None)
