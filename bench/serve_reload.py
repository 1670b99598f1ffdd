"""How long `serve --watch` takes from a save to the open tab's reload, on a built blog.

    python -m bench.serve_reload /tmp/big/site     # a blog written by `python -m bench --only-generate`, built once

Starts the dev server on the blog (in this process, as `blog serve --watch` does), opens an event stream the way
the live-reload script of a tab showing a post page does, then makes two saves, each after the site is done:
a paragraph appended to that post, and the theme's base.html overridden in the site's templates/ with a
comment added. For each it prints the seconds from the save to the reload event of the open tab, and to the
end of the whole rebuild. The blog's files are edited; `templates/base.html` is left in place.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

from generator.build import BuildOptions
from generator.cli import serve_build
from generator.serve.devserver import DevServer

from .run import theme_base


def events(server: DevServer, url: str):
    """The epochs sent to a tab showing `url`, one at a time."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=300)
    conn.request("GET", "/__livereload?page=" + quote(url, safe=""))
    resp = conn.getresponse()
    while line := resp.readline():
        if line.startswith(b"data: "):
            data = json.loads(line[len(b"data: "):])
            if data["error"]:
                raise SystemExit(f"the build failed: {data['error']}")
            yield data["epoch"]


def measure(server: DevServer, lines: list[str], stream, seen: int, save) -> tuple[float, float, int]:
    """(seconds to the tab's reload, seconds to the end of the rebuild, the epoch the tab has now)."""
    del lines[:]
    started = time.monotonic()
    save()
    while (epoch := next(stream)) <= seen:
        pass
    reloaded = time.monotonic() - started
    while not any(line.startswith(("site rebuilt", "error")) for line in lines):
        time.sleep(0.005)
    return reloaded, time.monotonic() - started, epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    site = parser.parse_args().site.resolve()
    output = site / "output"
    (site / "templates").mkdir(exist_ok=True)   # watched only if it is there when serving starts
    post = sorted((site / "content" / "diary").glob("*.md"))[0]
    page = "/" + post.relative_to(site / "content").with_suffix(".html").as_posix()
    lines: list[str] = []
    server = DevServer(output, port=0, build=serve_build(BuildOptions(site_dir=site, output_dir=output)),
                       watch_paths=[site / "content", site / "templates", site / "config.yaml"], out=lines.append)
    server.bind()
    server.first_build()
    server.start_serving()
    try:
        stream = events(server, page)
        seen = next(stream)

        def edit_post():
            with post.open("a", encoding="utf-8") as f:
                f.write(f"\nA paragraph saved at {time.time()}.\n")

        def edit_base():
            tmp = site / "templates" / "base.html.tmp~"
            tmp.write_text(theme_base().read_text(encoding="utf-8") + f"\n<!-- saved at {time.time()} -->\n",
                           encoding="utf-8")
            os.replace(tmp, site / "templates" / "base.html")

        print(f"open tab: {page}")
        for name, save in (("post body edited", edit_post), ("base.html edited", edit_base)):
            reloaded, done, seen = measure(server, lines, stream, seen, save)
            rebuilt = next((line for line in lines if line.startswith("site rebuilt")), lines[-1])
            print(f"{name}: tab reloaded {reloaded:.2f} s after the save, site done after {done:.2f} s "
                  f"({re.sub(r' in [0-9.]+ s$', '', rebuilt)})")
            time.sleep(1.0)   # let the file system settle between the cases
    finally:
        server.stop()


if __name__ == "__main__":
    main()
