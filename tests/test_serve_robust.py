"""`blog serve` against hostile or careless clients and Ctrl-C at any moment: idle connections are closed, the
listen backlog takes a burst, a huge path gets a 414 (never a traceback), and Ctrl-C while the page-rendering
pool is alive prints no traceback from any process."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.synth import make_blog
from generator.serve.devserver import DevServer, _Handler, _Server
from sitefactory import REPO, ctrl_c_reaches_it


def running(output: Path) -> DevServer:
    server = DevServer(output, port=0, out=lambda line: None)
    server.bind()
    server.start_serving()
    return server


@pytest.fixture
def server(tmp_path):
    (tmp_path / "index.html").write_text("<p>home</p>")
    server = running(tmp_path)
    yield server
    server.stop()


@pytest.mark.parametrize("size", [9_000, 40_000, 60_000, 70_000])
@pytest.mark.parametrize("shape", ["a", "%41", "a/", "ab/../"])
def test_a_huge_path_gets_414_not_a_traceback(server, capfd, size, shape):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("GET", "/" + shape * (size // len(shape)))
    assert conn.getresponse().status == 414
    conn.close()
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("name", ["a" * 300, "a/" * 3000 + "x", "%ff" * 100])
def test_names_the_file_system_refuses_are_404_without_a_traceback(server, capfd, name):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("GET", "/" + name)
    assert conn.getresponse().status == 404
    assert "Traceback" not in capfd.readouterr().err


def test_idle_connections_time_out_and_the_backlog_is_not_5(server, monkeypatch):
    assert _Server.request_queue_size >= 64
    assert 0 < _Handler.timeout <= 60
    monkeypatch.setattr(_Handler, "timeout", 1)
    idle = socket.create_connection((server.host, server.port))
    idle.sendall(b"GET / HT")   # half a request line, then nothing
    idle.settimeout(10)
    started = time.monotonic()
    assert idle.recv(100) == b""   # closed by the server
    assert time.monotonic() - started < 8
    idle.close()
    # A burst of connections, none read yet, all get served.
    conns = [socket.create_connection((server.host, server.port)) for _ in range(50)]
    for c in conns:
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    for c in conns:
        c.settimeout(10)
        assert c.recv(20).startswith(b"HTTP/1.0 200")
        c.close()


@pytest.mark.slow
def test_ctrl_c_while_the_rendering_pool_is_alive_prints_no_traceback(tmp_path):
    site = tmp_path / "blog"
    make_blog(site, 300, seed=3)
    env = {**os.environ, "PYTHONPATH": str(REPO), "BLOG_WORKERS": "2"}
    for delay in (0.6, 1.2, 2.0):
        subprocess.run(["rm", "-rf", str(site / "output"), str(site / ".blog-cache")], check=True)
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--watch", "--port", "0"], cwd=site,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, preexec_fn=ctrl_c_reaches_it)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)   # as a terminal's Ctrl-C: the whole process group
        try:
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            proc.kill()
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, (delay, stderr[-2000:])
