"""The development server: serves a folder over HTTP, optionally rebuilding it when watched files change and
reloading open browser tabs (MkDocs' livereload is the model). Generic: it takes a `build` callable and knows
nothing about blogs. Never writes anything; the live-reload script is added to HTML as it is served.
"""

from __future__ import annotations

import errno
import mimetypes
import select
import signal
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, unquote

from .livereload import EVENTS_PATH, BuildState, inject, run_build, start_observer, stream_events
from .rebuilder import Rebuilder

CONTENT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".css": "text/css", ".js": "text/javascript",
    ".rss": "application/rss+xml", ".atom": "application/atom+xml", ".xml": "application/xml",
    ".json": "application/json", ".txt": "text/plain", ".svg": "image/svg+xml",
}
_TEXT_APPLICATION = {"application/rss+xml", "application/atom+xml", "application/xml", "application/json"}


def content_type(path: Path) -> str:
    kind = CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in _TEXT_APPLICATION:
        kind += "; charset=utf-8"
    return kind


# A request line longer than this is answered 414 (a file name holds 255 bytes; no page's URL comes near it).
MAX_URL = 8192


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "blog-serve"
    timeout = 30   # seconds a connection may sit idle (or send its request slowly) before it is closed

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        if len(self.path) > MAX_URL:
            return self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
        path, _, query = self.path.partition("?")
        path = path.partition("#")[0]
        if path == EVENTS_PATH and not head:
            self._headers(HTTPStatus.OK, {"Content-Type": "text/event-stream"})
            # The tab says which page it shows (the script sends its location): that page is rebuilt first.
            shown = self.server.output_path(self.server.locate(parse_qs(query).get("page", [""])[0]))
            return stream_events(self.server.state, self.wfile.write, shown, self._gone)
        found = self.server.locate(path)
        if isinstance(found, str):  # a folder URL without its slash
            location = found + ("?" + query if query else "")
            return self._headers(HTTPStatus.MOVED_PERMANENTLY, {"Location": location, "Content-Length": "0"})
        if found is None:
            return self._not_found(head)
        self._send_file(HTTPStatus.OK, found, head)

    def _gone(self) -> bool:
        """The client closed the connection (a tab showing an event stream sends nothing after its request)."""
        try:
            readable = select.select([self.connection], [], [], 0)[0]
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _send_file(self, status: HTTPStatus, file: Path, head: bool) -> None:
        # Read before the file: a build finishing in between costs one reload.
        epoch = self.server.state.epoch_of(self.server.output_path(file) if status == HTTPStatus.OK else None)
        try:
            body = file.read_bytes()
        except OSError:  # removed by a build since we looked
            return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"404 Not Found\n", head)
        kind = content_type(file)
        if kind.startswith("text/html"):
            body = inject(body, epoch)
        self._send(status, kind, body, head)

    def _not_found(self, head: bool) -> None:
        page = self.server.locate(self.server.base_path + "/404.html")
        if isinstance(page, Path):
            return self._send_file(HTTPStatus.NOT_FOUND, page, head)
        if self.server.live:  # HTML, so the tab still learns of builds (say the first one failed): it recovers
            body = inject(b"<!doctype html><title>404 Not Found</title><p>404 Not Found</p>",
                          self.server.state.epoch)
            return self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", body, head)
        self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"404 Not Found\n", head)

    def _send(self, status: HTTPStatus, kind: str, body: bytes, head: bool) -> None:
        self._headers(status, {"Content-Type": kind, "Content-Length": str(len(body))})
        if not head:
            self.wfile.write(body)

    def _headers(self, status: HTTPStatus, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Cache-Control": "no-store", **headers}.items():  # a reload must show the new build
            self.send_header(name, value)
        self.end_headers()

    def log_message(self, format: str, *args) -> None:
        pass  # one line per request would bury the build messages


class _Server(ThreadingHTTPServer):
    # Request threads are joined in server_close, so Ctrl-C leaves no thread behind.
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128   # the listen backlog (socketserver's 5 refuses a browser's burst of requests)

    def __init__(self, address, output_dir: Path, base_path: str, state: BuildState) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.root = output_dir.resolve()
        self.base_path = base_path
        self.state = state
        self.live = False  # set when watching: builds may come
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def output_path(self, found: Path | str | None) -> str | None:
        """The path relative to output/ of a file `locate` found (the key of builds and epochs), else None."""
        return found.relative_to(self.root).as_posix() if isinstance(found, Path) else None

    def locate(self, url_path: str) -> Path | str | None:
        """The file to serve for a URL path; a str is a redirect target; None means 404.

        Nothing outside the output folder is ever returned: `..` segments, backslashes and NUL (raw or
        %-encoded) are refused, and the resolved path (after symlinks) must still be inside the root.
        """
        if not url_path.startswith("/"):
            return None
        if self.base_path:
            if url_path in ("/", self.base_path):
                return self.base_path + "/"
            if not url_path.startswith(self.base_path + "/"):
                return None
            url_path = url_path[len(self.base_path):]
        decoded = unquote(url_path)
        if "\\" in decoded or "\0" in decoded:
            return None
        parts = [p for p in decoded.split("/") if p not in ("", ".")]
        if ".." in parts:
            return None
        target = self.root.joinpath(*parts)
        if not self._inside(target):
            return None
        try:
            if target.is_dir():
                if not url_path.endswith("/"):  # one leading slash: "//host/" would redirect off-site
                    return self.base_path + "/" + url_path.lstrip("/") + "/"
                target = target / "index.html"
            return target if target.is_file() and self._inside(target) else None
        except OSError:   # a name too long, a folder that may not be read
            return None

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.root)
        except (OSError, RuntimeError):  # a symlink loop, a name too long
            return False

    # Open connections are tracked so that stopping can shut them down: a browser's idle keep-alive or
    # preconnect socket would otherwise hold its thread (and our join) forever.
    def process_request(self, request, client_address) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            for request in self._open:
                try:
                    request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a closed tab is not worth a traceback
            super().handle_error(request, client_address)


