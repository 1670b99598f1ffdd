"""`blog init`, `blog new`, `blog build` from the command line, and the package installed with pip into a fresh
venv building a new site with the default theme it ships."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sitefactory import REPO, html, run_blog, text


def front_matter(path: Path) -> dict:
    head, sep, _ = path.read_text(encoding="utf-8").removeprefix("---\n").partition("\n---\n")
    assert sep, f"{path}: no front matter"
    return yaml.safe_load(head)


def test_init_new_build(tmp_path):
    result = run_blog(tmp_path, "init", "mysite")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "mysite"
    assert (site / "config.yaml").is_file()
    assert front_matter(site / "content/diary/hello-world.md")["title"] == "Hello, world"

    result = run_blog(site, "new", "Nova conductor", "--path", "openstack/havana", "--tags", "openstack nova",
                      "--publish")
    assert result.returncode == 0, result.stderr
    post = site / "content/openstack/havana/nova-conductor.md"
    assert str(post.relative_to(site)) in result.stdout
    meta = front_matter(post)
    assert meta["title"] == "Nova conductor" and meta["tags"] == ["openstack", "nova"] and "draft" not in meta
    assert len(str(meta["date"])) == len("2014-02-24 17:04")

    # From another folder, with --site and --output.
    result = run_blog(tmp_path, "build", "--site", "mysite", "--output", "published")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "published"
    page = html(out / "openstack/havana/nova-conductor.html")
    assert text(page.select_one("h2.post-title")) == "Nova conductor"
    assert [a["href"] for a in page.select(".post-tags a")] == ["/tags/openstack/", "/tags/nova/"]
    assert set(text(h) for h in html(out / "index.html").select("h2.post-title")) == {"Nova conductor",
                                                                                     "Hello, world"}
    assert (out / "static/style.css").is_file()
    assert not (site / "output").exists()


def test_new_never_overwrites(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    assert run_blog(tmp_path, "new", "Same title").returncode == 0
    post = tmp_path / "content/same-title.md"
    post.write_text(post.read_text() + "My words.\n")
    before = post.read_bytes()

    result = run_blog(tmp_path, "new", "Same title")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "content/same-title.md" in result.stderr
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    assert post.read_bytes() == before


def test_new_refuses_a_path_outside_content(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    result = run_blog(tmp_path, "new", "Escape", "--path", "../etc")
    assert result.returncode == 1 and result.stderr.startswith("error: ")
    assert not (tmp_path.parent / "etc" / "escape.md").exists()


def test_init_refuses_an_existing_site(tmp_path):
    assert run_blog(tmp_path, "init", ".").returncode == 0
    (tmp_path / "config.yaml").write_text("title: Mine\n")
    result = run_blog(tmp_path, "init", ".")
    assert result.returncode == 1 and "already exists" in result.stderr
    assert (tmp_path / "config.yaml").read_text() == "title: Mine\n"


@pytest.mark.parametrize("command", ["init", "new", "build", "serve", "drafts"])
def test_every_command_has_help(tmp_path, command):
    result = run_blog(tmp_path, command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: blog {command}")
    assert "--site" in result.stdout or command == "init"


def test_no_command_prints_help(tmp_path):
    result = run_blog(tmp_path)
    assert result.returncode == 2
    assert "init" in result.stdout and "build" in result.stdout


@pytest.mark.slow
def test_pip_installed_package_builds_a_new_site_with_its_own_theme(tmp_path):
    # A copy of the source, so the build leaves nothing in the checkout and the theme can only come from the
    # package.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "generator", src / "generator", ignore=ignore)
    shutil.copytree(REPO / "themes", src / "themes", ignore=ignore)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # This interpreter's pip installs into the fresh venv: `pip install .`, dependencies and all.
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                              "--disable-pip-version-check", str(src)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(python), "-c", "import generator; print(generator.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv)

    blog = venv / "bin" / "blog"
    site = tmp_path / "x"
    subprocess.run([str(blog), "init", str(site)], env=env, check=True, capture_output=True)
    built = subprocess.run([str(blog), "build"], cwd=site, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr

    out = site / "output"
    assert (out / "static/style.css").read_bytes() == (REPO / "themes/default/static/style.css").read_bytes()
    page = html(out / "diary/hello-world.html")
    assert text(page.select_one(".site-title")) == "My blog"
    assert text(page.select_one("h2.post-title")) == "Hello, world"
    assert text(page.select_one(".post-footer")).startswith("posted at: ")
