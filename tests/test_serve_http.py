"""The dev server at the HTTP level (no browser): files, paths, live-reload events, watching, stopping.

Servers run in this process on a free port (DevServer is the inside of `serve`), with a fake `build` callable;
Ctrl-C is tested on a real subprocess. Waits poll with a timeout; the only fixed waits check that something
does *not* happen (no extra rebuild) for a little longer than the debounce period.
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
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.errors import BlogError
from generator.serve.devserver import DevServer, serve
from sitefactory import ctrl_c_reaches_it

REPO = Path(__file__).resolve().parent.parent
SECRET = "TOP SECRET outside output"
QUIET = 0.3  # the server's debounce period
NO_MORE = QUIET + 0.7  # how long "no further rebuild" is watched for


def wait_until(condition, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def stays(get, value, seconds=NO_MORE):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert get() == value
        time.sleep(0.02)


def request(server: DevServer, path: str, method: str = "GET"):
    """Send `path` exactly as written (no client-side normalisation) and return (status, headers, body)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


class Events:
    """A client of the /__livereload Server-Sent Events stream."""

    def __init__(self, server: DevServer):
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        self.conn.request("GET", "/__livereload")
        self.resp = self.conn.getresponse()
        assert self.resp.headers["Content-Type"] == "text/event-stream"

    def next(self) -> dict:
        while line := self.resp.readline():
            if line.startswith(b"data: "):
                return json.loads(line[len(b"data: "):])
        raise EOFError("event stream closed")

    def close(self):
        self.conn.close()


@contextmanager
def running(output: Path, **options):
    server = DevServer(output, port=0, out=options.pop("out", lambda line: None), **options)
    server.bind()
    server.first_build()
    server.start_serving()
    try:
        yield server
    finally:
        server.stop()


def make_output(root: Path) -> Path:
    out = root / "output"
    (out / "dir").mkdir(parents=True)
    (out / "index.html").write_text("<html><body><h1>Home</h1></body></html>")
    (out / "dir" / "index.html").write_text("<html><body>In dir</body></html>")
    (out / "404.html").write_text("<html><body>Custom not found</body></html>")
    (out / "feed.rss").write_text("<rss/>")
    (out / "feed.atom").write_text("<feed/>")
    (out / "sitemap.xml").write_text("<urlset/>")
    (out / "style.css").write_text("body {}")
    (root / "secret").write_text(SECRET)
    (out / "leak").symlink_to(root / "secret")
    (out / "leakdir").symlink_to(root)
    (out / "home.html").symlink_to(out / "index.html")  # a symlink that stays inside is fine
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = make_output(tmp_path_factory.mktemp("static"))
    with running(out) as server:
        yield server


# --- files ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, kind", [
    ("/index.html", "text/html; charset=utf-8"),
    ("/feed.rss", "application/rss+xml; charset=utf-8"),
    ("/feed.atom", "application/atom+xml; charset=utf-8"),
    ("/sitemap.xml", "application/xml; charset=utf-8"),
    ("/style.css", "text/css; charset=utf-8"),
])
def test_content_types(site, path, kind):
    status, headers, _ = request(site, path)
    assert (status, headers["Content-Type"]) == (200, kind)


def test_folder_url_serves_its_index(site):
    status, _, body = request(site, "/dir/")
    assert status == 200 and b"In dir" in body
    status, _, body = request(site, "/?utm=x")
    assert status == 200 and b"Home" in body


def test_folder_url_without_slash_redirects(site):
    status, headers, _ = request(site, "/dir?x=1")
    assert (status, headers["Location"]) == (301, "/dir/?x=1")


def test_missing_path_gets_404_page_body(site):
    status, headers, body = request(site, "/no/such/page.html")
    assert status == 404 and b"Custom not found" in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_missing_path_without_404_page_is_plain(tmp_path):
    (tmp_path / "out").mkdir()
    with running(tmp_path / "out") as server:
        status, _, body = request(server, "/nothing")
    assert (status, body) == (404, b"404 Not Found\n")


def test_head_has_headers_and_no_body(site):
    status, headers, body = request(site, "/style.css", method="HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", "7")


@pytest.mark.parametrize("path", [
    "/../secret", "/%2e%2e/secret", "/%2E%2E%2Fsecret", "/dir/..%2f..%2fsecret", "/..%5csecret",
    "/..\\secret", "/leak", "/leakdir/secret", "/index.html%00", "//leakdir/secret",
])
def test_nothing_outside_output_is_served(site, path):
    status, _, body = request(site, path)
    assert status == 404
    assert SECRET.encode() not in body


def test_symlink_inside_output_is_served(site):
    status, _, body = request(site, "/home.html")
    assert status == 200 and b"Home" in body


