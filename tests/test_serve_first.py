"""`serve --watch` rebuilds the page open in the browser first (issue 17): a real DevServer with the real build,
real HTTP (the tab's event stream names its page, as the live-reload script does), real files.

After a save the open page is published and its tab told to reload while the rest of the site is still the old
one; a save during that background work restarts it; a server killed half way leaves a site the next build
repairs. Each end state is compared byte for byte with a clean build of the same content in another folder.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from bench.synth import make_blog
from generator.build import BuildOptions
from generator.cli import serve_build
from generator.publish.cache import CACHE_DIR
from generator.publish.writer import MANIFEST
from generator.serve.devserver import DevServer
from sitefactory import REPO, build, run_blog

POSTS = 300   # enough that the rest of the site takes a while after the open page
WAIT = 60     # seconds: generous bounds for a loaded 2-core machine
THEME_BASE = REPO / "themes" / "default" / "templates" / "base.html"


def wait_until(condition, timeout=WAIT, what="condition"):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
    return found


class Tab:
    """What a browser tab showing `url` does for live reload: it connects to the event stream naming its page
    (as the injected script does) and reloads when its epoch grows."""

    def __init__(self, server: DevServer, url: str):
        status, body = get(server, url)
        assert status == 200
        self.seen = int(re.search(rb"const seen = (\d+),", body)[1])   # the epoch the page was served with
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=WAIT)
        self.conn.request("GET", "/__livereload?page=" + quote(url, safe=""))
        self.resp = self.conn.getresponse()
        assert self.next()["epoch"] == self.seen

    def next(self) -> dict:
        while line := self.resp.readline():
            if line.startswith(b"data: "):
                return json.loads(line[len(b"data: "):])
        raise EOFError("event stream closed")

    def wait_for_reload(self) -> dict:
        while (event := self.next())["epoch"] <= self.seen:
            assert not event["error"], event["error"]
        self.seen = event["epoch"]
        return event

    def close(self):
        self.resp.close()   # the response holds the socket open after the connection object lets it go
        self.conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(server: DevServer, url: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=WAIT)
    try:
        conn.request("GET", url)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@contextmanager
def serving(site: Path, lines: list[str]):
    output = site / "output"
    server = DevServer(output, port=0, build=serve_build(BuildOptions(site_dir=site, output_dir=output)),
                       watch_paths=[site / "content", site / "templates", site / "config.yaml"], out=lines.append)
    server.bind()
    assert server.first_build(), lines
    server.start_serving()
    try:
        yield server
    finally:
        server.stop()


def tree(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def clean_build(site: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    """The site as a build from nothing makes it: a copy without output/ and cache, built into its own folder."""
    copy = tmp_path / name
    subprocess.run(["cp", "-a", str(site), str(copy)], check=True)
    for leftover in ("output", CACHE_DIR):
        subprocess.run(["rm", "-rf", str(copy / leftover)], check=True)
    return tree(build(copy, output=copy / "output"))


def save_base(site: Path, marker: str) -> None:
    """A theme edit as a blogger makes it: base.html overridden in the site's templates/, with visible text."""
    (site / "templates").mkdir(exist_ok=True)
    text = THEME_BASE.read_text(encoding="utf-8").replace("</body>", f'<p class="marker">{marker}</p>\n</body>')
    tmp = site / "templates" / "base.html.tmp~"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, site / "templates" / "base.html")   # as an editor saves: a new file renamed into place


@pytest.fixture(scope="module")
def blog(tmp_path_factory) -> Path:
    """A 300-post synthetic blog, built once: each test copies it."""
    site = tmp_path_factory.mktemp("blog") / "site"
    make_blog(site, POSTS, seed=7)
    (site / "templates").mkdir()   # watched only if it is there when serving starts
    build(site)
    return site


@pytest.fixture
def site(blog, tmp_path) -> Path:
    subprocess.run(["cp", "-a", str(blog), str(tmp_path / "site")], check=True)
    return tmp_path / "site"


def a_post(site: Path) -> tuple[Path, str]:
    """A post file and the output path of its page."""
    source = sorted((site / "content" / "diary").glob("*.md"))[3]
    return source, source.relative_to(site / "content").with_suffix(".html").as_posix()


def test_a_theme_edit_publishes_the_open_page_and_reloads_its_tab_before_the_rest(site, tmp_path):
    _, page = a_post(site)
    lines: list[str] = []
    with serving(site, lines) as server:
        tab, front = Tab(server, "/" + page), Tab(server, "/")   # two tabs: both pages go first
        save_base(site, "first edit")
        tab.wait_for_reload()
        front.wait_for_reload()
        # Both tabs were told to reload: their pages are the new ones, most of the site is still the old one.
        output = site / "output"
        assert b"first edit" in (output / page).read_bytes() and b"first edit" in (output / "index.html").read_bytes()
        others = [p for p in output.rglob("*.html") if p.relative_to(output).as_posix() not in (page, "index.html")]
        still_old = [p for p in others if b"first edit" not in p.read_bytes()]
        assert len(still_old) > len(others) // 2, "the rest of the site was not still being built"
        assert b"first edit" in get(server, "/" + page)[1]
        wait_until(lambda: any(line.startswith("site rebuilt") for line in lines), what="the end of the build")
        # The end of the build does not reload them a second time; a tab opened now has a newer epoch.
        assert tab.next() == {"epoch": tab.seen, "error": None}
        assert front.next() == {"epoch": front.seen, "error": None}
        late = Tab(server, "/archives/")
        assert late.seen > tab.seen
        for each in (tab, front, late):
            each.close()
    first, done = (next(i for i, line in enumerate(lines) if line.startswith(start))
                   for start in (f"rebuilt /{page}, /index.html in ", "site rebuilt: "))
    assert first < done and lines[first].endswith("the rest of the site in the background..."), lines
    assert not [line for line in lines if "error" in line], lines
    # The open page was moved into place before any other file was written.
    written = [p.stat().st_mtime_ns for p in others if b"first edit" in p.read_bytes()]
    assert len(written) > 100 and (output / page).stat().st_mtime_ns <= min(written)
    assert tree(output) == clean_build(site, tmp_path, "clean")


