"""Runs the comment receiver on waitress, a production WSGI server: a bounded request body (refused by
waitress before it is buffered), a few threads, one log line per request on standard error.

Under gunicorn the same application is `make_app(site folder)`:
    gunicorn -w 2 -b 127.0.0.1:8081 'generator.serve.comment_server:make_app("/srv/blog")'"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from .receiver import CommentReceiver


def make_app(site_dir: str | Path = ".") -> CommentReceiver:
    _log_to_stderr()
    return CommentReceiver(Path(site_dir))


def _log_to_stderr() -> None:
    logger = logging.getLogger("blog.comments")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def serve_comments(site_dir: Path, host: str, port: int, threads: int = 4) -> int:
    import waitress

    from ..errors import BlogError

    app = make_app(site_dir)
    s = app.settings
    try:
        # waitress reads a whole body before the application sees it, so it refuses a body far over the limit
        # itself, from its Content-Length, before reading it. Up to twice the limit the application refuses
        # it, with a log line. X-Forwarded-For is kept: the application believes it only from trusted_proxies.
        server = waitress.create_server(
            app, host=host, port=port, threads=threads, ident="blog-comments", channel_timeout=30,
            max_request_body_size=max(2 * s.max_request_bytes, 1 << 20), clear_untrusted_proxy_headers=False)
    except OSError as e:
        raise BlogError(f"cannot listen on {host}:{port}: {e.strerror}; is another server there? "
                        "Choose another with --port") from None
    print(f"Taking comments for {app.config.title!r} at http://{host}:{port}{app.path} "
          f"(queue: {app.queue.folder}); Ctrl-C stops", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    if app.notifier:
        app.notifier.wait()
    print("stopped", flush=True)
    return 0