def test_script_is_injected_when_served_not_on_disk(site):
    _, _, body = request(site, "/index.html")
    assert re.search(rb"<h1>Home</h1><script data-blog-livereload>.*</script></body></html>$", body, re.S)
    assert b"/__livereload" in body
    assert b"livereload" not in (site.output_dir / "index.html").read_bytes()
    _, _, feed = request(site, "/feed.rss")
    assert feed == b"<rss/>"


def test_base_path_serves_output_under_the_prefix(tmp_path):
    with running(make_output(tmp_path), base_path="/blog/") as server:
        assert request(server, "/blog/")[2].startswith(b"<html><body><h1>Home")
        assert request(server, "/blog/style.css")[0] == 200
        assert request(server, "/blog/dir")[1]["Location"] == "/blog/dir/"
        assert request(server, "/blog")[1]["Location"] == "/blog/"
        assert request(server, "/")[1]["Location"] == "/blog/"
        status, _, body = request(server, "/style.css")
        assert status == 404 and b"Custom not found" in body


# --- starting and stopping -----------------------------------------------------------------------------------

def test_port_in_use_is_a_clear_error(tmp_path):
    lines, builds = [], []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = serve(tmp_path, port=port, build=lambda: builds.append(1), out=lines.append)
    assert status == 1
    assert lines == [f"error: port {port} is already in use on 127.0.0.1; try --port {port + 1}"]
    assert builds == []  # fails before spending time on a build


def test_failed_first_build_without_watch_returns_1(tmp_path):
    def build():
        raise BlogError("date is not a date", path="content/a.md", line=2)
    lines = []
    assert serve(tmp_path, port=0, build=build, out=lines.append) == 1
    assert "error: content/a.md:2: date is not a date" in lines


