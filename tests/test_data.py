import os
import shutil

import pytest
import torch

from lenet_course import data
from lenet_course.data import (
    MNIST_FILES,
    SPLITS,
    LoaderBatches,
    MNISTBatchSizeError,
    MNISTCorruptError,
    MNISTError,
    MNISTNotFoundError,
    MNISTUnreadableError,
    TensorBatches,
    ensure_mnist,
    evaluation_batches,
    load_mnist,
    scale_images,
    unscale_images,
)
from lenet_course.paths import DATA_ENV_VAR as ENV_VAR


def test_missing_files_error_names_folder_files_and_variable(tmp_path):
    with pytest.raises(MNISTNotFoundError) as err:
        ensure_mnist(tmp_path, download=False)
    message = str(err.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    for name in MNIST_FILES:
        assert name in message
    assert ENV_VAR in message


def test_failed_download_gives_the_same_advice(tmp_path, monkeypatch):
    def offline(_base):
        raise OSError("network is unreachable")

    monkeypatch.setattr(data, "_download", offline)
    with pytest.raises(MNISTNotFoundError, match="download failed: network is unreachable") as err:
        ensure_mnist(tmp_path, download=True)
    assert ENV_VAR in str(err.value)
    assert err.value.__cause__ is None  # one clear message, no traceback chain


def _copy_mnist(src_root, dst_root):
    raw = dst_root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_FILES:
        shutil.copy(src_root / "MNIST" / "raw" / name, raw / name)
    return raw


def test_truncated_or_altered_file_is_named(mnist_root, tmp_path):
    raw = _copy_mnist(mnist_root, tmp_path)
    ensure_mnist(tmp_path, download=False)  # intact copy passes
    labels = raw / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:5000])
    with pytest.raises(MNISTCorruptError, match="t10k-labels-idx1-ubyte is corrupt or truncated"):
        ensure_mnist(tmp_path, download=False)


