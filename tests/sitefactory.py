"""Real sites for tests: written from inline files or copied from tests/fixtures/, built by the real CLI.

`make_site` writes config.yaml and content files; `run_blog` runs `python -m generator` in a subprocess (for exit
status and stderr); `build` runs the CLI in this process (faster, for tests that only read the output).
The readers (`html`, `feed`) parse what was written, the way a browser or feed reader would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import feedparser
import yaml
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_site(tmp_path: Path, files: dict[str, str | bytes], config: dict | None = None) -> Path:
    """A site in tmp_path/site: config.yaml from `config`, and each {relative path: text or bytes}.
    Paths are relative to the site folder, so posts go under 'content/...'."""
    site = tmp_path / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "content").mkdir(exist_ok=True)
    (site / "config.yaml").write_text(yaml.safe_dump(config or {}, sort_keys=False), encoding="utf-8")
    for rel, text in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return site


def post(title: str, date: str, body: str = "", **fields) -> str:
    """The text of a post file: front matter from the arguments, then the body."""
    meta = {"title": title, "date": date, **fields}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body


def copy_fixture(name: str, dest: Path) -> Path:
    """A private copy of tests/fixtures/<name>, so a build never writes into the repo."""
    site = dest / name
    shutil.copytree(FIXTURES / name, site)
    return site


def run_blog(site: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`blog ARGS` in a subprocess with the site as its working folder; the generator is this checkout's."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=site, env=env,
                          capture_output=True, text=True, timeout=timeout)


def build(site: Path, *args: str, output: Path | None = None) -> Path:
    """Build in this process; returns the output folder. Fails the test if the build does not succeed."""
    from generator.cli import main

    output = output or site / "output"
    status = main(["build", "--quiet", "--site", str(site), "--output", str(output), *args])
    assert status == 0, f"build of {site} exited with {status}"
    return output


def html(path: Path) -> BeautifulSoup:
    assert path.is_file(), f"{path} was not written"
    return BeautifulSoup(path.read_bytes(), "lxml")


def feed(path: Path):
    assert path.is_file(), f"{path} was not written"
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def text(tag) -> str:
    """A tag's visible text as a reader sees it: runs of white space folded to one space."""
    return " ".join(tag.get_text().split())


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file, folder and link under `folder` with its kind, inode, modification time and bytes: what
    'left untouched' means (a file replaced by a copy of itself has a new inode)."""
    result = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        result[path.relative_to(folder).as_posix()] = (st.st_mode, st.st_ino, st.st_mtime_ns, data)
    return result


def one_line_error(result, *named: str, status: int = 1) -> None:
    """The command failed with `status` and one 'error:' line (warnings aside) naming each of `named`."""
    assert result.returncode == status, (result.returncode, result.stderr)
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for name in named:
        assert name in errors[0], (name, errors[0])


def ctrl_c_reaches_it() -> None:
    """Popen(preexec_fn=...) for a server the test stops with SIGINT: a test run started with SIGINT ignored (a
    shell's `pytest &`, nohup) would have the server inherit that, and Python then leaves Ctrl-C ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
