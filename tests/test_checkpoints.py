import errno
import os
import subprocess
import sys
import warnings

import pytest
import torch

from lenet_course.checkpoints import (
    CheckpointError,
    CheckpointWarning,
    PrefixLock,
    RunLockedError,
    SnapshotError,
    atomic_save,
    check_fits,
    check_writable_folder,
    detect_architecture,
    extract_state_dict,
    load_model,
    load_weights,
    safe_load,
    save_weights,
    sha256_of,
    shipped_checksums,
    stale_temp_files,
    temp_file_prefix,
    verify_shipped,
)
from lenet_course.models import CaffeLeNet, TutLeNet, build_model


def test_tut2_round_trip_is_plain_torch_save(tmp_path):
    torch.manual_seed(0)
    model = TutLeNet()
    path = save_weights(model, tmp_path / "tut2-model.pt")
    # The file is exactly what torch.save(model.state_dict(), path) gives: the tutorial reads it so.
    raw = torch.load(path, weights_only=True)
    assert list(raw) == list(model.state_dict())
    other = TutLeNet()
    other.load_state_dict(raw)
    x = torch.randn(2, 1, 28, 28)
    torch.testing.assert_close(other(x), model(x), rtol=0, atol=0)
    loaded = load_model(path, device="cpu")
    assert isinstance(loaded, TutLeNet) and not loaded.training
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_a_file_written_the_tutorials_way_loads(tmp_path):
    model = TutLeNet()
    torch.save(model.state_dict(), tmp_path / "tut2-model.pt")
    fresh = load_weights(TutLeNet(), tmp_path / "tut2-model.pt")
    for a, b in zip(fresh.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("name,kwargs", [("caffe", {}), ("tut", {}), ("lenet5", {}), ("lenet5", {"head": "rbf"})])
def test_detects_each_architecture(name, kwargs, tmp_path):
    model = build_model(name, **kwargs)
    assert detect_architecture(model.state_dict()) == name
    save_weights(model, tmp_path / "m.pt")
    loaded = load_model(tmp_path / "m.pt", device="cpu")
    assert type(loaded) is type(model)
    if kwargs:
        assert loaded.head == "rbf"


@pytest.mark.parametrize("wrap", ["state_dict", "module.", "_orig_mod.", "module._orig_mod."])
def test_wrapped_and_prefixed_state_dicts(wrap, tmp_path):
    state = CaffeLeNet().state_dict()
    if wrap == "state_dict":
        obj = {"state_dict": state, "epoch": 3}
    else:
        obj = {wrap + k: v for k, v in state.items()}
    torch.save(obj, tmp_path / "wrapped.pt")
    clean = extract_state_dict(safe_load(tmp_path / "wrapped.pt"))
    assert list(clean) == list(state)
    assert isinstance(load_model(tmp_path / "wrapped.pt", device="cpu"), CaffeLeNet)


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint file at"):
        safe_load(tmp_path / "nope.pt")
    with pytest.raises(CheckpointError, match="is a folder"):
        safe_load(tmp_path)


def test_not_a_torch_file(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("these are not weights\n")
    with pytest.raises(CheckpointError, match=r"not a torch checkpoint \(neither a zip nor a pickle"):
        safe_load(path)


def test_truncated_file(tmp_path):
    path = save_weights(TutLeNet(), tmp_path / "full.pt")
    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_model(cut)


class _Payload:
    """Unpickling this would run code (create a marker file)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_that_needs_code_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"conv1.weight": torch.zeros(1), "payload": _Payload(str(marker))}, path)
    marker.unlink(missing_ok=True)  # torch.save does not run it, but be sure the slate is clean
    with pytest.raises(CheckpointError, match="refused, nothing was executed"):
        load_model(path)
    assert not marker.exists()


def test_a_whole_pickled_model_is_refused(tmp_path):
    torch.save(TutLeNet(), tmp_path / "whole.pt")
    with pytest.raises(CheckpointError, match="needs.*TutLeNet|refused"):
        safe_load(tmp_path / "whole.pt")


def test_mismatches_are_all_listed_at_once(tmp_path):
    state = TutLeNet().state_dict()
    del state["fc_3.bias"]
    state["fc_4.weight"] = torch.zeros(3)
    state["conv1.weight"] = torch.zeros(8, 1, 5, 5)
    state["fc_1.weight"] = torch.zeros(120, 400)
    with pytest.raises(CheckpointError) as err:
        check_fits(TutLeNet(), state)
    message = str(err.value)
    assert "missing keys (1): fc_3.bias" in message
    assert "unexpected keys (1): fc_4.weight" in message
    assert "shape mismatches (2)" in message
    assert "conv1.weight: file [8, 1, 5, 5] vs model [6, 1, 5, 5]" in message
    assert "fc_1.weight: file [120, 400] vs model [120, 256]" in message


def test_load_into_the_wrong_model_changes_nothing(tmp_path):
    path = save_weights(CaffeLeNet(), tmp_path / "caffe.pt")
    target = TutLeNet()
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(CheckpointError, match="does not fit TutLeNet"):
        load_weights(target, path)
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items())


def test_unknown_architecture():
    with pytest.raises(CheckpointError, match="matches none of the course's LeNets"):
        detect_architecture({"layer.weight": torch.zeros(1)})
    with pytest.raises(CheckpointError, match="does not hold a state_dict"):
        extract_state_dict([1, 2, 3])


def test_atomic_save_leaves_no_partial_file(tmp_path):
    target = tmp_path / "w.pt"
    atomic_save({"a": torch.ones(2)}, target)

    class Unsaveable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError):
        atomic_save({"a": Unsaveable()}, target)
    assert torch.equal(torch.load(target, weights_only=True)["a"], torch.ones(2))  # old file intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.pt"]  # no temp file left behind


def test_shipped_checksums_are_checked(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    weights = save_weights(TutLeNet(), assets / "tut2-model.pt")
    (assets / "README.md").write_text(f"| file | sha256 |\n|---|---|\n| `tut2-model.pt` | `{sha256_of(weights)}` |\n")
    assert shipped_checksums(assets) == {"tut2-model.pt": sha256_of(weights)}
    verify_shipped(weights, assets)
    data = bytearray(weights.read_bytes())
    data[-30] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match the SHA-256 in assets/README.md"):
        verify_shipped(weights, assets)
    other = save_weights(TutLeNet(), assets / "unlisted.pt")
    with pytest.raises(CheckpointError, match="has no SHA-256 in assets/README.md"):
        verify_shipped(other, assets)


# ---- nothing half-written, nothing stale ---------------------------------------------------------
def test_a_full_disk_raises_snapshot_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = atomic_save({"a": torch.ones(2)}, tmp_path / "w.pt")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(SnapshotError, match=r"could not write .*w\.pt: the disk is full") as err:
        atomic_save({"a": torch.zeros(2)}, target)
    assert isinstance(err.value, CheckpointError) and "Files written earlier are intact" in str(err.value)
    monkeypatch.undo()
    assert torch.equal(torch.load(target, weights_only=True)["a"], torch.ones(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.pt"]


def _finished_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temp_files_of_killed_writers_are_removed_live_ones_kept(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = tmp_path / (temp_file_prefix(tmp_path / "w.pt", pid=_finished_pid()) + "abcd1234.tmp")
        live = tmp_path / (temp_file_prefix(tmp_path / "w.pt", pid=sleeper.pid) + "efgh5678.tmp")
        mine = tmp_path / (temp_file_prefix(tmp_path / "w.pt") + "ijkl9012.tmp")
        elsewhere = tmp_path / ".w.pt.12345@some-other-host.mnop3456.tmp"
        unrelated = tmp_path / ".notes.tmp"
        for path in (dead, live, mine, elsewhere, unrelated):
            path.write_bytes(b"partial")
        assert stale_temp_files(tmp_path) == [dead]
        atomic_save({"a": torch.ones(1)}, tmp_path / "other.pt")  # any write in the folder cleans it
        assert not dead.exists()
        assert all(p.exists() for p in (live, mine, elsewhere, unrelated))
    finally:
        sleeper.kill()
        sleeper.wait()


def test_writability_is_checked_with_a_real_file(tmp_path):
    assert check_writable_folder(tmp_path / "new" / "folder").is_dir()
    assert list((tmp_path / "new" / "folder").iterdir()) == []  # the probe is gone
    (tmp_path / "file").write_text("x")
    with pytest.raises(SnapshotError, match="is a file, not a folder"):
        check_writable_folder(tmp_path / "file")
    with pytest.raises(SnapshotError, match="cannot write files into"):
        check_writable_folder(tmp_path / "file" / "below")


def test_a_prefix_lock_is_exclusive_even_within_one_process(tmp_path):
    prefix = tmp_path / "runs" / "lenet"
    with PrefixLock(prefix) as first:
        assert first.held and (tmp_path / "runs" / "lenet.lock").read_text().startswith(f"{os.getpid()}@")
        with pytest.raises(RunLockedError, match=r"snapshot_prefix .*lenet.*own snapshot_prefix"):
            PrefixLock(prefix).acquire()
        PrefixLock(tmp_path / "runs" / "other").acquire().release()  # another prefix is free
    assert not (tmp_path / "runs" / "lenet.lock").exists()  # released and removed on exit
    stale = tmp_path / "runs" / "lenet.lock"
    stale.write_text("99999@elsewhere\n")  # left by a killed run: not locked by anyone
    with PrefixLock(prefix):
        assert stale.read_text().startswith(f"{os.getpid()}@")


# ---- what a loaded checkpoint holds --------------------------------------------------------------
def test_non_finite_weights_load_with_a_warning_naming_them(tmp_path):
    state = TutLeNet().state_dict()
    state["conv1.weight"][0, 0, 0, 0] = float("nan")
    state["fc_3.bias"][1] = float("inf")
    torch.save(state, tmp_path / "diverged.pt")
    with pytest.warns(CheckpointWarning, match=r"2 tensor\(s\) hold NaN or inf values \(conv1.weight, fc_3.bias\)"):
        model = load_weights(TutLeNet(), tmp_path / "diverged.pt")
    assert torch.isnan(model.state_dict()["conv1.weight"][0, 0, 0, 0])
    with pytest.warns(CheckpointWarning, match="conv1.weight"):
        load_model(tmp_path / "diverged.pt", device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_weights(TutLeNet(), save_weights(TutLeNet(), tmp_path / "fine.pt"))  # finite: no warning
