"""The only code that writes to output/.

Two steps, so a failed build publishes nothing: `stage()` renders every page whose key changed into a staging
folder in the cache (an error there leaves output/ untouched), then `publish()` moves each changed file into
place with an atomic rename, removes files of pages that no longer exist, and writes the manifest last.
Only files whose bytes change are replaced, so unchanged files keep their modification time and rsync moves
only what changed. The manifest (output/.blog-manifest.json) records every file the generator wrote and the key
it was made from; a file it did not write is never removed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BlogError
from ..pages import Page

MANIFEST = ".blog-manifest.json"
TEMP_PREFIX = ".blog-tmp-"
_TREE, _FLAT, _FLAT_DIR = 1, 2, ".flat"   # .flat: in the staging folder; no page path starts with a dot folder


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    staged: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)   # every page render() ran for, staged or not


class OutputWriter:
    def __init__(self, output_dir: Path, staging_dir: Path, warn):
        self.output = output_dir
        self.staging = staging_dir
        self.warn = warn
        self.old = self._load_manifest()
        self.new: dict[str, list] = {}
        self.stats = WriteStats()
        self._made: set[str] = set()
        self._in_output: dict[str, bool] = {}
        self._flat: set[str] = set()
        self._order: list[str] = []

    def _load_manifest(self) -> dict[str, list]:
        self.old_inputs = None
        try:
            data = json.loads((self.output / MANIFEST).read_text(encoding="utf-8"))
            files = data.get("files", {})
            self.old_inputs = data.get("inputs")
            return {p: v for p, v in files.items() if isinstance(v, list) and len(v) == 2}
        except (OSError, ValueError, AttributeError):
            return {}

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
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        results = (render_many or _serial)(self._stage_one, todo)
        self.stats.rendered.extend(page.path for page in todo)
        for page, (size, staged) in zip(todo, results):
            self.new[page.path] = [page.key, size]
            if staged:
                self.stats.staged.append(page.path)
                if staged == _FLAT:
                    self._flat.add(page.path)
            else:
                self.stats.unchanged += 1

    def _stage_one(self, page: Page) -> tuple[int, int]:
        """Render one page; stage it unless output/ has these bytes already (0), at its path (_TREE), or by name
        (_FLAT) when its folder is in output/: no staging folder to make and remove, as costly as the file."""
        data = page.render()
        target = os.path.join(self.output, page.path)
        if _same_bytes(target, data):
            return len(data), 0
        out_folder = os.path.dirname(target)
        flat = self._in_output.get(out_folder)   # per process, like _made
        if flat is None:
            flat = self._in_output[out_folder] = os.path.isdir(out_folder)
        staged = self._flat_path(page.path) if flat else os.path.join(self.staging, page.path)
        folder = os.path.dirname(staged)
        if folder not in self._made:   # per process: workers each keep their own
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        with open(staged, "wb") as f:
            f.write(data)
        return len(data), _FLAT if flat else _TREE

    def _flat_path(self, path: str) -> str:
        return os.path.join(self.staging, _FLAT_DIR, hashlib.blake2b(path.encode(), digest_size=16).hexdigest())

    def publish(self, inputs: str | None = None) -> WriteStats:
        self.output.mkdir(parents=True, exist_ok=True)
        removed = sorted(set(self.old) - set(self.new))
        if self.stats.staged or removed:
            # Until the last file is in place, the manifest must not vouch for any file being replaced: a
            # build killed half way is then repaired by the next, whatever the content is by then.
            interim = dict(self.old)
            interim.update({path: ["", -1] for path in self.stats.staged})
            self._write_manifest_data(interim, None)
        self._move_staged()
        for path in removed:
            target = self.output / path
            if target.is_file() and not target.is_symlink():
                target.unlink()
                self.stats.removed += 1
                _remove_empty_parents(target.parent, self.output)
        self._write_manifest(inputs)
        shutil.rmtree(self.staging, ignore_errors=True)
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

    def _move_staged(self) -> None:
        """Each staged file into place. A folder that output/ lacks altogether (every folder, on a first build)
        is moved whole with one rename: on many file systems a mkdir and a rename per file cost more than
        rendering the file did."""
        output, staging = str(self.output), str(self.staging)
        exists: dict[str, bool] = {"": True}
        moved: set[str] = set()
        for path in self.stats.staged:
            if path in self._flat:
                _move_into_place(self._flat_path(path), os.path.join(output, path))
                self.stats.written += 1
                continue
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

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def _write_manifest(self, inputs: str | None) -> bool:
        files = {path: self.new[path] for path in self._order}
        if list(files.items()) == list(self.old.items()) and inputs == self.old_inputs \
                and (self.output / MANIFEST).is_file():
            return False
        return self._write_manifest_data(files, inputs)

    def _write_manifest_data(self, files: dict, inputs: str | None) -> bool:
        # Compact, so the C encoder writes it: a big blog's manifest has tens of thousands of entries.
        data = json.dumps({"version": 1, "inputs": inputs, "files": files},
                          separators=(",", ":")).encode()
        if _same_bytes(self.output / MANIFEST, data):
            return False
        _atomic_write(self.output / MANIFEST, data)
        return True

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
                if name.startswith(TEMP_PREFIX):
                    os.unlink(os.path.join(folder, name))   # left by a build that was killed
                elif rel not in known:
                    unknown.append(rel)
        if unknown:
            shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            self.warn(f"warning: {self.output}: {len(unknown)} file(s) not made by blog, left alone: {shown}")


def _serial(fn, items):
    return [fn(item) for item in items]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _same_bytes(path, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    systems (output/ elsewhere) it is copied to a temporary file beside the target first, then renamed.
    The target's folder exists (`_move_staged` made it)."""
    if os.path.isdir(target):
        raise BlogError(f"cannot write {target}: a folder is in the way; remove it", target)
    try:
        os.replace(staged, target)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        with open(staged, "rb") as f:
            _atomic_write(Path(target), f.read())


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
