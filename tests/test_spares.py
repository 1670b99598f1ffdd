"""Spare files (publish/spares.py): a page whose file exists is written over a spare the last build left in the
cache and swapped into place, the old file becoming the spare, so that a rebuild makes and frees no file. The
output is byte for byte a clean build's; what a spare is, holds or shares is never written through; a failed
build publishes nothing; where the system cannot swap, pages are renamed into place as before."""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import subprocess
from pathlib import Path

import pytest

from generator.publish import spares
from generator.publish.cache import CACHE_DIR
from generator.publish.writer import MANIFEST
from sitefactory import build, make_site, one_line_error, post, run_blog, snapshot


def tree(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def inodes(*folders: Path) -> set[int]:
    """Of the pages and the spares (the manifest is staged and renamed in whole each build)."""
    return {p.lstat().st_ino for folder in folders for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST}


@pytest.fixture
def site(tmp_path) -> Path:
    files = {f"content/diary/day-{i}.md": post(f"Day {i}", f"2014-01-{1 + i:02d} 10:00", f"Day {i}.\n",
                                               tags=["diary", f"t{i % 3}"]) for i in range(23)}
    site = make_site(tmp_path, files, {"title": "Spares", "posts_per_page": 2})
    retitle(site, "A")
    build(site)
    return site


def retitle(site: Path, version: str) -> None:
    """The newest post's title, in two versions of one length: shown on its neighbours' pages, the listings,
    its tags' and dates' pages and the feeds, so a few dozen existing files change each time."""
    (site / "content/diary/day-23.md").write_text(post(f"Newest {version * 4}", "2014-01-24 10:00", "Newest.\n",
                                                       tags=["diary", "t2"]))


def clean(site: Path, tmp_path: Path) -> dict[str, bytes]:
    copy = tmp_path / "clean"
    copy.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(site), str(copy)], check=True)
    subprocess.run(["rm", "-rf", str(copy / "output"), str(copy / CACHE_DIR)], check=True)
    return tree(build(copy))


@pytest.fixture
def spared(site) -> Path:
    """The site after two rebuilds that changed the same files: the spares are the files the second replaced."""
    retitle(site, "B")
    build(site)
    retitle(site, "A")
    build(site)
    assert len(list((site / CACHE_DIR / spares.FOLDER).iterdir())) > 20
    return site


def test_a_rebuild_swaps_its_pages_in_and_keeps_the_replaced_files_as_spares(site, tmp_path):
    output, folder = site / "output", site / CACHE_DIR / spares.FOLDER
    before = {path: (output / path).stat().st_ino for path in tree(output)}
    old = tree(output)
    retitle(site, "B")
    build(site)
    new = tree(output)
    replaced = [path for path in old if path in new and old[path] != new[path]]
    assert len(replaced) > 20
    # Each replaced file is now a spare, itself (its inode) with its bytes, and nothing else is.
    kept = {p.stat().st_ino: p.read_bytes() for p in folder.iterdir()}
    assert kept == {before[path]: old[path] for path in replaced}
    assert new == clean(site, tmp_path / "b")

    # The same pages changed back: written over those spares and swapped in, no file made or freed.
    every = inodes(output, folder)
    retitle(site, "A")
    build(site)
    assert inodes(output, folder) == every
    assert tree(output) == old
    # ... and again: the files the last build replaced are written over in their turn.
    retitle(site, "B")
    build(site)
    assert inodes(output, folder) == every
    assert tree(output) == new
    assert run_blog(site, "build").stdout.startswith("24 posts: 0 files written")


def test_the_spares_kept_are_capped(site, monkeypatch):
    monkeypatch.setattr(spares, "MIN_SPARES", 5)
    monkeypatch.setattr(spares, "SHARE", 1000)
    retitle(site, "B")
    build(site)
    assert len(list((site / CACHE_DIR / spares.FOLDER).iterdir())) == 5


