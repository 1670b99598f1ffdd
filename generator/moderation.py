"""`blog comments`: the moderation queue. Comments waiting for approval are files in comments-pending/ beside
config.yaml, each with a `post: /<category>/<slug>` line naming its post (the importer writes them the same
way). They are never published; approving one moves it to content/<category>/<slug>.comments/.

Everything printed from a queued comment passes through plain_text: it was written by a stranger, and a
terminal must not obey escape sequences hidden in it."""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import yaml

from .config import Config, load_config
from .errors import BlogError, one_line
from .content.create import comment_text, create_file
from .content.frontmatter import split
from .content.reader import COMMENTS_SUFFIX, POST_SUFFIXES, decode, parse_date, read_comment
from .render.markdown_render import comment_html
from .render.sanitize import plain_text, safe_url

PENDING_DIR = "comments-pending"
_FIRST_LINE = 60
_MIN_ROOM = 40   # columns the post, author, date and first line need at the least
_COLUMN_LIMITS = (40, 24, 16, _FIRST_LINE)   # post, author, date, first line


@dataclass(frozen=True)
class Pending:
    id: str
    path: Path
    post: str           # as written: '/book/John_Ringo/live-free-or-die'
    author: str
    date: datetime | None
    first_line: str


# -- the queue -----------------------------------------------------------------------------------------------
def queue_dir(site_dir: Path) -> Path:
    return site_dir / PENDING_DIR


def read_pending(path: Path, tz) -> tuple[Pending, str, dict]:
    """(summary, text, front matter) of one queued comment; BlogError if it cannot be read."""
    text = decode(path.read_bytes(), str(path))
    meta, body, fm_lines = split(text, path)
    when = meta.get("date")
    try:
        when = parse_date(when, tz, str(path), 1) if when is not None else None
    except BlogError:
        when = None
    first = next((line for line in body.splitlines() if line.strip()), "")
    first = plain_text(first)
    if len(first) > _FIRST_LINE:
        first = first[: _FIRST_LINE - 1] + "…"
    pending = Pending(id=path.stem, path=path, post=plain_text(str(meta.get("post") or "")),
                      author=plain_text(str(meta.get("author") or "")), date=when, first_line=first)
    return pending, text, meta


