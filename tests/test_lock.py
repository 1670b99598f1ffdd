"""Cron behaviour: one build at a time (a second waits a bounded time, then exits 75), --quiet says nothing on
success, and the exit statuses a crontab can act on: 0 built, 1 content error, 2 usage error, 75 lock busy."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.publish.cache import CACHE_DIR
from sitefactory import REPO, make_site, post, run_blog


@pytest.fixture
def site(tmp_path) -> Path:
    return make_site(tmp_path, {
        "content/diary/hello.md": post("Hello", "2014-02-24 17:04", "The first post.\n", tags=["diary"]),
    }, {"title": "Cron", "timezone": "Australia/Sydney"})


@contextmanager
def held_lock(site: Path):
    """Hold the build lock the way a running build does: on the site folder itself."""
    fd = os.open(site, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def test_a_second_build_gives_up_after_waiting_with_status_75(site):
    with held_lock(site):
        result = run_blog(site, "build", "--wait", "1")
    assert result.returncode == 75
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "another build is running" in lines[0] and str(site) in lines[0] and "--wait" in lines[0]
    assert not (site / "output").exists(), "a build that never got the lock wrote something"

    # Once the lock is free the same command builds.
    result = run_blog(site, "build", "--wait", "1")
    assert result.returncode == 0, result.stderr
    assert (site / "output/diary/hello.html").is_file()


def test_a_waiting_build_goes_ahead_when_the_lock_is_released(site):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with held_lock(site):
        waiting = subprocess.Popen([sys.executable, "-m", "generator", "build", "--wait", "60"], cwd=site,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)   # let it start and find the lock taken (the result is right either way)
        assert not (site / "output").exists()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert out.startswith("1 posts: ") and (site / "output/diary/hello.html").is_file()


@pytest.mark.parametrize("damage", ["deleted", "a file", "lock a file", "lock a folder"])
def test_the_lock_holds_whatever_happens_to_the_cache_folder(site, damage):
    """Deleting .blog-cache/ while a build runs (or a cache or lock of the wrong kind) lets no second build in:
    before, two builds ran at once and both crashed."""
    import shutil
    with held_lock(site):
        if damage == "deleted":
            shutil.rmtree(site / CACHE_DIR, ignore_errors=True)
        elif damage == "a file":
            (site / CACHE_DIR).write_text("not a folder")
        else:
            (site / CACHE_DIR).mkdir(exist_ok=True)
            lock = site / CACHE_DIR / "build.lock"
            lock.write_text("x") if damage == "lock a file" else lock.mkdir()
        result = run_blog(site, "build", "--wait", "0.5")
        assert result.returncode == 75, result.stderr
        assert not (site / "output").exists()
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_quiet_prints_nothing_on_success(site):
    result = run_blog(site, "build", "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (site / "output/diary/hello.html").is_file()
    # Nothing to do prints nothing either.
    result = run_blog(site, "build", "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_quiet_still_prints_errors(site):
    (site / "content/diary/broken.md").write_text("---\ntitle: Broken\n---\n", encoding="utf-8")
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: content/diary/broken.md")


def test_without_quiet_and_without_a_terminal_one_summary_line(site):
    result = run_blog(site, "build")
    assert result.returncode == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("1 posts: ") and " files written, " in result.stdout


@pytest.mark.parametrize("args, named", [
    (["--now", "yesterday"], "--now"),
    (["--now", "2014-02-30 10:00"], "--now"),
    (["--wait", "soon"], "--wait"),
    (["--wait", "-1"], "--wait"),
    (["--no-such-flag"], "--no-such-flag"),
])
def test_usage_errors_exit_2_and_name_the_argument(site, args, named):
    result = run_blog(site, "build", *args)
    assert result.returncode == 2, result
    assert named in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (site / "output").exists()
