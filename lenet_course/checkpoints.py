"""Saving and loading ``tut2-model.pt``-style weight files, safely.

A weight file is exactly ``torch.save(model.state_dict(), path)``, so files written by the
original tutorial load here and ours load there. Loading always uses ``weights_only=True``:
a pickle that would need to run code is refused, never executed.

Writing is never half-done: every file is written to a temp file in the same folder and renamed
over its name (:func:`atomic_save`; :func:`stage_save` + :func:`commit` for a set of files that
must appear together). Temp files carry the writer's pid and host
(``.NAME.<pid>@<host>.XXXXXXXX.tmp``), so one left by a killed writer is recognised and removed
the next time that folder is written, while a live writer's is left alone. :class:`PrefixLock`
keeps two runs from writing snapshots under one prefix at once.
"""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import re
import socket
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from .models import build_model
from .paths import assets_dir as shipped_assets_dir
from .paths import course_root
from .runtime import pick_device

_PREFIXES = ("module.", "_orig_mod.")


class CheckpointError(ValueError):
    """A weight file cannot be used: missing, unreadable, unsafe, or not fitting the model."""


class SnapshotError(CheckpointError):
    """A snapshot (or another checkpoint file) cannot be written: read-only folder, full disk..."""


class RunLockedError(CheckpointError):
    """Another live run holds the lock of this snapshot prefix."""


class CheckpointWarning(UserWarning):
    """A checkpoint loaded, but something about it deserves attention (non-finite weights...)."""


# ---- writing: temp files that can be told apart, then a rename ---------------------------------
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname() or "host")[:40] or "host"
#: ``.<target>.<pid>@<host>.<random>.tmp`` (the random part is mkstemp's)
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+)\.[A-Za-z0-9_]+\.tmp$")


def temp_file_prefix(path: str | os.PathLike, pid: int | None = None) -> str:
    """The start of the temp-file name a writer (this process, or ``pid``) uses for ``path``."""
    return f".{Path(path).name}.{os.getpid() if pid is None else pid}@{_HOST}."


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (unknown counts as alive)."""
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C there: never guess
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def stale_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Temp files in ``folder`` left by a writer on this host that no longer runs."""
    found = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if not m or m.group("host") != _HOST:
            continue
        pid = int(m.group("pid"))
        if pid != os.getpid() and not _pid_alive(pid):
            found.append(entry)
    return found