class ServeError(Exception):
    """Serving cannot start (port taken, too many files to watch): one line for the terminal, status 1."""


class DevServer:
    """The pieces of `serve`, startable and stoppable from code (tests use it directly).

    `build()` makes the site once, in this process, before serving. Watching, every rebuild is
    `build(first=paths, on_first=callback)` in a forked child (serve/rebuilder.py): `paths` are the files (relative
    to the output folder) open in a browser tab; the build publishes those first and calls `on_first(published)`.
    It may return a line to print, saying what it wrote."""

    def __init__(self, output_dir: Path, *, host: str = "127.0.0.1", port: int = 8000,
                 build: Callable[..., str | None] | None = None, watch_paths=(), base_path: str = "",
                 out: Callable[[str], None] = print, quiet: float = 0.1) -> None:
        self.output_dir = Path(output_dir)
        self.host, self.port, self.build, self.out = host, port, build, out
        self.watch_paths = [Path(p) for p in watch_paths] if build else []
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.state = BuildState()
        self.rebuilder = Rebuilder(build, self.state, out, quiet, self.state.shown_pages) \
            if self.watch_paths else None
        self.observer = None
        self.httpd: _Server | None = None
        self._serving: threading.Thread | None = None

    def bind(self) -> None:
        try:
            self.httpd = _Server((self.host, self.port), self.output_dir, self.base_path, self.state)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {self.port} is already in use on {self.host}; try --port {self.port + 1}")
            raise ServeError(f"cannot listen on {self.host} port {self.port}: {exc.strerror or exc}") from None
        self.port = self.httpd.server_address[1]  # the real one when asked for port 0
        self.httpd.live = bool(self.watch_paths)

    def first_build(self) -> bool:
        """Watch first, so an edit made during this build is not lost; then build once."""
        if self.rebuilder:
            try:
                self.observer = start_observer(self.watch_paths, self.rebuilder.changed, [self.output_dir])
            except OSError as exc:  # typically the inotify watch limit on a very large tree
                raise ServeError(f"cannot watch {', '.join(map(str, self.watch_paths))}: {exc}") from None
        ok = run_build(self.build, self.state, self.out) if self.build else True
        if self.rebuilder:
            self.rebuilder.start()
        return ok

    def start_serving(self) -> None:
        self._serving = threading.Thread(target=self.httpd.serve_forever, args=(0.1,), name="blog-http")
        self._serving.start()

    def stop(self) -> None:
        """Stop watching, kill the rebuild in progress, end every connection, join every thread."""
        if self.observer:
            self.observer.stop()
            self.observer.join()
        if self.rebuilder:
            self.rebuilder.stop()
        self.state.close()  # ends the event streams
        if self.httpd:
            if self._serving:
                self.httpd.shutdown()
                self._serving.join()
            self.httpd.close_connections()
            self.httpd.server_close()


def serve(output_dir: Path, *, host: str = "127.0.0.1", port: int = 8000,
          build: Callable[..., str | None] | None = None, watch_paths: list[Path] = (), base_path: str = "",
          out: Callable[[str], None] = print) -> int:
    """Serve `output_dir` until Ctrl-C; return the exit status.

    With `build`, build once first; with `build` and `watch_paths`, rebuild when they change and reload open
    tabs. A failed first build ends `serve` (status 1) unless watching, when the error shows in the browser
    until the blogger fixes it.
    """
    server = DevServer(output_dir, host=host, port=port, build=build, watch_paths=watch_paths,
                       base_path=base_path, out=out)
    on_term = threading.current_thread() is threading.main_thread()  # `kill` and test harnesses stop us cleanly
    if on_term:
        old_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.bind()
        if not server.first_build() and not server.watch_paths:
            return 1
        server.start_serving()
        where = f"[{host}]" if ":" in host else host
        out(f"Serving {output_dir} at http://{where}:{server.port}{server.base_path}/"
            + (" (watching for changes)" if server.watch_paths else "") + "; Ctrl-C to stop")
        stopped = threading.Event()
        while not stopped.wait(1.0):  # a timed wait lets Ctrl-C through at once
            pass
    except ServeError as exc:
        out(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        out("stopped")
    finally:
        server.stop()
        if on_term:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if old_term is None else old_term)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt
