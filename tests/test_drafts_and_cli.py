"""Everyday commands: `blog new` writes drafts, `blog drafts` lists them; titles without words are refused;
`serve --port` is checked; `blog --version`; `blog init` writes every config key with its default."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import asdict, fields
from pathlib import Path

import yaml

from generator import __version__
from generator.config import Config, config_from_mapping
from sitefactory import html, run_blog, text


def test_new_writes_a_draft_that_cron_does_not_publish_until_the_line_goes(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    result = run_blog(tmp_path, "new", "Half written", "--path", "diary", "--tags", "wip")
    assert result.returncode == 0 and "draft" in result.stdout
    path = tmp_path / "content/diary/half-written.md"
    assert "draft: true" in path.read_text(encoding="utf-8")

    # The cron run five minutes later: built, but the draft is nowhere.
    assert run_blog(tmp_path, "build", "--quiet").returncode == 0
    out = tmp_path / "output"
    assert not (out / "diary/half-written.html").exists()
    assert "Half written" not in (out / "index.html").read_text(encoding="utf-8")
    assert "half-written" not in (out / "sitemap.xml").read_text(encoding="utf-8")

    listed = run_blog(tmp_path, "drafts")
    assert listed.returncode == 0
    (line,) = listed.stdout.splitlines()
    date = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["date"]
    assert line.split()[:2] == str(date).split()[:2] and "content/diary/half-written.md" in line
    assert line.endswith("Half written")

    # Removing the line publishes it.
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8")
    assert run_blog(tmp_path, "build", "--quiet").returncode == 0
    assert text(html(out / "diary/half-written.html").select_one(".post-title")) == "Half written"
    assert run_blog(tmp_path, "drafts").stdout == ""


def test_new_publish_writes_a_post_the_next_build_publishes(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    assert run_blog(tmp_path, "new", "Ready now", "--publish").returncode == 0
    assert "draft" not in (tmp_path / "content/ready-now.md").read_text(encoding="utf-8")
    assert run_blog(tmp_path, "build", "--quiet").returncode == 0
    assert (tmp_path / "output/ready-now.html").is_file()


def test_drafts_lists_newest_first_and_skips_published_posts_comments_and_pages(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    content = tmp_path / "content"
    (content / "a.md").write_text("---\ntitle: Old draft\ndate: 2014-01-01 10:00\ndraft: true\n---\n")
    (content / "b.md").write_text("---\ntitle: New draft\ndate: 2015-01-01 10:00\ndraft: true\n---\n")
    (content / "b.comments").mkdir()
    (content / "b.comments/1.md").write_text("---\nauthor: X\ndate: 2015-01-02 10:00\n---\nHi\n")
    (content / "pages").mkdir()
    (content / "pages/about.md").write_text("---\ntitle: About\n---\nMe.\n")
    result = run_blog(tmp_path, "drafts")
    assert result.returncode == 0, result.stderr
    assert [line.split("  ")[1] for line in result.stdout.splitlines()] == ["content/b.md", "content/a.md"]


def test_titles_without_words_are_refused_with_one_line(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "content").rglob("*"))
    for title in ("", "   ", "!!!", "?_?"):
        result = run_blog(tmp_path, "new", title)
        assert result.returncode == 1, title
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
        assert "Traceback" not in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "content").rglob("*")) == before


def test_serve_with_a_port_out_of_range_is_a_usage_error_of_one_line(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    for port in ("99999", "0", "-1", "http"):
        result = run_blog(tmp_path, "serve", "--port", port, timeout=30)
        assert result.returncode == 2, (port, result.stderr)
        assert result.stderr.splitlines() == [
            f"error: --port {port}: not a port; use a number from 1 to 65535, such as 8000"]
    assert not (tmp_path / "output").exists()   # refused before building
    help_text = run_blog(tmp_path, "serve", "--help").stdout
    assert re.search(r"--port PORT\s+port to listen on", help_text)


def test_version(tmp_path):
    result = run_blog(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"blog {__version__}"


def test_init_writes_every_config_key_with_its_default(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    written = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    assert "README" not in written
    # Uncommenting every commented key gives a valid config whose values are the defaults.
    uncommented = re.sub(r"^# ?( *\w+:)", r"\1", written, flags=re.M)
    raw = yaml.safe_load(uncommented)
    assert sorted(raw) == sorted(f.name for f in fields(Config))
    config = config_from_mapping(raw)
    defaults = asdict(Config())
    for key, value in asdict(config).items():
        if key not in ("title", "tagline", "author"):
            assert value == defaults[key], key
    # The file as written builds the site.
    assert run_blog(tmp_path, "build", "--quiet").returncode == 0


def test_a_build_leaving_at_once_still_says_all_it_printed_into_a_pipe(tmp_path):
    """The `blog` program leaves right after a build without freeing its model (cli.run): what it printed is
    still in a pipe, buffered as Python buffers a pipe, and its exit status is the build's."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)

    def blog(*args):
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    assert blog("init", ".").returncode == 0
    built = blog("build", "--timings")
    assert built.returncode == 0, built.stderr
    assert "Stage times:" in built.stdout and re.search(r"\d+ posts: \d+ files written", built.stdout), built.stdout
    (tmp_path / "content/diary").mkdir(parents=True, exist_ok=True)
    (tmp_path / "content/diary/broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    failed = blog("build")
    assert failed.returncode == 1 and "content/diary/broken.md" in failed.stderr, failed.stderr