def remove_stale_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Delete what :func:`stale_temp_files` finds (a live writer's temp files are never touched)."""
    removed = []
    for path in stale_temp_files(folder):
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass  # gone already, or not ours to delete: harmless either way
    return removed


def _write_failed(path: Path, err: OSError) -> SnapshotError:
    """One sentence naming the file, the cause and the fix."""
    if err.errno == errno.ENOSPC:
        why = "the disk is full; free some space (or pick another folder) and try again"
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "the folder is not writable; make it writable or write somewhere else"
    else:
        why = f"{err.strerror or err}; check the folder and try again"
    return SnapshotError(f"could not write {path}: {why}. Files written earlier are intact.")


def stage_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` ``obj`` to a fsynced temp file beside ``path``; :func:`commit` renames it.

    Stale temp files of killed writers in that folder are removed first. An ``OSError`` (full
    disk, read-only folder) becomes a :class:`SnapshotError`; no temp file is left behind.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=temp_file_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise _write_failed(path, err) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _write_failed(path, err) from None
        raise
    return Path(tmp)


def commit(tmp: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Rename a staged temp file over ``path`` (atomic on one filesystem)."""
    try:
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise _write_failed(Path(path), err) from None
    return Path(path)


def discard(*temps: str | os.PathLike | None) -> None:
    """Remove staged temp files that will not be committed."""
    for tmp in temps:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` to a temp file in the same folder, then rename: never a half-written file.

    A failed write (full disk, read-only folder) raises :class:`SnapshotError` and leaves any
    earlier file at ``path`` as it was.
    """
    return commit(stage_save(obj, path), path)


def atomic_write_text(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` (UTF-8) through a fsynced temp file and a rename, as :func:`atomic_save` does.

    For the small JSON files of cached results and measured times: a reader never sees half a file.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=temp_file_prefix(path), suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        raise _write_failed(path, err) from None
    return commit(tmp, path)


def check_writable_folder(folder: str | os.PathLike, what: str = "files") -> Path:
    """Create ``folder`` if needed and prove it takes a file (a probe, removed again).

    Called before training, so a run does not fail only when it has something to save.
    """
    folder = Path(folder)
    try:
        if folder.exists() and not folder.is_dir():
            raise SnapshotError(f"cannot write {what} into {folder}: it is a file, not a folder; pick another path.")
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".probe.{os.getpid()}@{_HOST}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise SnapshotError(
            f"cannot write {what} into {folder} ({err.strerror or err}); make the folder writable or pick another one."
        ) from None
    return folder


# ---- one run per snapshot prefix -------------------------------------------------------------
try:
    import fcntl
except ImportError:  # Windows: no advisory locks through fcntl; runs are not guarded there
    fcntl = None  # type: ignore[assignment]


class PrefixLock:
    """An exclusive ``flock`` on ``<prefix>.lock``, held while a run may write snapshots.

    The kernel drops an ``flock`` when its holder exits, however it exits, so a killed run never
    leaves the prefix locked (its file stays, holding its pid, and is simply locked again); a run
    that ends normally removes the file. Two locks in one process conflict too (each opens its
    own file description).
    """

    def __init__(self, prefix: str | os.PathLike) -> None:
        self.prefix = str(prefix)
        self.path = Path(self.prefix + ".lock")
        self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> PrefixLock:
        """Take the lock or raise :class:`RunLockedError` at once (never waits)."""
        if self._fh is not None:
            return self
        check_writable_folder(self.path.parent, "snapshots")
        while True:
            fh = self._open()
            if fcntl is None or _same_file(fh, self.path):
                break
            fh.close()  # the holder removed the file as we took it: lock the new one
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}@{_HOST}\n")
        fh.flush()
        self._fh = fh
        return self

    def _open(self):
        """The lock file, opened and locked (RunLockedError if a live process holds it)."""
        try:
            fh = open(self.path, "a+")
        except OSError as err:
            raise _write_failed(self.path, err) from None
        if fcntl is None:
            return fh
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = _read_holder(fh)
            fh.close()
            if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise _write_failed(self.path, err) from None
            raise RunLockedError(
                f"another run{holder} is writing snapshots with snapshot_prefix {self.prefix!r} "
                f"(lock file {self.path}); wait for it to finish, or give this run its own "
                "snapshot_prefix (e.g. snapshot_prefix='runs/lenet-2')."
            ) from None
        return fh

    def release(self) -> None:
        """Remove the lock file and drop the lock (a run leaves no file behind)."""
        if self._fh is None:
            return
        fh, self._fh = self._fh, None
        try:
            if _same_file(fh, self.path):
                self.path.unlink(missing_ok=True)  # while still locked: a waiter re-checks the inode
        except OSError:
            pass
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def __enter__(self) -> PrefixLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


def _same_file(fh, path: Path) -> bool:
    """Whether the open file ``fh`` is still the one at ``path`` (not unlinked or replaced)."""
    try:
        mine, there = os.fstat(fh.fileno()), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def _read_holder(fh) -> str:
    try:
        fh.seek(0)
        text = fh.read().strip()
    except OSError:
        return ""
    m = re.fullmatch(r"(\d+)@(\S+)", text)
    return f" (process {m.group(1)} on {m.group(2)})" if m else ""


def weights_of(model: nn.Module) -> dict[str, Tensor]:
    """``model.state_dict()`` as saved: on the CPU, contiguous, under the model's own key names."""
    return {k: v.detach().cpu().contiguous() for k, v in _unwrap_module(model).state_dict().items()}


def save_weights(model: nn.Module, path: str | os.PathLike) -> Path:
    """Write ``model.state_dict()`` as the tutorial does (``tut2-model.pt`` format), atomically."""
    return atomic_save(weights_of(model), path)


def _unwrap_module(model: nn.Module) -> nn.Module:
    return getattr(model, "_orig_mod", model)  # a torch.compile'd model saves its original keys


def safe_load(path: str | os.PathLike, map_location: str | torch.device | None = "cpu") -> Any:
    """``torch.load(weights_only=True)`` with errors that say what is wrong with the file."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"no checkpoint file at {path}")
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        if "weights_only" in str(err) or "Unsupported global" in str(err):
            raise CheckpointError(
                f"{path} holds Python objects that would need code to run to load "
                f"({_unsupported_global(str(err)) or first}); refused, nothing was executed. "
                "Only files of tensors (a state_dict) are accepted: ask for the state_dict, "
                "or re-save it with torch.save(model.state_dict(), path)."
            ) from None
        raise CheckpointError(f"{path} is not a readable torch file ({first})") from None
    except Exception:  # torch raises many kinds (RuntimeError, EOFError, IndexError...) for bad bytes
        # torch's own text for these ("invalid load key", a bare number, "PytorchStreamReader failed
        # ...") means nothing to a learner, so it is not repeated here.
        raise CheckpointError(
            f"{path} is not a torch checkpoint (neither a zip nor a pickle written by torch.save), "
            "or it is truncated; check that you gave the right file, or save it again"
        ) from None


def _unsupported_global(message: str) -> str:
    m = re.search(r"Unsupported global: GLOBAL ([\w.]+)", message)
    return f"it needs {m.group(1)}" if m else ""


def extract_state_dict(obj: Any) -> dict[str, Tensor]:
    """The state_dict inside a loaded object: bare, under 'state_dict'/'model', or prefixed.

    ``module.`` (DataParallel) and ``_orig_mod.`` (torch.compile) prefixes are removed.
    """
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            if key in obj and isinstance(obj[key], Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not all(isinstance(v, Tensor) for v in obj.values()):
        raise CheckpointError(
            f"the file does not hold a state_dict (a mapping of names to tensors); it holds {type(obj).__name__}"
        )
    state: dict[str, Tensor] = {}
    for key, value in obj.items():
        changed = True
        while changed:
            changed = False
            for prefix in _PREFIXES:
                if key.startswith(prefix):
                    key, changed = key[len(prefix) :], True
        state[key] = value
    return state


def detect_architecture(state: Mapping[str, Tensor]) -> str:
    """Which of the course's LeNets ('caffe', 'tut', 'lenet5') a state_dict belongs to, by its keys."""
    keys = set(state)
    best, best_overlap = "", -1.0
    for name, kwargs in _VARIANTS:
        expected = set(build_model(name, **kwargs).state_dict())
        if keys == expected:
            return name
        overlap = len(keys & expected) / len(keys | expected)
        if overlap > best_overlap:
            best, best_overlap = name, overlap
    raise CheckpointError(
        "the state_dict matches none of the course's LeNets (caffe, tut, lenet5); "
        f"closest is {best!r}. Its keys: {', '.join(sorted(keys)) or '(none)'}"
    )


_VARIANTS: tuple[tuple[str, dict], ...] = (
    ("caffe", {}),
    ("tut", {}),
    ("lenet5", {}),
    ("lenet5", {"head": "rbf"}),
)


def check_fits(model: nn.Module, state: Mapping[str, Tensor]) -> None:
    """Raise one error listing every missing key, unexpected key and shape mismatch at once."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [
        f"{k}: file {list(state[k].shape)} vs model {list(expected[k].shape)}"
        for k in expected
        if k in state and state[k].shape != expected[k].shape
    ]
    if missing or unexpected or shapes:
        parts = [f"the checkpoint does not fit {type(model).__name__}:"]
        if missing:
            parts.append(f"  missing keys ({len(missing)}): {', '.join(missing)}")
        if unexpected:
            parts.append(f"  unexpected keys ({len(unexpected)}): {', '.join(unexpected)}")
        if shapes:
            parts.append(f"  shape mismatches ({len(shapes)}): " + "; ".join(shapes))
        detected = _closest_architecture(state)
        if detected and detected != architecture_name_of(model):
            parts.append(
                f"  this file looks like the {detected!r} LeNet: load it as that (leave out --arch, "
                f"or pass --arch {detected})"
            )
        raise CheckpointError("\n".join(parts))


def architecture_name_of(model: nn.Module) -> str:
    """The course's name ('caffe', 'tut', 'lenet5') of a model's architecture, or ''."""
    from .models import architecture_name

    try:
        return architecture_name(model)
    except TypeError:
        return ""


def _closest_architecture(state: Mapping[str, Tensor]) -> str:
    """The course LeNet whose keys a state_dict has exactly, or ''."""
    try:
        return detect_architecture(state)
    except CheckpointError:
        return ""


def warn_if_not_finite(state: Mapping[str, Tensor], path: str | os.PathLike) -> list[str]:
    """Warn (:class:`CheckpointWarning`) naming every floating tensor holding NaN or inf.

    Such a file usually comes from a diverged run; it loads, but its predictions are meaningless.
    """
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        warnings.warn(
            f"{path}: {len(bad)} tensor(s) hold NaN or inf values ({', '.join(bad)}); the run that "
            "wrote it probably diverged. Train again with a lower base_lr.",
            CheckpointWarning,
            stacklevel=3,
        )
    return bad


def read_weights(
    model: nn.Module, path: str | os.PathLike, map_location: str | torch.device | None = None
) -> dict[str, Tensor]:
    """The state_dict in ``path``, checked to fit ``model`` (which is left unchanged)."""
    if map_location is None:
        map_location = next(model.parameters()).device
    verify_shipped(path)
    state = extract_state_dict(safe_load(path, map_location))
    check_fits(_unwrap_module(model), state)
    warn_if_not_finite(state, path)
    return state


def load_weights(
    model: nn.Module, path: str | os.PathLike, map_location: str | torch.device | None = None
) -> nn.Module:
    """Load a weight file into ``model`` (checked first, so a bad file changes nothing)."""
    _unwrap_module(model).load_state_dict(read_weights(model, path, map_location))
    return model


def load_model(path: str | os.PathLike, arch: str | None = None, device: str | torch.device | None = None) -> nn.Module:
    """A ready model from a weight file; the architecture is recognised unless ``arch`` is given."""
    device = pick_device(device=device)
    verify_shipped(path)
    state = extract_state_dict(safe_load(path, "cpu"))
    name = arch or detect_architecture(state)
    kwargs: dict[str, Any] = {"head": "rbf"} if name == "lenet5" and "output.centers" in state else {}
    model = build_model(name, **kwargs)
    check_fits(model, state)
    warn_if_not_finite(state, path)
    model.load_state_dict(state)
    return model.to(device).eval()


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def shipped_checksums(assets_dir: Path | None = None) -> dict[str, str]:
    """File name -> SHA-256 from the table in ``assets/README.md`` (a `` `name` | `sha` `` row).

    ``assets_dir`` defaults to the shipped assets (:func:`lenet_course.paths.assets_dir`).
    """
    readme = (assets_dir or shipped_assets_dir()) / "README.md"
    if not readme.is_file():
        return {}
    rows = re.findall(r"`([^`]+)`\s*\|\s*`?([0-9a-f]{64})`?", readme.read_text())
    return {name: sha for name, sha in rows}


def verify_shipped(path: str | os.PathLike, assets_dir: Path | None = None) -> None:
    """For a file inside ``assets/``: its SHA-256 must match the one in ``assets/README.md``."""
    assets_dir = assets_dir or shipped_assets_dir()
    path = Path(path).resolve()
    if path.parent != assets_dir.resolve() or not path.is_file():
        return
    expected = shipped_checksums(assets_dir).get(path.name)
    if expected is None:
        raise CheckpointError(
            f"{path.name} is in assets/ but has no SHA-256 in assets/README.md; add its row (sha256: {sha256_of(path)})"
        )
    actual = sha256_of(path)
    if actual != expected:
        raise CheckpointError(
            f"{path} does not match the SHA-256 in assets/README.md (file {actual}, listed "
            f"{expected}): it was changed or damaged. {_how_to_restore(path.name)}"
        )


def _how_to_restore(name: str) -> str:
    """The fix for a damaged shipped file: git in a checkout, a reinstall for a wheel."""
    if course_root() is not None:
        return f"Restore it with git checkout -- assets/{name}"
    return "Restore it by reinstalling the course: pip install --force-reinstall --no-deps lenet-course"
