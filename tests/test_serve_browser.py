"""`blog serve --watch` end to end in a real headless Chromium: the blogger's edit-save-look loop.

The server is the real CLI in a subprocess on a small site; the browser is Debian's `chromium` driven by Playwright
(no browser is downloaded). Without chromium the test is skipped, unless BLOG_REQUIRE_BROWSER=1 (CI) makes that a
failure. The only tight bound is the issue's: an edit shows in the open tab within 5 seconds. Everything else
(startup, overlay, new post) gets generous timeouts so a loaded machine does not fail the test.
Screenshots of the overlay and the post page are left in the test's tmp_path for debugging.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from sitefactory import REPO, ctrl_c_reaches_it, make_site, post

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RELOAD_BOUND_MS = 5_000  # the issue: a saved edit shows in the open tab within 5 seconds
SLOW_MS = 30_000  # anything else the browser waits for: bounded, but generous for a loaded 2-core machine
STARTUP_S = 90  # first build and bind of the server subprocess
STOP_S = 30


def second_day(body: str, tags: str = "[life, cats]") -> str:
    """The post the test edits, written by hand so its front matter can be broken on purpose."""
    return f"---\ntitle: Second day\ndate: 2020-01-02 10:00\ntags: {tags}\n---\n{body}"


POSTS = {
    "content/diary/first-day.md": post("First day", "2020-01-01 09:00", "The first post.\n", tags=["life"]),
    "content/diary/second-day.md": second_day("The second post.\n"),
    "content/book/John_Ringo/live-free-or-die.md": post(
        "Live Free or Die", "2020-01-03 17:04", "A friend told me to read this.\n", tags=["book"]),
    "content/openstack/havana/nova.md": post("Nova in Havana", "2020-01-04 08:30", "Notes on nova.\n",
                                             tags=["openstack", "nova"]),
}
EDITED = "content/diary/second-day.md"
EDITED_URL = "/diary/second-day.html"


@pytest.fixture
def chromium():
    """A headless Debian chromium through Playwright, or a skip (a failure when CI requires the browser)."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        problem = f"Python Playwright is not installed ({exc}); pip install -e '.[test]'"
    if not problem and not os.access(CHROMIUM, os.X_OK):
        problem = f"{CHROMIUM} not found; install Debian's chromium: apt-get install chromium"
    if problem:
        if os.environ.get("BLOG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"BLOG_REQUIRE_BROWSER=1 but the browser test cannot run: {problem}", pytrace=False)
        pytest.skip(problem)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STARTUP_S * 1000)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll_log(proc: subprocess.Popen, log: Path, pattern: str, timeout: float) -> re.Match | None:
    """Wait until `pattern` is in the log file, the process has ended, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        found = re.search(pattern, log.read_text(encoding="utf-8"))
        if found or proc.poll() is not None or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


class Served:
    """A running `blog serve --watch`: its base URL and its terminal output (in files, so no pipe fills up)."""

    def __init__(self, proc: subprocess.Popen, url: str, stdout: Path, stderr: Path):
        self.proc, self.url, self.stdout, self.stderr = proc, url, stdout, stderr

    def wait_for_output(self, pattern: str, timeout: float = SLOW_MS / 1000) -> re.Match:
        found = poll_log(self.proc, self.stdout, pattern, timeout)
        assert found, f"the server never printed {pattern!r}; it printed:\n{self.stdout.read_text()}"
        return found

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        """Ctrl-C (by default) and wait for the process to end; (status, stdout, stderr)."""
        self.proc.send_signal(sig)
        status = self.proc.wait(timeout=STOP_S)
        return status, self.stdout.read_text(encoding="utf-8"), self.stderr.read_text(encoding="utf-8")


@contextmanager
def blog_serve(site: Path, logs: Path):
    """Start `blog serve --watch` on a free port. A port taken between our look and its bind (other tests run in
    parallel) is retried on another port."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    stdout, stderr = logs / "serve.out", logs / "serve.err"
    for _ in range(3):
        port = free_port()
        with open(stdout, "w") as out, open(stderr, "w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site), "--watch",
                                     "--port", str(port)], cwd=site, env=env, stdout=out, stderr=err,
                                    preexec_fn=ctrl_c_reaches_it)
        serving = poll_log(proc, stdout, r"Serving .* at (http://127\.0\.0\.1:\d+)/ \(watching", STARTUP_S)
        if serving or "already in use" not in stdout.read_text():
            break
        proc.wait(timeout=STOP_S)
    try:
        assert serving, (f"blog serve did not start within {STARTUP_S} s:\n{stdout.read_text()}"
                         f"{stderr.read_text()}")
        yield Served(proc, serving[1], stdout, stderr)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # Shown by pytest only when the test fails: what the server said.
        print("--- blog serve stdout ---\n" + stdout.read_text() + "--- stderr ---\n" + stderr.read_text())


