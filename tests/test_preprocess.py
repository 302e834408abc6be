"""preprocess.py: a drawing becomes an MNIST-style digit (box 20x20, centre of mass at the centre)."""

from __future__ import annotations

import numpy as np
import pytest

from lenet_course.preprocess import center_of_mass, ink_from_rgba, mnist_style, stamp_segment


def test_stamp_segment_draws_a_round_capped_line():
    raster = np.zeros((50, 50), dtype=np.float32)
    stamp_segment(raster, (10, 10), (40, 10), radius=3)
    assert raster[10, 10:41].min() == 1.0  # along the line
    assert raster[12, 25] == 1.0 and raster[13, 25] == 0.5 and raster[14, 25] == 0.0  # soft 1-px edge
    assert raster[10, 7] == 0.5 and raster[10, 6] == 0  # round cap, same soft edge
    assert raster[30:, :].sum() == 0


def test_stamp_segment_outside_the_raster_is_harmless():
    raster = np.zeros((10, 10))
    stamp_segment(raster, (100, 100), (120, 130), radius=2)
    assert raster.sum() == 0


def test_ink_from_rgba_uses_brightness_and_alpha():
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[0, 0] = (255, 255, 255, 255)
    rgba[0, 1] = (255, 255, 255, 0)
    np.testing.assert_allclose(ink_from_rgba(rgba), [[1, 0], [0, 0]])
    with pytest.raises(ValueError, match="RGBA"):
        ink_from_rgba(np.zeros((2, 2)))


def test_center_of_mass():
    image = np.zeros((5, 5))
    image[1, 3] = 2
    image[3, 3] = 2
    assert center_of_mass(image) == (2.0, 3.0)
    assert center_of_mass(np.zeros((4, 6))) == (1.5, 2.5)


def test_an_off_centre_block_is_scaled_to_20_and_centred_by_mass():
    canvas = np.zeros((280, 280))
    canvas[20:120, 200:250] = 1.0  # 100 tall, 50 wide, in a corner
    digit = mnist_style(canvas)
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    rows, cols = np.nonzero(digit > 0)
    assert rows.max() - rows.min() + 1 == 20  # the long side fits the 20x20 box
    assert cols.max() - cols.min() + 1 == 10  # aspect ratio kept
    cy, cx = center_of_mass(digit.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert digit.max() == 255


def test_upscaled_mnist_digits_come_back_close_to_themselves(small_test):
    for original in small_test[0][:20].numpy():
        big = np.kron(original.astype(float) / 255, np.ones((10, 10)))  # as if drawn on a 280 canvas
        digit = mnist_style(big).astype(float)
        corr = np.corrcoef(digit.ravel(), original.astype(float).ravel())[0, 1]
        assert corr > 0.85


def test_uint8_input_and_blank_canvas():
    canvas = np.zeros((100, 100), dtype=np.uint8)
    np.testing.assert_array_equal(mnist_style(canvas), np.zeros((28, 28), dtype=np.uint8))
    canvas[40:60, 45:55] = 255
    assert mnist_style(canvas).max() == 255
    with pytest.raises(ValueError, match="2-D"):
        mnist_style(np.zeros((2, 2, 2)))


def test_ink_extent_tells_a_dot_from_a_digit():
    from lenet_course.preprocess import MIN_DIGIT_EXTENT, ink_extent, is_digit_sized

    canvas = np.zeros((280, 280), dtype=np.float32)
    assert ink_extent(canvas) == 0.0 and not is_digit_sized(canvas)
    stamp_segment(canvas, (140, 140), (140, 140), radius=280 / 24)  # one click of DrawDigit's brush
    assert ink_extent(canvas) == pytest.approx(25 / 280)  # 2r + 1 = 24.3 -> 25 inked pixels wide
    assert not is_digit_sized(canvas)
    stamp_segment(canvas, (140, 60), (140, 220), radius=280 / 24)  # a "1" down the middle
    assert ink_extent(canvas) == pytest.approx((220 - 60 + 25) / 280) and is_digit_sized(canvas)
    assert MIN_DIGIT_EXTENT == pytest.approx(4 / 28)
    with pytest.raises(ValueError, match="2-D"):
        ink_extent(np.zeros((2, 2, 2)))