def test_stop_joins_every_thread_even_with_open_connections(tmp_path):
    (tmp_path / "content").mkdir()
    before = set(threading.enumerate())
    with running(make_output(tmp_path), build=lambda: None, watch_paths=[tmp_path / "content"]) as server:
        events = Events(server)
        events.next()
        idle = socket.create_connection((server.host, server.port))  # like a browser's preconnect
        started = time.monotonic()
    assert time.monotonic() - started < 3
    assert set(threading.enumerate()) - before == set()
    with pytest.raises(EOFError):
        events.next()
    idle.close()
    events.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_cleanly(tmp_path, sig):
    (tmp_path / "content").mkdir()
    (tmp_path / "output").mkdir()
    script = (
        "import sys; from pathlib import Path; from generator.serve.devserver import serve\n"
        "sys.exit(serve(Path(sys.argv[1]), port=0, build=lambda: None, watch_paths=[Path(sys.argv[2])],"
        " out=lambda s: print(s, flush=True)))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, tmp_path / "output", tmp_path / "content"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=ctrl_c_reaches_it)
    try:
        for line in proc.stdout:
            if m := re.search(r"Serving .* at http://127\.0\.0\.1:(\d+)/", line):
                break
        else:
            pytest.fail("server did not start: " + proc.stderr.read())
        conn = http.client.HTTPConnection("127.0.0.1", int(m[1]), timeout=5)
        conn.request("GET", "/__livereload")  # an open event stream must not keep the process alive
        assert conn.getresponse().readline() == b"retry: 500\n"
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in stderr and stderr == ""
    assert "stopped" in stdout


# --- watching and live reload --------------------------------------------------------------------------------

class FakeBuild:
    """Reads the content file (reading must not trigger a rebuild) and writes output/ and .blog-cache/ (which are
    inside the watched folder and must be ignored), like the real build. Rebuilds run in forked children, so
    what each build did is appended to a log in .blog-cache/, and a held build waits for a file to appear."""

    def __init__(self, root: Path):
        self.root = root
        self.fail: BlogError | None = None   # set before the save: the child is forked with it
        (root / "content").mkdir()
        (root / "content" / "a.md").write_text("first")
        (root / "config.yaml").write_text("title: x\n")
        (root / ".blog-cache").mkdir()
        self.log = root / ".blog-cache" / "builds.log"
        self.log.touch()
        self.gate = root / ".blog-cache" / "gate"   # a held build waits until it exists
        self.held = False

    def _lines(self, kind: str) -> list[str]:
        return [line[len(kind) + 1:] for line in self.log.read_text().splitlines() if line.startswith(kind + " ")]

    @property
    def started(self) -> int:
        return len(self._lines("started"))

    @property
    def finished(self) -> int:
        return len(self._lines("finished"))

    @property
    def seen(self) -> list[str]:
        return [json.loads(text) for text in self._lines("seen")]

    def _write_log(self, line: str) -> None:
        with open(self.log, "a") as f:
            f.write(line + "\n")

    def __call__(self, first=frozenset(), on_first=None):
        number = self.started + 1
        self._write_log(f"started {number}")
        if self.held:
            wait_until(self.gate.exists, what="the gate")
        self._write_log("seen " + json.dumps((self.root / "content" / "a.md").read_text()))
        if self.fail:
            raise self.fail
        (self.root / "output" / "index.html").write_text(f"<html><body>build {number}</body></html>")
        (self.root / ".blog-cache" / "cache.sqlite").write_text(str(number))
        self._write_log(f"finished {number}")


def editor_save(path: Path, text: str):
    """What one save in an editor looks like to the file system: swap file, temp file, rename, chmod."""
    swap = path.with_name("." + path.name + ".swp")
    swap.write_text("swap")
    tmp = path.with_name(path.name + ".tmp~")
    tmp.write_text(text)
    os.replace(tmp, path)
    os.chmod(path, 0o644)
    swap.unlink()


def test_one_save_burst_gives_exactly_one_rebuild(tmp_path):
    build = FakeBuild(tmp_path)
    with running(make_output(tmp_path), build=build, watch_paths=[tmp_path]):
        assert build.finished == 1  # the first build, before serving
        for n in range(3):
            editor_save(tmp_path / "content" / "a.md", f"edit {n}")
            (tmp_path / "content" / "a.md").touch()
        wait_until(lambda: build.finished == 2, what="the rebuild")
        stays(lambda: build.finished, 2)  # no second rebuild, and no loop from our own writes
    assert build.seen[-1] == "edit 2"


def test_a_change_during_a_rebuild_kills_it_and_builds_again(tmp_path):
    build, lines = FakeBuild(tmp_path), []
    watch = [tmp_path / "content", tmp_path / "config.yaml"]  # a folder and a single file
    with running(make_output(tmp_path), build=build, watch_paths=watch, out=lines.append):
        build.held = True
        (tmp_path / "config.yaml").write_text("title: y\n")
        wait_until(lambda: build.started == 2, what="the slow rebuild to start")
        for n in range(3):
            (tmp_path / "content" / "a.md").write_text(f"during {n}")
        wait_until(lambda: build.started == 3, what="the rebuild started again")
        assert "restarted: a file changed" in lines
        build.gate.touch()
        wait_until(lambda: build.finished == 2, what="the rebuild after the restart")
        stays(lambda: build.started, 3)
    assert build.seen == ["first", "during 2"]  # the killed build never got past its gate; no change lost
    assert b"build 3" in (tmp_path / "output" / "index.html").read_bytes()


def test_failed_first_build_while_watching_keeps_serving_and_recovers(tmp_path):
    build = FakeBuild(tmp_path)
    build.fail = BlogError("the post has no title", path="content/a.md", line=1)
    (tmp_path / "output").mkdir()
    with running(tmp_path / "output", build=build, watch_paths=[tmp_path / "content"]) as server:
        status, headers, body = request(server, "/")
        # No output yet: a 404, but HTML with the script, so the tab shows the error and reloads once fixed.
        assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"data-blog-livereload" in body
        events = Events(server)
        failed = events.next()
        assert failed["error"] == {"path": "content/a.md", "line": 1, "message": "the post has no title"}
        build.fail = None
        (tmp_path / "content" / "a.md").write_text("---\ntitle: A\n")
        fixed = events.next()
        assert fixed["error"] is None and fixed["epoch"] > failed["epoch"]
        assert b"build 2" in request(server, "/")[2]
        events.close()


def test_build_error_is_sent_to_the_browser_and_cleared_by_a_good_build(tmp_path):
    build, lines = FakeBuild(tmp_path), []
    with running(make_output(tmp_path), build=build, watch_paths=[tmp_path / "content"], out=lines.append) as server:
        events = Events(server)
        first = events.next()
        assert first["error"] is None
        page = request(server, "/")[2]
        assert f"const seen = {first['epoch']},".encode() in page  # the page knows which build it came from

        build.fail = BlogError("title is missing", path="content/a.md", line=3)
        (tmp_path / "content" / "a.md").write_text("---\nno title\n")
        failed = events.next()
        assert failed == {"epoch": first["epoch"],
                          "error": {"path": "content/a.md", "line": 3, "message": "title is missing"}}
        assert "error: content/a.md:3: title is missing" in lines
        assert b"build 1" in request(server, "/")[2]  # still serving the last good site

        build.fail = None
        (tmp_path / "content" / "a.md").write_text("---\ntitle: fixed\n")
        fixed = events.next()
        assert fixed["error"] is None and fixed["epoch"] > first["epoch"]
        assert b"build 3" in request(server, "/")[2]
        events.close()
