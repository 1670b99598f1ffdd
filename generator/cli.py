"""The `blog` command. Each subcommand parses its arguments and calls one function; errors a blogger can fix
are printed as one line (no traceback unless --debug) with exit status 1, usage errors with 2."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from . import __version__
from .errors import BlogError, UsageError, one_line

EXIT_USAGE = 2


def _site_dir(value: str) -> Path:
    return Path(value)


def _seconds(value: str) -> float:
    """A time to wait: 0 or more seconds (argparse turns the error into a usage message, exit status 2)."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds >= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: the time to wait must be 0 or more seconds")
    return seconds


def _port(value: str) -> int:
    """A TCP port, 1 to 65535; else a usage error of one line (exit status 2), checked before anything is built."""
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise UsageError(f"--port {value}: not a port; use a number from 1 to 65535, such as 8000")
    return port


def cmd_build(args) -> int:
    from .build import BuildOptions, build
    from .config import load_config
    from .content.reader import parse_date

    now = None
    if args.now:
        tz = load_config(args.site).tz
        try:
            now = parse_date(args.now, tz, "--now", None, "--now")
        except BlogError as e:
            raise UsageError(e.message) from None
    warn = (lambda msg: print(one_line(msg), file=sys.stderr))
    options = BuildOptions(site_dir=args.site, output_dir=args.output, now=now, future=args.future,
                           drafts=args.drafts, lock_timeout=args.wait, adopt=args.adopt,
                           progress=None if args.quiet else terminal_progress(),
                           keep_until_exit=_KEPT_UNTIL_EXIT if args.program else None)
    result = build(options, warn=warn)
    _warn_local_base_url(args.site, warn)
    if args.timings:
        print("Stage times:")
        for stage, seconds in result.timings.items():
            print(f"  {stage:<10} {seconds:.3f} s")
    if not args.quiet:
        s = result.stats
        print(f"{result.posts} posts: {s.written} files written, {s.unchanged} unchanged, "
              f"{s.removed} removed in {result.elapsed:.1f} s ({len(s.rendered)} pages, "
              f"{result.parts_rendered} post blocks and entries rendered; {len(s.keyed)} pages keyed)"
              + (", the edited bodies patched in" if result.patched else ""))
    return 0


def _warn_local_base_url(site: Path, warn) -> None:
    """Feeds and the sitemap carry absolute links: a base_url written as a local address in config.yaml (as
    `blog init` and an import without one write it) publishes links no reader can follow. The built-in
    default is left quiet: it is for trying things out."""
    from urllib.parse import urlsplit
    import yaml
    from .config import CONFIG_NAME
    try:
        written = (yaml.safe_load((site / CONFIG_NAME).read_text(encoding="utf-8")) or {}).get("base_url")
    except (OSError, yaml.YAMLError, AttributeError, UnicodeDecodeError):
        return                     # the build itself has already said what is wrong with config.yaml
    host = urlsplit(str(written or "")).hostname or ""
    if host == "localhost" or host.startswith("127.") or host == "::1":
        warn(f"warning: {site / CONFIG_NAME}: base_url is {written}, so the feeds and the sitemap link to this machine; "
             f"set base_url to the address the blog is published at")