def test_a_spare_that_is_a_link_is_never_written_through(spared, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not blog's\n")
    folder = spared / CACHE_DIR / spares.FOLDER
    for spare in folder.iterdir():
        spare.unlink()
        spare.symlink_to(outside)
    retitle(spared, "B")
    build(spared)
    assert outside.read_text() == "not blog's\n"
    assert tree(spared / "output") == clean(spared, tmp_path)


def test_a_spare_sharing_its_file_with_another_name_is_never_written_into(spared, tmp_path):
    folder = spared / CACHE_DIR / spares.FOLDER
    links = tmp_path / "links"
    links.mkdir()
    held = {}
    for spare in folder.iterdir():
        os.link(spare, links / spare.name)
        held[spare.name] = spare.read_bytes()
    retitle(spared, "C")   # not what the spares hold (B): bytes written through would show
    build(spared)
    assert {p.name: p.read_bytes() for p in links.iterdir()} == held
    assert tree(spared / "output") == clean(spared, tmp_path)


def test_a_file_in_output_with_a_second_name_keeps_its_bytes_there(spared, tmp_path):
    """A backup made with hard links (cp -al, rsnapshot) keeps the old version through builds that swap."""
    backup = tmp_path / "backup"
    subprocess.run(["cp", "-al", str(spared / "output"), str(backup)], check=True)
    old = tree(backup)
    for version in "BCD":   # each unlike what the spares hold
        retitle(spared, version)
        build(spared)
    assert tree(backup) == old
    assert tree(spared / "output") == clean(spared, tmp_path)


def test_a_spare_that_is_a_folder_is_left_alone(spared, tmp_path):
    folder = spared / CACHE_DIR / spares.FOLDER
    spare = sorted(folder.iterdir())[0]
    spare.unlink()
    spare.mkdir()
    (spare / "kept.txt").write_text("kept\n")
    retitle(spared, "B")
    build(spared)
    assert (spare / "kept.txt").read_text() == "kept\n"
    assert tree(spared / "output") == clean(spared, tmp_path)


def test_pages_written_over_spares_get_a_new_file_s_mode(spared):
    """A spare was a file of output/ whose mode may have been changed by hand: a page written over it gets the
    mode a new file gets, as a renamed file did."""
    folder = spared / CACHE_DIR / spares.FOLDER
    for spare in folder.iterdir():
        spare.chmod(0o600)
    mask = os.umask(0o022)
    try:
        retitle(spared, "B")
        build(spared)
    finally:
        os.umask(mask)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (spared / "output").rglob("*") if p.is_file()}
    assert modes == {0o644}


def test_a_build_failing_after_it_wrote_spares_publishes_nothing(spared, tmp_path):
    folder = spared / CACHE_DIR / spares.FOLDER
    written = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    before = snapshot(spared / "output")
    listing = Path(__file__).resolve().parent.parent / "themes/default/templates/listing.html"
    (spared / "templates").mkdir()
    broken = listing.read_text().replace("{% block content %}", "{% block content %}{{ none.missing.attribute }}")
    (spared / "templates/listing.html").write_text(broken)
    retitle(spared, "B")
    one_line_error(run_blog(spared, "build"), "listing.html")
    assert snapshot(spared / "output") == before
    # The post pages went first, into spares: written, never published.
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} != written
    (spared / "templates/listing.html").unlink()
    build(spared)
    assert tree(spared / "output") == clean(spared, tmp_path)


@pytest.mark.parametrize("how", ["cannot swap", "no renameat2"])
def test_where_files_cannot_be_swapped_pages_are_renamed_into_place(site, tmp_path, monkeypatch, how):
    if how == "cannot swap":   # a file system without RENAME_EXCHANGE
        def refuse(*args):
            ctypes.set_errno(errno.EINVAL)
            return -1
        monkeypatch.setattr(spares, "_exchange", refuse)
    else:                      # no such call (not Linux, an old C library)
        monkeypatch.setattr(spares, "_exchange", None)
    for version in "BAB":
        retitle(site, version)
        build(site)
        assert tree(site / "output") == clean(site, tmp_path / version)
    assert run_blog(site, "build").stdout.startswith("24 posts: 0 files written")
