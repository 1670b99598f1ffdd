"""A real `blog comments serve` (waitress) in a subprocess on a free port, and the ways tests talk to it.

`form_fields` reads the form out of a built post page the way a browser would submit it; `send` posts a form
(or raw bytes) and returns the status, headers and body; `queue` is what comments-pending/ holds."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from bs4 import BeautifulSoup

from sitefactory import REPO

STARTUP_S = 60
# Every limit high, so tests that are not about a limit never meet one.
RELAXED = {"rate_per_client": "100000/minute", "rate_global": "100000/minute", "min_seconds": 0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    def __init__(self, proc, port: int, log: Path):
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str = "/comment", body: bytes | None = None, headers=None,
                timeout: float = 30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def send(self, fields: dict | None = None, raw: bytes | None = None, headers=None, path="/comment"):
        body = raw if raw is not None else urlencode(fields or {}).encode("utf-8")
        hdrs = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body, hdrs)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def comment_server(site: Path, logs: Path, name: str = "receiver", env: dict | None = None,
                   port: int | None = None):
    """On `port`, or a free one (retried if another test takes it first)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", **(env or {})}
    log = logs / f"{name}.log"
    fixed = port
    for _ in range(3):
        port = fixed or free_port()
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "generator", "comments", "serve", "--site", str(site),
                                     "--port", str(port)], cwd=site, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline and proc.poll() is None and "Taking comments" not in log.read_text():
            time.sleep(0.05)
        if proc.poll() is None and "Taking comments" in log.read_text():
            break
        proc.wait(timeout=30)
        if "cannot listen" not in log.read_text():
            break
    receiver = Receiver(proc, port, log)
    try:
        assert proc.poll() is None, f"blog comments serve did not start:\n{log.read_text()}"
        _wait_healthy(receiver)
        yield receiver
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        print(f"--- {name} log ---\n" + log.read_text(errors="replace"))


def _wait_healthy(receiver: Receiver) -> None:
    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            if receiver.request("GET")[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, "the receiver never answered its health check"
        time.sleep(0.05)


def form_fields(page: Path) -> dict:
    """The fields the comment form on a built page submits, as a browser would send them untouched."""
    soup = BeautifulSoup(page.read_bytes(), "lxml")
    form = soup.select_one("section.comment-form form")
    assert form is not None, f"{page} has no comment form"
    fields = {}
    for tag in form.find_all(["input", "textarea"]):
        fields[tag["name"]] = tag.get("value", "") if tag.name == "input" else textarea_value(tag)
    return fields


def textarea_value(tag) -> str:
    """What a browser takes as a textarea's value: HTML drops one newline right after the start tag (lxml
    keeps it)."""
    value = tag.get_text()
    return value[1:] if value.startswith("\n") else value


def queue(site: Path) -> dict[str, bytes]:
    """Every file in comments-pending/ (dot-files too), by name."""
    folder = site / "comments-pending"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def log_lines(receiver: Receiver, pattern: str) -> list[str]:
    return [line for line in receiver.log_text().splitlines() if re.search(pattern, line)]
