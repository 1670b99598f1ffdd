"""The README's screenshots, remade from the real build of the example blog in Chromium:

    .venv/bin/python tools/screenshots.py            # docs/screenshots/front-desktop.png, post-phone.png
    .venv/bin/python tools/screenshots.py --all DIR  # every page kind, light and dark, desktop and phone, in DIR

It builds content/ into a scratch folder (output/ and the cache are left alone), serves it on 127.0.0.1, and
drives Debian's chromium through Playwright, as the browser tests do. The PNGs are reduced to 256 colours with
Pillow when it is installed, which keeps them small in the repository.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
POST = "/code/python/static-blog-config.html"
# Every kind of page, for looking at the theme after a change (--all).
PAGES = {"front": "/", "post": POST, "category": "/book/", "tag": "/tags/python/", "tags": "/tags/",
         "comments": "/comments/", "month": "/2014/02/", "year": "/2014/", "archives": "/archives/",
         "categories": "/categories/", "404": "/404.html"}


def build_example(scratch: Path) -> Path:
    """The example blog (config.yaml and content/ at the top of the repo) built into scratch/output."""
    site = scratch / "site"
    site.mkdir()
    shutil.copy(REPO / "config.yaml", site / "config.yaml")
    shutil.copytree(REPO / "content", site / "content")
    sys.path.insert(0, str(REPO))
    from generator.cli import main

    output = scratch / "output"
    if main(["build", "--quiet", "--site", str(site), "--output", str(output)]) != 0:
        raise SystemExit("the example blog did not build")
    return output


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def shrink(path: Path) -> None:
    """256 colours: a page of text and flat colour loses nothing a reader would see, and weighs a third."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def shoot(browser, base: str, path: str, viewport: dict, scheme: str, out: Path, scale: float = 1) -> None:
    context = browser.new_context(viewport=viewport, device_scale_factor=scale, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        page.screenshot(path=str(out))
    finally:
        context.close()
    shrink(out)
    print(f"{out} ({out.stat().st_size // 1024} KiB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", metavar="DIR", type=Path,
                        help="every page kind in both schemes at both widths, into DIR")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="blog-shots-") as scratch, sync_playwright() as p:
        output = build_example(Path(scratch))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            with serve(output) as base:
                if args.all:
                    args.all.mkdir(parents=True, exist_ok=True)
                    for name, path in PAGES.items():
                        for scheme in ("light", "dark"):
                            for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                                shoot(browser, base, path, viewport, scheme, args.all / f"{name}-{scheme}-{label}.png")
                else:
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    shoot(browser, base, "/", DESKTOP, "light", SHOTS / "front-desktop.png")
                    shoot(browser, base, POST, PHONE, "light", SHOTS / "post-phone.png", scale=2)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
