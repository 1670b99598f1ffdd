"""The only code that writes to output/.

Three steps, so a failed build publishes nothing: `stage()` renders every page whose key changed into a staging
folder on output/'s file system; `publish()` first plans every move (a file where a folder must go, a folder
where a file must go, a file blog did not write, a folder it may not write) and stages the manifests, so that a
full disk, a permission or a clash fails while output/ is untouched; only then does it rename: each changed file
into place, files of pages that no longer exist removed, the manifest last.
Only files whose bytes change are replaced, so unchanged files keep their modification time and rsync moves
only what changed. The manifest (output/.blog-manifest.json) records every file the generator wrote and the key
it was made from; a file it did not write is never replaced or removed (unless the build is told to adopt it).
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BlogError
from ..pages import Page

MANIFEST = ".blog-manifest.json"
TEMP_PREFIX = ".blog-tmp-"
# The staging folder of a build whose output/ is on another file system than the cache is inside output/; its
# name is recorded in the cache first, so a killed build's folder is removed by the next and no other is.
_STAGING_RECORD = "staging-in-output"
_STAGING_NAME = re.compile(r"\.blog-tmp-[0-9a-f]{16}\Z")
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_CONTENT_FILE = re.compile(r"content/\S+")


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    staged: list[str] = field(default_factory=list)


class OutputWriter:
    def __init__(self, output_dir: Path, cache_dir: Path, warn, adopt: bool = False):
        self.output = output_dir
        self.cache_dir = cache_dir
        self.warn = warn
        self.adopt = adopt
        if os.path.lexists(output_dir) and not output_dir.is_dir():
            raise BlogError("the output folder is a file, not a folder; move it away or give another --output",
                            output_dir)
        self.old = self._load_manifest()
        self.new: dict[str, list] = {}
        self.stats = WriteStats()
        self.sources: dict[str, str] = {}
        self.present: set[str] = set()   # staged or kept paths whose file already exists in output/
        self._made: set[str] = set()
        self._order: list[str] = []
        self._created_output = False
        self.staging = cache_dir / "staging"

    def _load_manifest(self) -> dict[str, list]:
        self.old_inputs = None
        try:
            data = json.loads((self.output / MANIFEST).read_text(encoding="utf-8"))
            files = data.get("files", {})
            inputs = data.get("inputs")
            if not isinstance(files, dict):
                raise ValueError("no files")
        except (OSError, ValueError, AttributeError):
            return {}
        bad = next((p for p in files if not _inside(p)), None)
        if bad is not None:
            # Edited, or written by something else: trusting it could remove files anywhere.
            self.warn(f"warning: {self.output / MANIFEST}: lists {bad!r}, which is not a file inside the output "
                      "folder; ignored (as on a first build)")
            return {}
        self.old_inputs = inputs
        return {p: v for p, v in files.items() if isinstance(v, list) and len(v) == 2}

    def up_to_date(self, inputs: str) -> bool:
        """True when the last build was made from these very inputs and every file it wrote is still there."""
        if inputs != self.old_inputs:
            return False
        output = str(self.output) + "/"   # joined by hand: os.path.join costs more than the stat, 300,000 times
        if any(_size(output + path) != size for path, (_, size) in self.old.items()):
            return False
        self.stats.unchanged = len(self.old)
        return True

    def changed(self, pages: list[Page]) -> list[Page]:
        """The pages whose key differs from the one their file was made from (or whose file is gone)."""
        seen: dict[str, str] = {}
        for page in pages:
            if page.path in seen:
                # Name a content file first where one of the two is a file: that is what the blogger renames.
                files = [s for s in (page.source, seen[page.path]) if s.startswith("content/")]
                raise BlogError(f"two things map to one URL /{page.path}: {seen[page.path]} and {page.source}; "
                                "rename one of them", files[0] if files else None)
            seen[page.path] = page.source
        _check_files_and_folders(seen)
        self.sources = seen
        self._order = list(seen)   # the manifest lists files in page order: deterministic, and no sort
        output = str(self.output) + "/"
        todo = []
        for page in pages:
            recorded = self.old.get(page.path)
            if recorded and recorded[0] == page.key and _size(output + page.path) == recorded[1]:
                self.new[page.path] = recorded
                self.stats.unchanged += 1
            else:
                todo.append(page)
        return todo

    def stage(self, todo: list[Page], render_many=None) -> None:
        """Render `todo` into the staging folder; `render_many(fn, pages)` may spread the work over processes."""
        self._open_staging()
        results = (render_many or _serial)(self._stage_one, todo)
        for page, (size, staged, exists) in zip(todo, results):
            self.new[page.path] = [page.key, size]
            if exists:
                self.present.add(page.path)
            if staged:
                self.stats.staged.append(page.path)
            else:
                self.stats.unchanged += 1

    def _open_staging(self) -> None:
        """Staging goes where renames into output/ cannot cross file systems: the cache when it shares output/'s
        file system (output/ then stays untouched, folder times included, until publishing), else a folder
        inside output/ with a name chosen for this build."""
        self._remove_recorded_staging()
        if os.path.lexists(self.staging):
            if self.staging.is_dir() and not self.staging.is_symlink():
                shutil.rmtree(self.staging)
            else:
                self.staging.unlink()
        if not self.output.is_dir():
            try:
                self.output.mkdir(parents=True)
            except OSError as e:
                raise BlogError(f"cannot create the output folder ({e.strerror})", self.output) from None
            self._created_output = True
        self.cache_dir.mkdir(exist_ok=True)
        if os.stat(self.output).st_dev != os.stat(self.cache_dir).st_dev:
            name = TEMP_PREFIX + secrets.token_hex(8)
            _write_small(self.cache_dir / _STAGING_RECORD, name)
            self.staging = self.output / name
        try:
            self.staging.mkdir(parents=True)
        except OSError as e:
            raise BlogError(f"cannot write in the output folder ({e.strerror})", self.output) from None

    def _remove_recorded_staging(self) -> None:
        try:
            name = (self.cache_dir / _STAGING_RECORD).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return
        folder = self.output / name
        if _STAGING_NAME.match(name) and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        (self.cache_dir / _STAGING_RECORD).unlink(missing_ok=True)

    def _stage_one(self, page: Page) -> tuple[int, bool, bool]:
        """Render one page; stage it unless the file in output/ already has these bytes. Runs in workers.
        Returns (size, staged, a file or folder is already at its path)."""
        try:
            data = page.render()
        except OSError as e:   # a static file that cannot be read
            raise BlogError(f"cannot read this file ({e.strerror}); fix its permissions", page.source) from None
        target = os.path.join(self.output, page.path)
        same, exists = _compare(target, data)
        if same:
            return len(data), False, True
        staged = os.path.join(self.staging, page.path)
        folder = os.path.dirname(staged)
        try:
            if folder not in self._made:   # per process: workers each keep their own
                os.makedirs(folder, exist_ok=True)
                self._made.add(folder)
            with open(staged, "wb") as f:
                f.write(data)
        except OSError as e:
            raise _cannot_stage(e, page) from None
        return len(data), True, exists

    def publish(self, inputs: str | None = None) -> WriteStats:
        removed = [p for p in self.old if p not in self.new]
        removed.sort()
        if not self.stats.staged and not removed and not self.present - self.old.keys() and _same_bytes(
                self.output / MANIFEST, self._manifest_bytes(self.new, inputs, ordered=True)):
            self.discard(keep_output=True)
            return self.stats
        if not self.output.is_dir() or not self.staging.is_dir():
            self._open_staging()   # nothing was staged (only removals, or a manifest to write)
        self._plan(removed)
        # Until the last file is in place, the manifest must not vouch for any file being replaced: a build
        # killed half way is then repaired by the next, whatever the content is by then.
        interim = None
        if self.stats.staged or removed:
            files = dict(self.old)
            files.update({path: ["", -1] for path in self.stats.staged})
            interim = self._stage_manifest(files, None, "interim")
        final = self._stage_manifest({path: self.new[path] for path in self._order}, inputs, "final")
        # From here on, only renames and removals: nothing can run out of space or permission.
        if interim:
            os.replace(interim, self.output / MANIFEST)
        self._move_staged()
        real_output = os.path.realpath(self.output)
        for path in removed:
            target = self.output / path
            if os.path.realpath(target.parent) != os.path.join(real_output, *path.split("/")[:-1]):
                continue   # a folder on the way was replaced by a link: what it points at is not blog's
            if target.is_file() and not target.is_symlink():
                target.unlink()
                self.stats.removed += 1
                _remove_empty_parents(target.parent, self.output)
        if final:
            os.replace(final, self.output / MANIFEST)
        self.discard(keep_output=True)
        if not self.old:
            self._warn_unknown_files(self._every_folder())   # a first build: output/ may hold an older site
        elif self.stats.removed:
            # When files go, a file the generator did not write (and so leaves in place) keeps its folder: said
            # for the folders files went from and the folders above them, not by walking all of output/.
            folders = {""}
            for path in removed:
                parts = path.split("/")[:-1]
                folders.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
            self._warn_unknown_files(sorted(folders))
        return self.stats

    def _plan(self, removed: list[str]) -> None:
        """Every check a rename could fail, made before the first one: what is on disk where each staged file
        and its folders go, files blog did not write, and folders it may not write in."""
        output = str(self.output)
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
        for path in self.stats.staged + sorted(self.present - set(self.stats.staged)):
            source = self.sources.get(path, path)
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
            if deepest == folder and path in self.present:
                self._check_target(path, source)
        for path in removed:
            need_writable(path.rpartition("/")[0], f"removing /{path}")

    def _check_target(self, path: str, source: str) -> None:
        target = os.path.join(self.output, path)
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISDIR(mode):
            raise BlogError(f"a folder is where {source} writes the file /{path}; move it away "
                            "(nothing was published)", target)
        if path not in self.old and not self.adopt:
            raise BlogError(f"blog did not write this file, and {source} wants its place; move it away, or "
                            "build with --adopt to let blog replace it (nothing was published)", target)

    def _manifest_bytes(self, files: dict, inputs: str | None, ordered: bool = False) -> bytes:
        if ordered:
            files = {path: files[path] for path in self._order}
        # Compact, so the C encoder writes it: a big blog's manifest has tens of thousands of entries.
        return json.dumps({"version": 1, "inputs": inputs, "files": files}, separators=(",", ":")).encode()

    def _stage_manifest(self, files: dict, inputs: str | None, name: str) -> Path | None:
        data = self._manifest_bytes(files, inputs)
        if _same_bytes(self.output / MANIFEST, data):
            return None
        path = self.staging / f"{TEMP_PREFIX}manifest-{name}"
        try:
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)
        except OSError as e:
            raise _cannot_stage(e, None) from None
        return path

    def _move_staged(self) -> None:
        """Each staged file into place. A folder that output/ lacks altogether (every folder, on a first build)
        is moved whole with one rename: on many file systems a mkdir and a rename per file cost more than
        rendering the file did."""
        output, staging = str(self.output), str(self.staging)
        exists: dict[str, bool] = {"": True}
        moved: set[str] = set()
        for path in self.stats.staged:
            parts = path.split("/")[:-1]
            folder = ""
            for part in parts:
                folder = f"{folder}/{part}" if folder else part
                if folder in moved:
                    break
                if folder not in exists:
                    exists[folder] = os.path.lexists(os.path.join(output, folder))
                if not exists[folder]:
                    if _move_folder(os.path.join(staging, folder), os.path.join(output, folder)):
                        moved.add(folder)
                        break
                    exists[folder] = True   # could not be moved whole (another file system): made instead
                    os.makedirs(os.path.join(output, folder), exist_ok=True)
            else:
                _move_into_place(os.path.join(staging, path), os.path.join(output, path))
            self.stats.written += 1

    def discard(self, keep_output: bool = False) -> None:
        """Remove this build's staging folder (and output/, if this build made it and it stayed empty)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        (self.cache_dir / _STAGING_RECORD).unlink(missing_ok=True)
        if self._created_output and not keep_output:
            try:
                self.output.rmdir()
            except OSError:
                pass

    def _every_folder(self) -> list[str]:
        root = str(self.output)
        found = []
        for folder, dirs, _ in os.walk(root):
            dirs.sort()
            found.append(folder[len(root) + 1:])
        return found

    def _warn_unknown_files(self, folders: list[str]) -> None:
        """Files in output/ the generator did not write are left alone, but said once per build. `folders`:
        relative to output/ ('' is output/ itself), each looked at without its sub-folders."""
        known = self.new.keys() | {MANIFEST}
        unknown = []
        for rel_folder in folders:
            folder = os.path.join(self.output, rel_folder)
            try:
                names = sorted(e.name for e in os.scandir(folder) if not e.is_dir())
            except OSError:
                continue   # emptied and removed
            for name in names:
                rel = f"{rel_folder}/{name}" if rel_folder else name
                if rel not in known:
                    unknown.append(rel)
        if unknown:
            shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            self.warn(f"warning: {self.output}: {len(unknown)} file(s) not made by blog, left alone: {shown}")