def list_queue(site_dir: Path, tz, warn) -> list[Pending]:
    """Every readable queued comment, oldest first; an unreadable one is a warning, not the end of the list."""
    folder = queue_dir(site_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith("."):
            continue
        try:
            found.append(read_pending(path, tz)[0])
        except BlogError as e:
            warn(f"warning: {e}")
    far_past = datetime.min.replace(tzinfo=tz)
    return sorted(found, key=lambda p: (p.date or far_past, p.id))


def find_pending(site_dir: Path, ident: str) -> Path:
    """ID as `blog comments list` shows it; 'ID.md' or 'comments-pending/ID.md' work too."""
    name = PurePosixPath(ident.strip().replace("\\", "/")).name
    name = name[:-3] if name.endswith(".md") else name
    path = queue_dir(site_dir) / (name + ".md")
    if not name or name.startswith(".") or not path.is_file():
        raise BlogError(f"no comment '{plain_text(ident)}' is waiting in {PENDING_DIR}/; "
                        "'blog comments list' shows the queue")
    return path


# -- posts ---------------------------------------------------------------------------------------------------
def resolve_post(site_dir: Path, config: Config, ref: str) -> str:
    """A post's id ('book/John_Ringo/live-free-or-die') from its path, with or without '.html', or from its
    permalink URL under base_url."""
    ref = ref.strip()
    if "://" in ref:
        url, base = urlsplit(ref), urlsplit(config.base_url)
        base_path = base.path.rstrip("/")
        if (url.scheme not in ("http", "https") or url.netloc.lower() != base.netloc.lower()
                or not url.path.startswith(base_path + "/")):
            raise BlogError(f"{plain_text(ref)} is not a page of this blog (base_url is {config.base_url}); "
                            "give the post's permalink or its path, like /book/some-post")
        path = unquote(url.path[len(base_path):])
    else:
        path = re.split(r"[?#]", ref, maxsplit=1)[0]
    path = path.strip("/")
    if path.endswith(".html"):
        path = path[: -len(".html")]
    parts = path.split("/")
    unsafe = any(p in ("", ".", "..") or p.startswith(".") or p.endswith(COMMENTS_SUFFIX) for p in parts)
    if not unsafe and parts[0] != "static":
        for suffix in POST_SUFFIXES:
            if (site_dir / "content" / (path + suffix)).is_file():
                return path
    raise BlogError(f"there is no post at /{plain_text(path)} (no content/{plain_text(path)}.md); give the "
                    "post's path, like /book/some-post, or its permalink URL")


def _post_of(site_dir: Path, config: Config, path: Path, meta: dict) -> str:
    ref = meta.get("post")
    if not isinstance(ref, str) or not ref.strip():
        raise BlogError("this queued comment has no 'post:' line naming its post (post: /category/slug); "
                        "add one, or reject it", path, 1)
    try:
        return resolve_post(site_dir, config, ref)
    except BlogError as e:
        raise BlogError(f"{e.message}; fix its 'post:' line or reject it", path) from None


# -- writing -------------------------------------------------------------------------------------------------
def _comment_stem(author: str, when: datetime | None) -> str:
    """'20140225-0812-jane-nguyen', like the comments in the example blog."""
    slug = re.sub(r"[^\w]+", "-", plain_text(author).lower(), flags=re.ASCII).strip("-")[:40].strip("-")
    stamp = when.strftime("%Y%m%d-%H%M") if when else "comment"
    return f"{stamp}-{slug or 'anonymous'}"


def _without_post_key(text: str, fm_count: int) -> str:
    """The file's text minus its top-level 'post:' line (and any lines continuing it), all else as written."""
    lines = text.split("\n")
    for i in range(1, 1 + fm_count):
        if re.match(r"post\s*:", lines[i].lstrip("\ufeff")):
            end = i + 1
            while end < 1 + fm_count and lines[end][:1] in (" ", "\t"):
                end += 1
            del lines[i:end]
            break
    return "\n".join(lines)


def approve(site_dir: Path, ident: str) -> tuple[Path, Path]:
    """Move a queued comment into its post's comments folder. Returns (from, to)."""
    config = load_config(site_dir)
    path = find_pending(site_dir, ident)
    pending, text, meta = read_pending(path, config.tz)
    post_id = _post_of(site_dir, config, path, meta)
    folder_rel = PurePosixPath(post_id + COMMENTS_SUFFIX)
    try:   # the check a build makes, so a comment that would break the build never gets into content/
        comment, _ = read_comment(folder_rel / path.name, text.encode("utf-8"), config.tz)
    except BlogError as e:
        raise BlogError(f"{e.message}; fix it, or reject it", path, e.line) from None
    _, body, fm_lines = split(text, path)
    # Rendered as the build will render it: one the build would show as plain text stays queued.
    why = comment_html(body, comment.body_format, config.comments.max_bytes)[1]
    if why:
        raise BlogError(f"this comment would not render ({why}); shorten it, or reject it", path)
    kept = {k: v for k, v in meta.items() if k != "post"}
    published = _without_post_key(text, len(fm_lines))
    if split(published, path)[0] != kept:   # 'post:' written in some unusual YAML form: write the rest anew
        published = "---\n" + yaml.safe_dump(kept, sort_keys=False, allow_unicode=True, width=1_000_000) \
            + "---\n" + body
    target = create_file(site_dir / "content" / folder_rel, _comment_stem(comment.author, comment.date), published)
    path.unlink()
    return path, target


def reject(site_dir: Path, ident: str, say) -> Path:
    """Say what is deleted, then delete it. An unreadable file can be rejected too."""
    config = load_config(site_dir)
    path = find_pending(site_dir, ident)
    rel = f"{PENDING_DIR}/{path.name}"
    try:
        p = read_pending(path, config.tz)[0]
        when = p.date.strftime("%Y-%m-%d %H:%M") if p.date else "no date"
        say(f"deleting {rel}: comment by {p.author or '(no author)'} on {p.post or '(no post)'}, {when}: "
            f"\"{p.first_line}\"")
    except BlogError as e:
        say(f"deleting {rel} (unreadable: {e.message})")
    path.unlink()
    return path


def add(site_dir: Path, post_ref: str, *, author: str, url: str = "", email: str = "", body: str,
        approved: bool = False, now: datetime | None = None) -> Path:
    """Write a new comment to the queue, or with `approved` straight into its post's comments folder."""
    config = load_config(site_dir)
    post_id = resolve_post(site_dir, config, post_ref)
    author = plain_text(author)
    if not author:
        raise BlogError("--author is empty; give the commenter's name")
    if url and not safe_url(url):
        raise BlogError(f"--url {plain_text(url)!r} is not an http:// or https:// address")
    if not body.strip():
        raise BlogError("the comment is empty; give its text on standard input or with --file")
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > config.comments.max_bytes:
        raise BlogError(f"the comment is {size} bytes, more than comments.max_bytes "
                        f"({config.comments.max_bytes}); shorten it")
    when = (now or datetime.now(config.tz)).astimezone(config.tz).replace(microsecond=0)
    text = comment_text(author, when, url.strip(), plain_text(email) if email else "", body,
                        post_id=None if approved else post_id)
    if approved:
        return create_file(site_dir / "content" / (post_id + COMMENTS_SUFFIX), _comment_stem(author, when), text)
    return create_file(queue_dir(site_dir), f"{post_id.replace('/', '-')}-{int(when.timestamp())}", text)


# -- the command ---------------------------------------------------------------------------------------------
def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(site_dir: Path, p: Path) -> str:
    try:
        return p.relative_to(site_dir).as_posix()
    except ValueError:
        return str(p)


def print_queue(site_dir: Path, out, warn) -> None:
    items = list_queue(site_dir, load_config(site_dir).tz, warn)
    if not items:
        out(f"No comments are waiting ({PENDING_DIR}/ is empty).")
        return
    rows = [("ID", "POST", "AUTHOR", "DATE", "FIRST LINE")]
    rows += [(p.id, p.post, p.author, p.date.strftime("%Y-%m-%d %H:%M") if p.date else "?", p.first_line)
             for p in items]
    # A stranger chooses the author's name and the text: every column but the ID (which approve needs whole) is
    # cut with an ellipsis so that a line fits the terminal (80 columns when there is none). IDs too long to leave
    # the other columns room (the receiver's, with their random part) go on a line of their own.
    width = shutil.get_terminal_size((80, 24)).columns
    id_width = max(len(r[0]) for r in rows)
    stacked = width - id_width - 2 * 4 < _MIN_ROOM
    room = width - (4 if stacked else id_width) - 2 * (3 if stacked else 4)
    limits = [min(limit, max(len(r[i]) for r in rows)) for i, limit in zip(range(1, 5), _COLUMN_LIMITS)]
    while sum(limits) > room and max(limits) > 8:
        widest = limits.index(max(limits))
        limits[widest] -= 1
    for row in rows:
        cells = [_cut(cell, w).ljust(w) for cell, w in zip(row[1:], limits)]
        if stacked:
            out(row[0])
            out(("    " + "  ".join(cells)).rstrip())
        else:
            out("  ".join([row[0].ljust(id_width)] + cells).rstrip())
    out(f"{len(items)} waiting: 'blog comments approve ID' publishes one, 'reject ID' deletes it.")


def read_body_arg(file: Path | None) -> str:
    if file is None:
        if sys.stdin.isatty():
            print("Type the comment (Markdown), then Ctrl-D:", file=sys.stderr)
        return sys.stdin.read()
    try:
        return decode(file.read_bytes(), str(file))
    except OSError as e:
        raise BlogError(f"cannot read the comment's text: {e.strerror}", file) from None


def run(args) -> int:
    """`blog comments list|approve|reject|add`, as parsed by cli.py."""
    site = args.site
    out = print
    if args.action == "list":
        print_queue(site, out, lambda msg: print(one_line(msg), file=sys.stderr))
    elif args.action == "approve":
        source, target = approve(site, args.id)
        out(f"approved {source.stem}: moved to {_show(site, target)}")
    elif args.action == "reject":
        reject(site, args.id, out)
    elif args.action == "add":
        body = read_body_arg(args.file)
        path = add(site, args.post, author=args.author, url=args.url or "", email=args.email or "", body=body,
                   approved=args.approve)
        hint = "" if args.approve else f" (publish it with 'blog comments approve {path.stem}')"
        out(f"wrote {_show(site, path)}{hint}")
    return 0