def test_a_body_edit_reloads_the_open_post_and_a_page_the_edit_leaves_alone_goes_with_the_rest(site, tmp_path):
    source, page = a_post(site)
    lines: list[str] = []
    with serving(site, lines) as server:
        tab = Tab(server, "/" + page)
        with source.open("a", encoding="utf-8") as f:
            f.write("\nA sentence saved while the page was open.\n")
        tab.wait_for_reload()
        assert b"A sentence saved while the page was open." in get(server, "/" + page)[1]
        wait_until(lambda: any(line.startswith("site rebuilt") for line in lines), what="the end of the build")
        assert any(line.startswith(f"rebuilt /{page} in ") for line in lines), lines
        tab.close()
        wait_until(lambda: not server.state.shown_pages(), what="the server to see the tab closed")

        # Only /archives/ open: this edit leaves it as it is, so nothing is published ahead; its tab reloads with
        # the rest of the site, as every tab did before.
        archives = Tab(server, "/archives/")
        del lines[:]
        with source.open("a", encoding="utf-8") as f:
            f.write("\nAnother sentence.\n")
        archives.wait_for_reload()
        wait_until(lambda: any(line.startswith("site rebuilt") for line in lines), what="the end of the build")
        assert lines[0] == "the open page is unchanged; the rest of the site in the background...", lines
        archives.close()
    assert tree(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_save_during_the_background_work_restarts_it_and_the_end_is_a_full_build(site, tmp_path):
    source, page = a_post(site)
    lines: list[str] = []
    with serving(site, lines) as server:
        tab = Tab(server, "/" + page)
        save_base(site, "first edit")
        tab.wait_for_reload()
        # The rest of the site is being built for "first edit": save again, a template and a post.
        save_base(site, "second edit")
        with source.open("a", encoding="utf-8") as f:
            f.write("\nWritten during the background build.\n")
        tab.wait_for_reload()
        assert b"second edit" in get(server, "/" + page)[1]
        wait_until(lambda: any(line.startswith("site rebuilt") for line in lines), what="the end of the build")
        tab.close()
    assert "restarted: a file changed" in lines, lines
    restarted = lines.index("restarted: a file changed")
    assert any(line.startswith(f"rebuilt /{page}") for line in lines[:restarted])
    assert not any(line.startswith("site rebuilt") for line in lines[:restarted])   # the first never finished
    output = tree(site / "output")
    assert output == clean_build(site, tmp_path, "clean")
    assert all(b"first edit" not in data for data in output.values())


def test_a_server_killed_while_the_rest_is_built_leaves_a_site_the_next_build_repairs(site, tmp_path):
    _, page = a_post(site)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "serve.out"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--watch", "--port", str(free_port())],
                                cwd=site, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = wait_until(lambda: re.search(r"at (http://127\.0\.0\.1:(\d+))/", log.read_text()), what="serving")
        server = DevServer(site / "output", port=int(url[2]))   # only for Tab's host and port
        tab = Tab(server, "/" + page)
        save_base(site, "edit before the kill")
        wait_until(lambda: "the rest of the site in the background" in log.read_text(), what="the open page")
        os.killpg(proc.pid, signal.SIGKILL)   # the server, its rebuild and the rebuild's workers
        proc.wait(timeout=WAIT)
        tab.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "site rebuilt" not in log.read_text(), "the kill came too late to test anything"
    assert b"edit before the kill" in (site / "output" / page).read_bytes()
    assert run_blog(site, "build", "--quiet").returncode == 0
    assert tree(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_new_post_in_a_new_category_while_the_front_page_is_open(site, tmp_path):
    """The front page goes first into a folder output/ has; the rest makes folders output/ lacks (the new
    category's), after the staging folder was used once already."""
    lines: list[str] = []
    with serving(site, lines) as server:
        front = Tab(server, "/")
        new = site / "content" / "brandnew" / "first-of-its-kind.md"
        new.parent.mkdir()
        new.write_text("---\ntitle: First of its kind\ndate: 2026-01-01 10:00\ntags: [novel]\n---\nNew.\n",
                       encoding="utf-8")
        front.wait_for_reload()
        assert b"First of its kind" in (site / "output" / "index.html").read_bytes()
        wait_until(lambda: any(line.startswith("site rebuilt") for line in lines), what="the end of the build")
        front.close()
    assert lines[1].startswith("rebuilt /index.html in "), lines   # lines[0]: the build before serving
    assert (site / "output" / "brandnew" / "first-of-its-kind.html").is_file()
    assert tree(site / "output") == clean_build(site, tmp_path, "clean")
