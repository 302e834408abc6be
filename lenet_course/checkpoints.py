"""Saving and loading ``tut2-model.pt``-style weight files, safely.

A weight file is exactly ``torch.save(model.state_dict(), path)``, so files written by the
original tutorial load here and ours load there. Loading always uses ``weights_only=True``:
a pickle that would need to run code is refused, never executed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import Tensor, nn

from .models import ARCHITECTURES, build_model

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
_PREFIXES = ("module.", "_orig_mod.")


class CheckpointError(ValueError):
    """A weight file cannot be used: missing, unreadable, unsafe, or not fitting the model."""


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` to a temp file in the same folder, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_weights(model: nn.Module, path: str | os.PathLike) -> Path:
    """Write ``model.state_dict()`` as the tutorial does (``tut2-model.pt`` format), atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in _unwrap_module(model).state_dict().items()}
    return atomic_save(state, path)


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
    except Exception as err:  # torch raises many kinds (RuntimeError, EOFError, IndexError...) for bad bytes
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(
            f"{path} is not a torch checkpoint, or it is truncated ({first})"
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
            "the file does not hold a state_dict (a mapping of names to tensors); "
            f"it holds {type(obj).__name__}"
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
    ("caffe", {}), ("tut", {}), ("lenet5", {}), ("lenet5", {"head": "rbf"}),
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
        raise CheckpointError("\n".join(parts))


def load_weights(model: nn.Module, path: str | os.PathLike, map_location: str | torch.device | None = None) -> nn.Module:
    """Load a weight file into ``model`` (checked first, so a bad file changes nothing)."""
    if map_location is None:
        map_location = next(model.parameters()).device
    verify_shipped(path)
    state = extract_state_dict(safe_load(path, map_location))
    check_fits(_unwrap_module(model), state)
    _unwrap_module(model).load_state_dict(state)
    return model


def load_model(
    path: str | os.PathLike, arch: str | None = None, device: str | torch.device | None = None
) -> nn.Module:
    """A ready model from a weight file; the architecture is recognised unless ``arch`` is given."""
    from .data import pick_device

    device = torch.device(device) if device is not None else pick_device()
    verify_shipped(path)
    state = extract_state_dict(safe_load(path, "cpu"))
    name = arch or detect_architecture(state)
    kwargs = {"head": "rbf"} if name == "lenet5" and "output.centers" in state else {}
    model = build_model(name, **kwargs)
    check_fits(model, state)
    model.load_state_dict(state)
    return model.to(device).eval()


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def shipped_checksums(assets_dir: Path = ASSETS_DIR) -> dict[str, str]:
    """File name -> SHA-256 from the table in ``assets/README.md`` (a `` `name` | `sha` `` row)."""
    readme = assets_dir / "README.md"
    if not readme.is_file():
        return {}
    rows = re.findall(r"`([^`]+)`\s*\|\s*`?([0-9a-f]{64})`?", readme.read_text())
    return {name: sha for name, sha in rows}


def verify_shipped(path: str | os.PathLike, assets_dir: Path = ASSETS_DIR) -> None:
    """For a file inside ``assets/``: its SHA-256 must match the one in ``assets/README.md``."""
    path = Path(path).resolve()
    if path.parent != assets_dir.resolve() or not path.is_file():
        return
    expected = shipped_checksums(assets_dir).get(path.name)
    if expected is None:
        raise CheckpointError(
            f"{path.name} is in assets/ but has no SHA-256 in assets/README.md; add its row "
            f"(sha256: {sha256_of(path)})"
        )
    actual = sha256_of(path)
    if actual != expected:
        raise CheckpointError(
            f"{path} does not match the SHA-256 in assets/README.md (file {actual}, listed "
            f"{expected}): it was changed or damaged. Restore it with git checkout -- {path.name}"
        )


def shipped_model_path(name: str = "tut2-model.pt") -> Path:
    return ASSETS_DIR / name