def test_watch_rebuilds_and_the_open_tab_follows_every_save(tmp_path, chromium):
    from playwright.sync_api import expect

    site = make_site(tmp_path, POSTS, {"title": "Live preview"})
    edited = site / EDITED
    added = f"A paragraph added while the tab was open {uuid.uuid4().hex}"
    fixed = f"Front matter fixed {uuid.uuid4().hex}"

    with blog_serve(site, tmp_path) as served:
        context = chromium.new_context()
        page = context.new_page()
        page.set_default_timeout(SLOW_MS)
        page.goto(served.url + EDITED_URL)
        body = page.locator("article.post .post-body")
        expect(body).to_contain_text("The second post.")
        # The script is in the page as served (it is checked to be absent from output/ below).
        expect(page.locator("script[data-blog-livereload]")).to_have_count(1)

        # 1. Save an edit: the open tab reloads itself and shows it.
        with edited.open("a", encoding="utf-8") as f:
            f.write(f"\n{added}\n")
        expect(body).to_contain_text(added, timeout=RELOAD_BOUND_MS)
        assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "reload", \
            "the page changed without the live-reload script reloading it"

        # 2. Break the front matter: an overlay names the file and line; the last good page stays under it.
        edited.write_text(edited.read_text(encoding="utf-8").replace("[life, cats]", "[life, cats"),
                          encoding="utf-8")
        overlay = page.locator("#blog-livereload-error")
        expect(overlay).to_be_visible(timeout=SLOW_MS)
        expect(overlay).to_contain_text(re.compile(r"content/diary/second-day\.md:\d+"))
        expect(overlay).to_contain_text("not valid YAML")
        expect(body).to_contain_text(added)
        page.screenshot(path=tmp_path / "overlay.png")
        served.wait_for_output(r"error: content/diary/second-day\.md:\d+: the front matter is not valid YAML")
        still = context.request.get(served.url + EDITED_URL)  # a fresh request gets the last good build too
        assert still.status == 200 and added in still.text()

        # 3. Fix it: the overlay goes by itself and the page shows the fixed post.
        edited.write_text(second_day(f"The second post.\n\n{added}\n\n{fixed}\n"), encoding="utf-8")
        expect(body).to_contain_text(fixed, timeout=SLOW_MS)
        expect(overlay).to_have_count(0)
        page.screenshot(path=tmp_path / "post.png", full_page=True)

        # 4. Add a post: the front page, open in a second tab since before the post existed, shows it.
        front = context.new_page()
        front.set_default_timeout(SLOW_MS)
        front.goto(served.url + "/")
        titles = front.locator("article.post h2.post-title")
        expect(titles.first).to_have_text("Nova in Havana")
        (site / "content/diary/third-day.md").write_text(
            post("Third day", "2020-02-01 12:00", "Written while the server watched.\n", tags=["life"]),
            encoding="utf-8")
        expect(titles.first).to_have_text("Third day", timeout=SLOW_MS)
        expect(front.locator("article.post").first).to_contain_text("Written while the server watched.")

        # Ctrl-C with the tabs (and their event streams) still open: a clean exit.
        status, out, err = served.stop(signal.SIGINT)
        context.close()

    assert status == 0, f"blog serve exited with {status}:\n{out}{err}"
    assert "Traceback" not in out + err
    assert "stopped" in out

    # The live-reload script was added as pages were served; the files in output/ never had it.
    pages = sorted((site / "output").rglob("*.html"))
    assert site / "output" / "diary" / "second-day.html" in pages
    assert fixed in (site / "output" / "diary" / "second-day.html").read_text(encoding="utf-8")
    for html_file in pages:
        text = html_file.read_text(encoding="utf-8")
        assert "data-blog-livereload" not in text and "__livereload" not in text, html_file


def test_the_open_tab_is_rebuilt_first_and_reloads_once(tmp_path, chromium):
    """Issue 17: on a 300-post blog, a theme edit reloads the open tab as soon as its page is written, while the
    rest of the site is rebuilt in the background; the end of that rebuild does not reload the tab again."""
    from playwright.sync_api import expect

    from bench.synth import make_blog

    site = tmp_path / "site"
    make_blog(site, 300, seed=7)
    (site / "templates").mkdir()   # watched only if it is there when serving starts
    source = sorted((site / "content" / "diary").glob("*.md"))[3]
    path = source.relative_to(site / "content").with_suffix(".html").as_posix()
    marker = f"Saved while the tab was open {uuid.uuid4().hex}"

    with blog_serve(site, tmp_path) as served:
        context = chromium.new_context()
        page = context.new_page()
        page.set_default_timeout(SLOW_MS)
        page.goto(f"{served.url}/{path}")
        expect(page.locator("script[data-blog-livereload]")).to_have_count(1)
        base = (REPO / "themes" / "default" / "templates" / "base.html").read_text(encoding="utf-8")
        (site / "templates" / "base.html").write_text(
            base.replace("</body>", f'<p class="marker">{marker}</p>\n</body>'), encoding="utf-8")

        expect(page.locator("p.marker")).to_have_text(marker, timeout=RELOAD_BOUND_MS)
        assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "reload"
        page.evaluate("window.reloadedOnce = true")   # gone if the page loads again
        served.wait_for_output(r"site rebuilt: \d+ files written")
        log = served.stdout.read_text(encoding="utf-8")
        assert log.index(f"rebuilt /{path} in ") < log.index("site rebuilt: "), log
        time.sleep(1.0)   # the end of the rebuild has been announced: no reload may follow
        assert page.evaluate("window.reloadedOnce === true"), "the tab reloaded a second time"
        assert marker in (site / "output" / "index.html").read_text(encoding="utf-8")   # the rest followed
        status, out, err = served.stop(signal.SIGINT)
        context.close()
    assert status == 0 and "Traceback" not in out + err, out + err
