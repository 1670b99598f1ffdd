"""Spare files: the files a build replaced in output/, kept in the cache for the next build to write over.

Publishing a page by renaming a new file over the old one makes a file and frees one, for every page. On ext4
that is most of what publishing costs: freeing a file frees its blocks and its inode, and without a journal ext4
then makes every new file skip past the inodes freed in the last minutes, one by one (`recently_deleted`): 0.4 ms
a file once a build has replaced thousands. A new post at 100,000 posts replaces 13,000 files (every /page/N/).

So a page whose file exists is staged in a spare (its bytes written over the spare's, which keeps its inode and
blocks) and swapped with the file in output/ in one atomic step (Linux `renameat2(RENAME_EXCHANGE)`): readers see
the old file or the new, as with a rename, and the old file becomes the spare. Measured on 13,000 files of 58 KB:
staging and publishing 2.0 s with new files and renames, 0.3 s with spares.

Where the system cannot swap (not Linux, a file system without it), or the cache is on another file system than
output/, pages are staged in new files and renamed, as before. At most SHARE of the site's files are kept spare
(a new post's worth), so the cache holds no second copy of the site after a theme edit.

The trade: a reader that opened a file before a build swapped it out, and is still reading it when a later build
writes over that spare, reads the later bytes; with a rename it kept the old ones. Builds come minutes apart from
cron, and a web server ends a stalled send long before (nginx's send_timeout is 60 s).
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

FOLDER = "spares"
# At most one spare for this many files of the site, and no fewer than MIN_SPARES: a new post at 100,000 posts
# replaces 13,000-18,500 of 272,000 files (a listing page each); one at 10,000 posts 1,500 of 30,000.
SHARE = 12
MIN_SPARES = 2_000

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2   # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    return function


_exchange = _renameat2()


class Spares(NamedTuple):
    folder: str   # .blog-cache/spares
    count: int    # how many a build may use
    mode: int     # the mode a new file gets, given to each spare written


def spare_folder(cache_dir: Path, staging: Path, site_files: int) -> Spares | None:
    """The spares a build may use; None when pages must be staged in new files."""
    mode = new_file_mode()
    if _exchange is None or mode is None or not staging.is_relative_to(cache_dir):
        return None   # the staging folder is in output/: the cache is on another file system
    folder = cache_dir / FOLDER
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        return None
    if folder.is_symlink() or not folder.is_dir():
        return None
    return Spares(str(folder), max(MIN_SPARES, site_files // SHARE), mode)


def new_file_mode() -> int | None:
    """The mode a new file gets (0o666 less the umask), from /proc: setting the umask to read it would race
    with `blog serve`'s other threads. None where /proc does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return None


def write_spare(path: str, data: bytes, mode: int) -> bool:
    """Write `data` over the spare at `path` (made when there is none); False when it cannot be used, and the
    caller then stages a new file. A spare that is not a plain file of this user's with one name is not written
    into: its name is removed (never what it points at or shares its inode with) and a new file made."""
    flags = os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(2):
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            try:
                fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666)
            except OSError:
                return False
        except OSError as e:
            if e.errno != errno.ELOOP or not _remove(path):   # a link is removed; a folder is left alone
                return False
            continue
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.geteuid():
                os.close(fd)
                fd = -1
                if not _remove(path):
                    return False
                continue
            if stat.S_IMODE(st.st_mode) != mode:
                os.fchmod(fd, mode)   # as a new file would be, not as a hand-changed output file was
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if st.st_size > len(data):
                os.ftruncate(fd, len(data))
            return True
        finally:
            if fd >= 0:
                os.close(fd)
    return False


def _remove(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def swap_in(spare: str, target: str) -> bool:
    """Swap the staged spare with the file at `target` atomically; False when they could not be swapped (no file
    at `target`, or a file system that cannot), and the caller then renames it into place."""
    if _exchange(_AT_FDCWD, os.fsencode(spare), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOENT, errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTDIR):
        return False
    raise OSError(code, os.strerror(code), target)