def _check_files_and_folders(sources: dict[str, str]) -> None:
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


def _inside(path) -> bool:
    """A manifest entry: relative, normalized, inside output/, and not blog's own bookkeeping."""
    if not isinstance(path, str) or not path or path.startswith("/") or "\0" in path or "\\" in path:
        return False
    parts = path.split("/")
    return (all(p not in ("", ".", "..") for p in parts) and path != MANIFEST
            and not parts[0].startswith(TEMP_PREFIX))


def _cannot_stage(e: OSError, page: Page | None) -> BlogError:
    where = f" /{page.path} (from {page.source})" if page else " the manifest"
    if e.errno in _DISK_FULL:
        return BlogError(f"no space left to write{where}; free some space and build again (nothing was "
                         "published)", e.filename or (page.source if page else None))
    if e.errno == errno.ENAMETOOLONG:
        return BlogError(f"the file name of{where} is too long for the file system; shorten the name",
                         page.source if page else None)
    return BlogError(f"cannot write{where} ({e.strerror}); nothing was published", e.filename)


def _write_small(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _serial(fn, items):
    return [fn(item) for item in items]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _compare(path: str, data: bytes) -> tuple[bool, bool]:
    """(the file at `path` has exactly these bytes, something is at `path`), from one lstat."""
    try:
        st = os.lstat(path)
    except OSError:
        return False, False
    if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
        return False, True
    try:
        with open(path, "rb") as f:
            return f.read() == data, True
    except OSError:
        return False, True


def _same_bytes(path, data: bytes) -> bool:
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def _move_folder(staged: str, target: str) -> bool:
    """Move a staged folder to where output/ has nothing; False across file systems (then file by file)."""
    try:
        os.rename(staged, target)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        return False
    return True


def _move_into_place(staged: str, target: str) -> None:
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


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
