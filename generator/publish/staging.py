"""Where a build stages its files: on output/'s file system, so that publishing is only renames. The cache when
it shares output/'s file system (output/ then stays untouched, folder times included, until publishing), else a
folder inside output/ with a name chosen for this build, recorded in the cache first so that a killed build's
folder is removed by the next build and no other folder ever is."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

from ..errors import BlogError
from ..pages import Page
from .plan import TEMP_PREFIX
from .spares import swap_in

_RECORD = "staging-in-output"
_NAME = re.compile(r"\.blog-tmp-[0-9a-f]{16}\Z")
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_FLAT = TEMP_PREFIX + "flat"   # no page path starts with it (plan.manifest_path_ok)


def open_staging(output: Path, cache_dir: Path) -> tuple[Path, bool]:
    """A fresh, empty staging folder; returns (it, whether output/ had to be created for it)."""
    remove_recorded(output, cache_dir)
    staging = cache_dir / "staging"
    if os.path.lexists(staging):
        if staging.is_dir() and not staging.is_symlink():
            shutil.rmtree(staging)
        else:
            staging.unlink()
    created = False
    if not output.is_dir():
        try:
            output.mkdir(parents=True)
        except OSError as e:
            raise BlogError(f"cannot create the output folder ({e.strerror})", output) from None
        created = True
    cache_dir.mkdir(exist_ok=True)
    if os.stat(output).st_dev != os.stat(cache_dir).st_dev:
        name = TEMP_PREFIX + secrets.token_hex(8)
        tmp = cache_dir / (_RECORD + ".new")
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, cache_dir / _RECORD)
        staging = output / name
    try:
        staging.mkdir(parents=True)
    except OSError as e:
        raise BlogError(f"cannot write in the output folder ({e.strerror})", output) from None
    return staging, created


def remove_recorded(output: Path, cache_dir: Path) -> None:
    """Remove the staging folder recorded in the cache (a killed build's), and the record."""
    try:
        name = (cache_dir / _RECORD).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return
    folder = output / name
    if _NAME.match(name) and folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder, ignore_errors=True)
    (cache_dir / _RECORD).unlink(missing_ok=True)


def cannot_stage(e: OSError, page: Page | None) -> BlogError:
    where = f" /{page.path} (from {page.source})" if page else " the manifest"
    if e.errno in _DISK_FULL:
        return BlogError(f"no space left to write{where}; free some space and build again (nothing was "
                         "published)", e.filename or (page.source if page else None))
    if e.errno == errno.ENAMETOOLONG:
        return BlogError(f"the file name of{where} is too long for the file system; shorten the name",
                         page.source if page else None)
    return BlogError(f"cannot write{where} ({e.strerror}); nothing was published", e.filename)


def flat_path(staging: str, path: str) -> str:
    """Where a page whose folder output/ already has is staged: by a hash of its path in a flat folder of the
    worker's own (workers creating files in one folder wait on its lock), so that no staging folder is made and
    removed per folder (a mkdir costs as much as writing the file on some file systems, and a new post changes
    pages in 1,300 folders). It is renamed into place alone."""
    name = hashlib.blake2b(path.encode(), digest_size=16).hexdigest()
    return os.path.join(staging, f"{_FLAT}-{os.getpid()}", name)


def is_real_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)   # not a link: plan_moves refuses those
    except OSError:
        return False


def move_staged_file(staging: str, output: str, path: str, flat: str | None, spare: bool = False) -> None:
    """Move one staged file into place: from `flat` (its flat_path, or a spare) or from its path in the staging
    folder. A spare is swapped with the file it replaces, which becomes the spare (publish/spares.py)."""
    target = os.path.join(output, path)
    if spare and swap_in(flat, target):
        return
    try:
        move_into_place(flat or os.path.join(staging, path), target)
    except FileNotFoundError:
        if not flat:
            raise
        os.makedirs(os.path.dirname(target), exist_ok=True)   # its folder was removed since it was staged
        move_into_place(flat, target)


def move_folder(staged: str, target: str) -> bool:
    """Move a staged folder to where output/ has nothing; False across file systems (then file by file)."""
    try:
        os.rename(staged, target)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        return False
    return True


def move_into_place(staged: str, target: str) -> None:
    """Replace `target` atomically: the staged file is complete, so a rename publishes it whole. Across file
    systems (a mount inside output/) it is copied to a temporary file beside the target first, then renamed.
    The target's folder exists (`_move_staged` made it)."""
    try:
        os.replace(staged, target)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        tmp = os.path.join(os.path.dirname(target), TEMP_PREFIX + secrets.token_hex(8))
        try:
            shutil.copyfile(staged, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
