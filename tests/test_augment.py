"""lenet_course.augment: whole-pixel shifts, rotations and the 1998 paper's affine distortions on batches."""

from __future__ import annotations

import pytest
import torch

from lenet_course.augment import (
    AugmentError,
    DistortionRanges,
    distortion_matrices,
    paper_distort,
    random_crop,
    random_rotation,
    rotate,
    shift,
    tutorial_augment,
    warp,
)


def batch(n: int = 4, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def test_shift_moves_pixels_exactly_and_fills_with_zero():
    image = torch.arange(1.0, 10.0).view(1, 1, 3, 3)  # 1 2 3 / 4 5 6 / 7 8 9
    right_down = shift(image, torch.tensor([1]), torch.tensor([1]))
    assert right_down[0, 0].tolist() == [[0, 0, 0], [0, 1, 2], [0, 4, 5]]
    left = shift(image, torch.tensor([-1]), torch.tensor([0]))
    assert left[0, 0].tolist() == [[2, 3, 0], [5, 6, 0], [8, 9, 0]]


def test_warp_with_whole_pixel_shifts_is_the_exact_shift():
    x = batch()
    dx, dy = torch.tensor([1, 0, -2, 3]), torch.tensor([0, 2, 1, -1])
    moved = warp(x, torch.eye(2).expand(4, 2, 2), torch.stack([dx, dy], -1).float())
    assert torch.allclose(moved, shift(x, dx, dy), atol=1e-5)


def test_rotation_by_90_degrees_is_rot90_and_by_0_is_the_identity():
    x = batch()
    assert torch.allclose(rotate(x, torch.full((4,), 90.0)), torch.rot90(x, 1, dims=(2, 3)), atol=1e-5)
    assert torch.allclose(rotate(x, torch.zeros(4)), x, atol=1e-5)


def test_distortion_matrices_compose_shear_squeeze_and_scale():
    one = torch.ones(1)
    assert torch.allclose(distortion_matrices(one, one, torch.tensor([0.5])), torch.tensor([[[1.0, 0.5], [0.0, 1.0]]]))
    squeeze = distortion_matrices(one, torch.tensor([2.0]), torch.zeros(1))
    assert torch.allclose(squeeze, torch.tensor([[[2.0, 0.0], [0.0, 0.5]]]))  # area kept: det 1
    assert torch.allclose(distortion_matrices(torch.tensor([1.5]), one, torch.zeros(1)), 1.5 * torch.eye(2)[None])


def test_random_crop_is_a_whole_pixel_shift_within_the_padding_and_uses_every_offset():
    x = batch(300) + 0.1  # no zero pixel, so a match is unambiguous
    out = random_crop(x, 2, torch.Generator().manual_seed(0))
    seen = set()
    for k in range(len(x)):
        matches = [
            (dx, dy)
            for dx in range(-2, 3)
            for dy in range(-2, 3)
            if torch.equal(out[k], shift(x[k : k + 1], torch.tensor([dx]), torch.tensor([dy]))[0])
        ]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) == 25


def test_draws_come_from_the_generator_alone():
    x = batch()
    state = torch.random.get_rng_state()
    for fn in (tutorial_augment, paper_distort):
        first = fn(x, torch.Generator().manual_seed(3))
        again = fn(x, torch.Generator().manual_seed(3))
        other = fn(x, torch.Generator().manual_seed(4))
        assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_zero_ranges_change_nothing():
    x = batch()
    g = torch.Generator().manual_seed(0)
    assert torch.allclose(random_rotation(x, 0.0, g), x, atol=1e-5)
    assert torch.equal(random_crop(x, 0, g), x)
    none = DistortionRanges(translate=0.0, scale=0.0, squeeze=0.0, shear=0.0)
    assert torch.allclose(paper_distort(x, g, none), x, atol=1e-5)


def test_uint8_and_unbatched_channel_inputs_give_float_batches_in_the_same_units():
    pixels = (batch(2)[:, 0] * 255).to(torch.uint8)  # [N, 28, 28] uint8
    out = tutorial_augment(pixels, torch.Generator().manual_seed(0))
    assert out.dtype == torch.float32 and out.shape == (2, 1, 28, 28)
    assert 100 < float(out.max()) <= 255.0


def test_a_mild_distortion_keeps_a_centred_digit_on_the_canvas():
    digit = torch.zeros(8, 1, 28, 28)
    digit[:, :, 8:20, 11:17] = 1.0
    out = paper_distort(digit, torch.Generator().manual_seed(0))
    mass = out.sum((1, 2, 3)) / digit.sum((1, 2, 3))
    assert torch.all((mass > 0.7) & (mass < 1.4))  # scaling and squeezing change the area a little


def test_bad_input_is_refused_with_a_clear_error():
    with pytest.raises(AugmentError, match="single-channel"):
        random_crop(torch.zeros(2, 3, 28, 28), 2, torch.Generator())
    with pytest.raises(AugmentError, match=">= 0"):
        random_rotation(batch(), -5.0, torch.Generator())
    with pytest.raises(AugmentError, match="below 1"):
        DistortionRanges(scale=1.5)
