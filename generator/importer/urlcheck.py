"""`blog check-urls FILE`: which URLs of a list the built output does not answer.

A URL answers when a static server would serve a file for it: the file itself; for a folder URL (or a folder
named without its slash, which servers redirect) its index.html. A redirect page (meta refresh) answers only
when its target answers in turn.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..config import load_config
from ..errors import BlogError

MAX_HOPS = 10


class _Refresh(HTMLParser):
    """The target of a `<meta http-equiv="refresh" content="0; url=...">`, if the page has one."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.target: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh" and self.target is None:
            _, _, rest = (attrs.get("content") or "").partition(";")
            rest = rest.strip()
            if rest.lower().startswith("url="):
                self.target = rest[4:].strip().strip("'\"")


def refresh_target(file: Path) -> str | None:
    parser = _Refresh()
    parser.feed(file.read_bytes()[:8192].decode("utf-8", "replace"))   # the meta is in the head
    return parser.target


class UrlChecker:
    def __init__(self, output: Path, base_url: str):
        self.output = output.resolve()
        self.base_url = base_url                      # 'http://host/blog/'
        self.base_path = urlsplit(base_url).path      # '/blog/'

    def problem(self, url: str) -> str | None:
        """Why `url` (site-relative) does not answer, or None when it does."""
        seen = []
        while len(seen) <= MAX_HOPS:
            seen.append(url)
            file, effective = self._file(url)
            if file is None:
                return "no such file" if len(seen) == 1 else f"redirects to {url}, which has no file"
            target = refresh_target(file) if file.suffix in (".html", ".htm") else None
            if target is None:
                return None
            url = self._site_relative(urljoin(self.base_url.rstrip("/") + effective, target))
            if url is None:
                return f"redirects off the site, to {target}"
            if url in seen:
                return f"redirects in a loop through {url}"
        return f"more than {MAX_HOPS} redirects"

    def _file(self, url: str) -> tuple[Path | None, str]:
        path = unquote(urlsplit(url).path)
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if ".." in parts or "\0" in path:
            return None, url
        target = self.output.joinpath(*parts)
        if path.endswith("/") or not parts or target.is_dir():
            target, url = target / "index.html", url if url.endswith("/") else url + "/"
        try:
            inside = target.resolve().is_relative_to(self.output)
        except OSError:
            inside = False
        return (target if inside and target.is_file() else None), url

    def _site_relative(self, absolute: str) -> str | None:
        if not absolute.startswith(self.base_url.rstrip("/") + "/"):
            return None
        return absolute[len(self.base_url.rstrip("/")):]


def read_url_list(path: Path) -> list[tuple[int, str]]:
    """(line number, URL) of each line that is not blank or a # comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BlogError("no such file: give a list of URLs, one a line, such as old-urls.txt", path) from None
    except UnicodeDecodeError:
        raise BlogError("this file is not UTF-8 text; save it as UTF-8", path) from None
    urls = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            urls.append((number, line))
    return urls


def check_url_list(file: Path, site: Path, output: Path | None = None, out=print) -> int:
    config = load_config(site)
    output = output or site / "output"
    if not output.is_dir():
        raise BlogError("no built site here; run 'blog build' first", output)
    checker = UrlChecker(output, config.base_url)
    urls = read_url_list(file)
    broken = 0
    for number, url in urls:
        if url.startswith(config.base_url):           # an absolute URL of this site
            url = "/" + url[len(config.base_url):]
        reason = checker.problem(url) if url.startswith("/") else "not a site-relative URL: start it with /"
        if reason:
            broken += 1
            out(f"{file}:{number}: {url}: {reason}")
    if broken:
        out(f"{broken} of {len(urls)} URLs do not answer in {output}")
        return 1
    out(f"all {len(urls)} URLs answer in {output}")
    return 0