def test_load_mnist_shapes_and_values(mnist_train, mnist_test):
    images, labels = mnist_train
    assert images.shape == (60000, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (60000,) and labels.dtype == torch.int64
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert torch.bincount(mnist_test[1]).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    mean = images.float().div(255).mean().item()
    assert mean == pytest.approx(0.1307, abs=1e-4)


def test_bad_split_is_refused_before_any_file_is_read(tmp_path):
    with pytest.raises(ValueError, match="unknown MNIST split 'validation'; use one of"):
        load_mnist("validation", tmp_path, download=False)  # no MNIST there: the name is checked first


def test_scalings_are_explicit():
    pixels = torch.tensor([[[0, 128, 255]]], dtype=torch.uint8)
    caffe = scale_images(pixels, "caffe")
    assert caffe.shape == (1, 1, 1, 3)
    torch.testing.assert_close(caffe.flatten(), torch.tensor([0.0, 0.5, 255 / 256]))
    meanstd = scale_images(pixels, "meanstd")
    torch.testing.assert_close(meanstd.flatten(), (torch.tensor([0, 128, 255]) / 255 - 0.1307) / 0.3081)
    for scale in ("caffe", "meanstd"):
        torch.testing.assert_close(
            unscale_images(scale_images(pixels, scale), scale).flatten(),
            torch.tensor([0, 128, 255]) / 255,
            atol=0.005,
            rtol=0,
        )
    with pytest.raises(ValueError, match="scale must be one of"):
        scale_images(pixels, "none")
    with pytest.raises(TypeError):
        TensorBatches("test", batch_size=10)  # no silent default scaling


def test_tensor_batches_shuffle_is_seeded_per_epoch(small_train):
    a = TensorBatches(scale="caffe", batch_size=512, seed=3, device="cpu", data=small_train)
    b = TensorBatches(scale="caffe", batch_size=512, seed=3, device="cpu", data=small_train)
    c = TensorBatches(scale="caffe", batch_size=512, seed=4, device="cpu", data=small_train)
    epoch0 = [a.next_batch()[1] for _ in range(4)]
    assert torch.equal(torch.cat(epoch0).sort().values, small_train[1].sort().values)  # a permutation
    assert all(torch.equal(x, b.next_batch()[1]) for x in epoch0)
    assert not torch.equal(epoch0[0], c.next_batch()[1])
    epoch1 = a.next_batch()[1]
    assert a.epoch == 1 and not torch.equal(epoch1, epoch0[0])


def test_tensor_batches_state_round_trip(small_train):
    a = TensorBatches(scale="meanstd", batch_size=100, seed=1, device="cpu", data=small_train)
    for _ in range(25):
        a.next_batch()
    state = a.state_dict()
    expected = [a.next_batch() for _ in range(3)]
    b = TensorBatches(scale="meanstd", batch_size=100, seed=1, device="cpu", data=small_train)
    b.load_state_dict(state)
    for (x, y), (x2, y2) in zip(expected, (b.next_batch() for _ in range(3))):
        assert torch.equal(x, x2) and torch.equal(y, y2)


def test_iter_epoch_keeps_order_and_the_last_partial_batch(small_test):
    src = TensorBatches("test", scale="caffe", batch_size=64, shuffle=False, device="cpu", data=small_test)
    batches = list(src.iter_epoch(128))
    assert [len(y) for _, y in batches] == [128, 128, 128, 116]
    assert torch.equal(torch.cat([y for _, y in batches]), small_test[1])
    assert len(src) == 500 // 64
    with pytest.raises(MNISTBatchSizeError, match="batch size 1000 exceeds the 500 samples"):
        TensorBatches(scale="caffe", batch_size=1000, device="cpu", data=small_test)


def test_loader_path_has_the_same_interface_and_batches(mnist_root):
    fast = TensorBatches(scale="caffe", batch_size=32, seed=5, device="cpu", root=mnist_root, limit=256)
    slow = LoaderBatches(scale="caffe", batch_size=32, seed=5, device="cpu", root=mnist_root, limit=256)
    for _ in range(3):
        (x1, y1), (x2, y2) = fast.next_batch(), slow.next_batch()
        assert torch.equal(y1, y2)
        torch.testing.assert_close(x1, x2)
    assert slow.state_dict() == fast.state_dict()
    assert len(slow) == len(fast) == 8


def test_loader_augmentation_changes_pixels_but_not_labels(mnist_root):
    torch.manual_seed(0)
    plain = LoaderBatches(scale="meanstd", batch_size=16, seed=0, device="cpu", root=mnist_root, limit=64)
    aug = LoaderBatches(scale="meanstd", batch_size=16, seed=0, device="cpu", root=mnist_root, limit=64, augment=True)
    (x1, y1), (x2, y2) = plain.next_batch(), aug.next_batch()
    assert torch.equal(y1, y2) and x2.shape == (16, 1, 28, 28)
    assert not torch.allclose(x1, x2)


def test_every_mnist_error_is_a_value_error_and_keeps_its_old_base():
    """The CLI catches MNISTError (a ValueError, like every library error); old except clauses still work."""
    for cls in (MNISTNotFoundError, MNISTUnreadableError, MNISTCorruptError, MNISTBatchSizeError):
        assert issubclass(cls, MNISTError) and issubclass(cls, ValueError)
    assert issubclass(MNISTNotFoundError, FileNotFoundError)
    assert issubclass(MNISTUnreadableError, PermissionError)


def test_batch_larger_than_the_split_names_both_sizes(mnist_root):
    with pytest.raises(MNISTBatchSizeError) as err:
        TensorBatches("train", scale="caffe", batch_size=100_000, device="cpu", root=mnist_root)
    message = str(err.value)
    assert "batch size 100000 exceeds the 60000 samples of the MNIST train split" in message
    assert "at most 60000" in message
    with pytest.raises(MNISTBatchSizeError, match="batch size must be > 0, got 0"):
        TensorBatches("test", scale="caffe", batch_size=0, device="cpu", root=mnist_root)
    with pytest.raises(MNISTBatchSizeError, match="10000 samples of the MNIST test split"):
        LoaderBatches("test", scale="caffe", batch_size=10_001, device="cpu", root=mnist_root)


def _deny_reading(monkeypatch, path):
    """Make ``path`` unreadable: chmod 000, or (root ignores permission bits) an open() that refuses it."""
    path.chmod(0)
    if os.geteuid() == 0:
        real_open = open

        def refusing_open(file, *args, **kwargs):
            if os.fspath(file) == os.fspath(path):
                raise PermissionError(13, "Permission denied", os.fspath(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(data, "open", refusing_open, raising=False)


def _link_mnist(src_root, dst_root, copy):
    """A data root whose files are symlinks to ``src_root``'s, except ``copy`` (a real copy)."""
    raw = dst_root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_FILES:
        if name == copy:
            shutil.copy(src_root / "MNIST" / "raw" / name, raw / name)
        else:
            (raw / name).symlink_to(src_root / "MNIST" / "raw" / name)
    return raw


def test_unreadable_file_is_named_with_the_fix(mnist_root, tmp_path, monkeypatch):
    raw = _link_mnist(mnist_root, tmp_path, copy="t10k-labels-idx1-ubyte")
    labels = raw / "t10k-labels-idx1-ubyte"
    _deny_reading(monkeypatch, labels)
    try:
        with pytest.raises(MNISTUnreadableError) as err:
            load_mnist("test", tmp_path, download=False)
    finally:
        labels.chmod(0o644)
    message = str(err.value)
    assert f"cannot read the MNIST file {labels}: permission denied" in message
    assert f"chmod a+r {labels}" in message and ENV_VAR in message
    assert err.value.__cause__ is None


# ---- the splits: train = fit + val, test ---------------------------------------------------------
def test_fit_and_val_cut_the_60000_training_images_in_two(mnist_root, mnist_train):
    images, labels = mnist_train
    fit_x, fit_y = load_mnist("fit", mnist_root, download=False)
    val_x, val_y = load_mnist("val", mnist_root, download=False)
    assert (len(images), len(fit_y), len(val_y)) == (60_000, 55_000, 5_000)
    # fit is the first 55,000 and val the last 5,000: together exactly the training split, no overlap
    assert torch.equal(torch.cat([fit_x, val_x]), images) and torch.equal(torch.cat([fit_y, val_y]), labels)
    assert torch.equal(val_x, images[55_000:]) and torch.equal(fit_x[:2048], images[:2048])
    assert set(SPLITS) == {"train", "fit", "val", "test"}


def test_the_validation_split_is_balanced_like_the_training_set(mnist_root, mnist_train):
    _, labels = mnist_train
    _, val_y = load_mnist("val", mnist_root, download=False)
    share_all = torch.bincount(labels, minlength=10).double() / len(labels)
    share_val = torch.bincount(val_y, minlength=10).double() / len(val_y)
    assert int(torch.bincount(val_y, minlength=10).min()) >= 450  # every digit well represented
    assert float((share_val - share_all).abs().max()) < 0.01  # within one percentage point


def test_an_unknown_split_names_the_valid_ones(mnist_root):
    for make in (
        lambda: load_mnist("validation", mnist_root, download=False),
        lambda: TensorBatches("valid", scale="caffe", device="cpu", root=mnist_root),
        lambda: LoaderBatches("training", scale="caffe", device="cpu", root=mnist_root),
    ):
        with pytest.raises(MNISTError, match="'train', 'fit', 'val', 'test'"):
            make()


def test_batch_sources_read_the_named_split(mnist_root, mnist_train):
    images, labels = mnist_train
    val = evaluation_batches("caffe", 1000, split="val", device="cpu", root=mnist_root)
    assert val.size == 5_000 and not val.shuffle
    x, y = next(val.iter_epoch())
    assert torch.equal(y, labels[55_000:56_000])
    assert torch.equal(x, scale_images(images[55_000:56_000], "caffe"))
    loader = LoaderBatches("val", scale="caffe", batch_size=10, shuffle=False, device="cpu", root=mnist_root, limit=30)
    assert loader.size == 30
    x2, y2 = next(loader.iter_epoch())
    assert torch.equal(y2, labels[55_000:55_010]) and torch.allclose(x2, x[:10])
    fit = LoaderBatches("fit", scale="caffe", batch_size=10, device="cpu", root=mnist_root)
    assert fit.size == 55_000
    assert evaluation_batches("meanstd", device="cpu", root=mnist_root).size == 10_000  # the test split by default


def test_rewind_goes_back_to_the_first_batch_of_epoch_0(small_train, mnist_root):
    fast = TensorBatches(scale="caffe", batch_size=500, seed=7, device="cpu", data=small_train)
    slow = LoaderBatches(scale="caffe", batch_size=16, seed=7, device="cpu", root=mnist_root, limit=40)
    for source in (fast, slow):
        first = [source.next_batch()[1] for _ in range(2)]
        for _ in range(5):
            source.next_batch()  # into a later epoch
        assert source.epoch >= 1
        source.rewind()
        assert source.state_dict() == {"epoch": 0, "position": 0, "seed": 7}
        assert all(torch.equal(source.next_batch()[1], y) for y in first)


def test_augmentation_follows_the_seed_and_leaves_the_global_stream_alone(mnist_root):
    def augmented(seed):
        return LoaderBatches(
            scale="meanstd", batch_size=16, seed=seed, augment=True, device="cpu", root=mnist_root, limit=32
        )

    torch.manual_seed(0)
    before = torch.get_rng_state()
    a = augmented(3)
    xa = [a.next_batch()[0] for _ in range(3)]  # the third batch is epoch 1: new draws
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(99)  # whatever the process drew before, the same seed gives the same images
    b = augmented(3)
    assert all(torch.equal(x, b.next_batch()[0]) for x in xa)
    assert not torch.equal(augmented(4).next_batch()[0], xa[0])
    c = augmented(3)  # a resume in the middle of epoch 1 redraws what the first run drew
    c.load_state_dict({"epoch": 1, "position": 0, "seed": 3})
    assert torch.equal(c.next_batch()[0], xa[2])