def terminal_progress():
    """A progress bar factory for builds run at a terminal; None under cron or when output is redirected.
    tqdm: small, no dependencies of its own, and its `delay` shows a bar only for stages that run long."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def bar(label: str, total: int):
        return tqdm(total=total, desc=label, unit=" " + label, delay=2.0, leave=False, file=sys.stderr,
                    dynamic_ncols=True)
    return bar


def cmd_init(args) -> int:
    from .scaffold import init_site
    init_site(args.dir)
    print(f"A new site is in {args.dir}: edit config.yaml, add posts with 'blog new', then 'blog build'.")
    return 0


def cmd_new(args) -> int:
    from .scaffold import new_post
    path = new_post(args.site, args.title, args.path, args.tags, publish=args.publish)
    if args.publish:
        print(f"wrote {path}")
    else:
        print(f"wrote {path} (a draft: remove its 'draft: true' line to publish it)")
    return 0


def cmd_drafts(args) -> int:
    from .drafts import find_drafts
    for draft in find_drafts(args.site):
        print(f"{draft.date:%Y-%m-%d %H:%M}  {draft.source}  {draft.title}")
    return 0


def cmd_serve(args) -> int:
    from .build import BuildOptions
    from .config import load_config
    from .serve.devserver import serve

    port = _port(args.port)
    site = args.site.resolve()
    output = (args.output or site / "output").resolve()
    # Same as `blog build` unless asked: output/ is what cron publishes, so drafts never land there unbidden.
    options = BuildOptions(site_dir=site, output_dir=output, future=args.future, drafts=args.drafts)

    watch = [site / "content", site / "templates", site / "themes", site / "config.yaml"] if args.watch else []
    base_path = load_config(site).base_path
    return serve(output, host=args.host, port=port, build=serve_build(options), watch_paths=watch,
                 base_path=base_path)


def serve_build(options):
    """The build `serve` calls: once before serving, then on every change with the pages open in the browser
    (`first`), which are published before the rest (a rebuild runs in a child: serve/rebuilder.py)."""
    from dataclasses import replace

    from .build import build

    def rebuild(first: frozenset[str] = frozenset(), on_first=None) -> str:
        result = build(replace(options, first=first, on_first=on_first),
                       warn=lambda msg: print(one_line(msg), file=sys.stderr))
        s = result.stats
        return f"{s.written} files written, {s.unchanged} unchanged, {s.removed} removed"
    return rebuild


def cmd_comments(args) -> int:
    if args.action == "serve":
        from .serve.comment_server import serve_comments
        return serve_comments(args.site, args.host, args.port, args.threads)
    from .moderation import run
    return run(args)


def cmd_import_pyblosxom(args) -> int:
    from .importer import run
    return run(args)


def cmd_check_urls(args) -> int:
    from .importer.urlcheck import check_url_list
    return check_url_list(args.file, args.site, args.output)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blog", description="A static blog generator for large, old blogs.")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    parser.add_argument("--version", action="version", version=f"blog {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create a new site folder", description="Create a new site: config.yaml, "
                       "content/ with one sample post. Refuses a folder that already has a config.yaml.")
    p.add_argument("dir", type=Path, help="the folder for the new site")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("new", help="write a new post file (a draft)", description="Write a new post with front "
                       "matter and the current time, marked 'draft: true' so a build does not publish it before "
                       "it is finished (unless --publish). Never overwrites a file.")
    p.add_argument("title", help="the post's title")
    p.add_argument("--path", default="", help="its category path, e.g. openstack/havana (default: top level)")
    p.add_argument("--tags", default="", help='space-separated tags, e.g. "openstack nova"')
    p.add_argument("--publish", action="store_true", help="not a draft: the next build publishes it")
    p.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("drafts", help="list the drafts", description="List every post marked "
                       "'draft: true', newest first: its date, file and title.")
    p.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    p.set_defaults(func=cmd_drafts)

    p = sub.add_parser("build", help="build the site into output/",
                       description="Build the site into output/, rewriting only files whose bytes change. "
                       "Exit status: 0 built, 1 content error (nothing published), 2 usage error, "
                       "75 another build holds the lock.")
    p.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    p.add_argument("--output", type=Path, default=None, help="where to write (default: SITE/output)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors and warnings (for cron)")
    p.add_argument("--timings", action="store_true", help="print the time of each stage")
    p.add_argument("--future", action="store_true", help="include posts dated in the future (preview)")
    p.add_argument("--drafts", action="store_true", help="include posts marked draft: true")
    p.add_argument("--now", metavar="DATE", help='build as if it were DATE, e.g. "2014-02-25 09:00"')
    p.add_argument("--wait", type=_seconds, default=60.0, metavar="SECONDS",
                   help="how long to wait for another running build (default 60)")
    p.add_argument("--adopt", action="store_true",
                   help="replace files in output/ that blog did not write (otherwise such a file stops the build)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="preview the site locally",
                       description="Build, then serve output/ on http://127.0.0.1:8000/. With --watch, rebuild "
                       "on every save and reload the browser.")
    p.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    p.add_argument("--output", type=Path, default=None, help="where to write (default: SITE/output)")
    p.add_argument("--port", default="8000", help="port to listen on, 1-65535 (default 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1 only)")
    p.add_argument("--watch", action="store_true", help="rebuild on changes and reload the browser")
    p.add_argument("--future", action="store_true", help="include posts dated in the future")
    p.add_argument("--drafts", action="store_true",
                   help="include drafts (best with --output elsewhere, so cron never publishes them)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("comments", help="moderate readers' comments",
                       description="Comments waiting for approval are files in comments-pending/ beside "
                       "config.yaml; they are never published until approved.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = actions.add_parser("list", help="show the comments waiting for approval")
    c.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    for action, what in (("approve", "move a waiting comment into place, to be published"),
                         ("reject", "delete a waiting comment, saying what it deletes")):
        c = actions.add_parser(action, help=what, description=what[0].upper() + what[1:] + ".")
        c.add_argument("id", metavar="ID", help="the comment's ID, as 'blog comments list' shows it")
        c.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    c = actions.add_parser("add", help="write a comment to the queue (or publish it with --approve)",
                           description="Write a comment dated now. Its text (Markdown) comes from --file, "
                           "or standard input.")
    c.add_argument("post", metavar="POST", help="the post's path (/book/some-post) or permalink URL")
    c.add_argument("--author", required=True, help="the commenter's name")
    c.add_argument("--url", help="the commenter's web site (http or https)")
    c.add_argument("--email", help="the commenter's email address (never published)")
    c.add_argument("--file", type=Path, help="read the comment's text from this file")
    c.add_argument("--approve", action="store_true", help="publish it now instead of queueing it")
    c.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    c = actions.add_parser(
        "serve", help="take readers' comments from the form under each post (a WSGI server)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Take comments from the form under each post (comments.form_url in config.yaml) and queue "
        "them in comments-pending/ for 'blog comments approve'. Nothing is published until approved, and the "
        "site is never built by this command.\n\n"
        "It is a WSGI application on waitress, a production WSGI server, meant to sit behind your web server "
        "on the form's one path. It answers POST there, GET there as a health check, nothing else. nginx:\n\n"
        "  location = /comment {\n"
        "      proxy_pass http://127.0.0.1:8081;\n"
        "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "      client_max_body_size 64k;\n  }\n\n"
        "Apache (mod_proxy): ProxyPass \"/comment\" \"http://127.0.0.1:8081/comment\"\n\n"
        "Set comments.trusted_proxies: [127.0.0.1] so X-Forwarded-For is believed from the proxy. Under "
        "gunicorn the same application is:\n\n"
        "  gunicorn -w 2 -b 127.0.0.1:8081 'generator.serve.comment_server:make_app(\"/srv/blog\")'\n\n"
        "Limits (honeypot, form token, links, sizes, rate limits, queue size) and the email to the blogger "
        "are set under comments: in config.yaml; see the README, \"Taking comments from readers\".")
    c.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    c.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1 only)")
    c.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")
    c.add_argument("--threads", type=int, default=4, help="requests handled at once (default 4)")
    p.set_defaults(func=cmd_comments)

    p = sub.add_parser("import", help="import another blog's files",
                       description="Import another blog into a new site folder.")
    importers = p.add_subparsers(dest="importer", metavar="KIND", required=True)
    p = importers.add_parser("pyblosxom", help="a PyBlosxom 1.5 data folder",
                             description="Write a new site (config.yaml, content/, old-urls.txt) from a "
                             "PyBlosxom data folder, which is only read. Then run 'blog build' and "
                             "'blog check-urls old-urls.txt' in the new site.")
    from .importer import add_arguments as add_import_arguments
    add_import_arguments(p)
    p.set_defaults(func=cmd_import_pyblosxom)

    p = sub.add_parser("check-urls", help="report old URLs the built site does not answer",
                       description="Read site-relative URLs from FILE (one a line; blank lines and # comments "
                       "are ignored) and report each one that output/ does not answer with a file or a redirect "
                       "page whose target exists. Exit status 0 when all answer, 1 otherwise.")
    p.add_argument("file", type=Path, metavar="FILE", help="the list of URLs, such as old-urls.txt")
    p.add_argument("--site", type=_site_dir, default=Path("."), help="the site folder (default: here)")
    p.add_argument("--output", type=Path, default=None, help="the built site (default: SITE/output)")
    p.set_defaults(func=cmd_check_urls)
    return parser


# What a build run by the `blog` program leaves to the end of the process (run()).
_KEPT_UNTIL_EXIT: list = []


def run() -> None:
    """The `blog` program (and `python -m generator`): main(). After a build the process leaves at once: freeing
    the build's millions of objects one by one would cost 0.3 s at 100,000 posts, for a process that is ending.
    Everything is written and closed by then; the output streams are flushed here."""
    code = main(program=True)
    if _KEPT_UNTIL_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None, program: bool = False) -> int:
    # A build makes millions of objects that live until it ends (records, the model, page keys). At Python's
    # default thresholds the collector walks them again and again: a fifth of a one-post rebuild at 10,000
    # posts. Rarer collections still free cycles; memory stays as it was.
    gc.set_threshold(50_000, 20, 100)
    parser = make_parser()
    args = parser.parse_args(argv)
    args.program = program
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except BlogError as e:
        if args.debug:
            raise
        print(f"error: {one_line(str(e))}", file=sys.stderr)
        return e.exit_status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    run()
