"""Before the first rename, every check a rename could fail: so a build that cannot publish everything publishes
nothing. Pure checks: nothing here writes."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..errors import BlogError

MANIFEST = ".blog-manifest.json"
# The files a build is replacing, while it replaces them: their manifest entries are not to be trusted.
PENDING = ".blog-manifest-pending.json"
TEMP_PREFIX = ".blog-tmp-"
_CONTENT_FILE = re.compile(r"content/\S+")


def check_files_and_folders(sources: dict[str, str]) -> None:
    """No output path may be both a file and a folder of another: a category or tag named like a file the site
    writes (content/404.html/, tag 'index.html') would otherwise fail half way through publishing."""
    folders: dict[str, str] = {}
    for path in sources:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders[folder] = path
            folder = folder.rpartition("/")[0]
    for folder, path in folders.items():
        if folder in sources:
            a, b = sources[path], sources[folder]
            named = next((m.group(0) for m in map(_CONTENT_FILE.search, (a, b)) if m), None)
            raise BlogError(f"/{folder} is both a file ({b}) and a folder ({a} writes /{path}); "
                            "rename the folder or tag", named)


# Absolute, a NUL or a backslash, an empty, '.' or '..' part: one search, since every build checks every entry.
_NOT_INSIDE = re.compile(r"^/|\x00|\\|//|/$|(?:^|/)\.\.?(?:/|$)")


def manifest_path_ok(path) -> bool:
    """A manifest entry: relative, normalized, inside output/, and not blog's own bookkeeping."""
    return (isinstance(path, str) and path != "" and _NOT_INSIDE.search(path) is None
            and path not in (MANIFEST, PENDING) and not path.startswith(TEMP_PREFIX))


def plan_moves(output_dir: Path, staged: list[str], present: set[str], old: dict, sources: dict[str, str],
               removed: list[str], adopt: bool) -> None:
    """Every check a rename could fail, made before the first one: what is on disk where each staged file
    and its folders go, files blog did not write, and folders it may not write in."""
    output = str(output_dir)
    kind: dict[str, int] = {"": stat.S_IFDIR}   # folder -> its file type on disk, 0 when missing

    def folder_kind(folder: str) -> int:
        if folder not in kind:
            parent = folder.rpartition("/")[0]
            if folder_kind(parent) != stat.S_IFDIR:
                kind[folder] = 0
            else:
                try:
                    kind[folder] = stat.S_IFMT(os.lstat(os.path.join(output, folder)).st_mode)
                except FileNotFoundError:
                    kind[folder] = 0
                except OSError as e:
                    raise BlogError(f"cannot read this folder ({e.strerror}); fix its permissions",
                                    os.path.join(output, folder)) from None
        return kind[folder]

    writable: dict[str, bool] = {}

    def need_writable(folder: str, why: str) -> None:
        if folder not in writable:
            writable[folder] = os.access(os.path.join(output, folder), os.W_OK | os.X_OK)
        if not writable[folder]:
            raise BlogError(f"blog may not write in this folder, needed for {why}; fix its permissions "
                            "(nothing was published)", os.path.join(output, folder) if folder else output)

    deepest_of: dict[str, str] = {}   # folder of staged files -> its deepest folder already in output/
    for path in staged + sorted(present - set(staged)):
        source = sources.get(path, path)
        folder = path.rpartition("/")[0]
        deepest = deepest_of.get(folder)
        if deepest is None:
            deepest = ""
            parts = folder.split("/") if folder else []
            for n in range(1, len(parts) + 1):
                prefix = "/".join(parts[:n])
                found = folder_kind(prefix)
                if found == 0:
                    break
                if found != stat.S_IFDIR:
                    what = "a link" if found == stat.S_IFLNK else "a file"
                    raise BlogError(f"{what} blog did not make is where {source} needs the folder "
                                    f"/{prefix}/; move it away (nothing was published)",
                                    os.path.join(output, prefix))
                deepest = prefix
            deepest_of[folder] = deepest
            need_writable(deepest, source)
        if deepest == folder and path in present:
            _check_target(output, path, source, path in old or adopt)
    for path in removed:
        need_writable(path.rpartition("/")[0], f"removing /{path}")


def _check_target(output: str, path: str, source: str, may_replace: bool) -> None:
    target = os.path.join(output, path)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise BlogError(f"a folder is where {source} writes the file /{path}; move it away "
                        "(nothing was published)", target)
    if not may_replace:
        raise BlogError(f"blog did not write this file, and {source} wants its place; move it away, or "
                        "build with --adopt to let blog replace it (nothing was published)", target)


def every_folder(output: Path) -> list[str]:
    """Every folder of output/, relative to it ('' is output/ itself)."""
    root = str(output)
    found = []
    for folder, dirs, _ in os.walk(root):
        dirs.sort()
        found.append(folder[len(root) + 1:])
    return found


def unknown_files(output: Path, folders: list[str], known) -> list[str]:
    """Files in `folders` (relative to output/, each looked at without its sub-folders) not in `known`."""
    unknown = []
    for rel_folder in folders:
        folder = os.path.join(output, rel_folder)
        try:
            names = sorted(e.name for e in os.scandir(folder) if not e.is_dir())
        except OSError:
            continue   # emptied and removed
        unknown += [f"{rel_folder}/{name}" if rel_folder else name for name in names]
    return [rel for rel in unknown if rel not in known]
