"""Lesson 08's exercises: the usual slips in a random shift, an early-stopping rule and a dropout LeNet."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lenet_course.exercises import check, lesson08  # noqa: F401  (registers the exercises)
from lenet_course.models import CaffeLeNet


def shift_with(draw):
    """A random shift whose offsets come from ``draw(n, max_shift, generator)``; otherwise correct."""

    def random_shift(images, max_shift, generator):
        n, _, h, w = images.shape
        dx, dy = draw(n, max_shift, generator)
        padded = F.pad(images, (max_shift,) * 4)
        out = torch.empty_like(images)
        for k in range(n):
            top, left = max_shift - int(dy[k]), max_shift - int(dx[k])
            out[k] = padded[k, :, top : top + h, left : left + w]
        return out

    return random_shift


def test_random_shift_slips_get_their_own_message():
    excluded_end = shift_with(lambda n, m, g: (torch.randint(-m, m, (n,), generator=g),) * 2)
    assert "every value from -2 to 2" in check("08.random_shift", excluded_end).message

    tied = shift_with(lambda n, m, g: (torch.randint(-m, m + 1, (n,), generator=g),) * 2)
    assert "always equal" in check("08.random_shift", tied).message

    def global_stream(n, m, g):
        return torch.randint(-m, m + 1, (n,)), torch.randint(-m, m + 1, (n,))

    assert "global random stream" in check("08.random_shift", shift_with(global_stream)).message

    def rolls(images, max_shift, generator):
        d = torch.randint(-max_shift, max_shift + 1, (len(images), 2), generator=generator)
        return torch.stack([torch.roll(im, (int(a), int(b)), (-2, -1)) for im, (a, b) in zip(images, d)])

    assert "wraps around" in check("08.random_shift", rolls).message

    def in_place(images, max_shift, generator):
        images.mul_(1.0)
        images[:, :, 0, 0] = 0.0
        return images

    assert "changed the input" in check("08.random_shift", in_place).message
    assert not check("08.random_shift", shift_with(lambda n, m, g: (torch.zeros(n), torch.zeros(n))))


def stop_rule(better):
    def should_stop(values, patience):
        if not values:
            return False
        best = 0
        for i, v in enumerate(values):
            if better(v, values[best]):
                best = i
        return len(values) - 1 - best >= patience

    return should_stop


def test_early_stopping_slips_get_their_own_message():
    assert check("08.early_stopping", stop_rule(lambda v, b: v > b))
    ties = check("08.early_stopping", stop_rule(lambda v, b: v >= b))
    assert not ties and "equal value is not an improvement" in ties.message

    def versus_previous(values, patience):
        worse = sum(1 for a, b in zip(values, values[1:]) if b <= a)
        return bool(values) and worse >= patience

    assert "best so far, not with the previous" in check("08.early_stopping", versus_previous).message

    def off_by_one(values, patience):
        return bool(values) and len(values) - 1 - values.index(max(values)) > patience

    assert not check("08.early_stopping", off_by_one)
    assert not check("08.early_stopping", lambda values, patience: values[-1] < max(values))  # crashes on []


class NoDropout(CaffeLeNet):
    pass


class Renamed(CaffeLeNet):
    def __init__(self):
        super().__init__()
        self.fc = nn.Sequential(nn.Dropout(0.5))
        self.extra = nn.Linear(2, 2)


class TooEarly(CaffeLeNet):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = self.drop(torch.flatten(self.pool2(self.conv2(self.pool1(self.conv1(x)))), 1))
        return self.ip2(self.relu1(self.ip1(x)))


class AlwaysOn(CaffeLeNet):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = self.relu1(self.ip1(torch.flatten(self.pool2(self.conv2(self.pool1(self.conv1(x)))), 1)))
        return self.ip2(F.dropout(x, 0.5, training=True))


class WrongRate(CaffeLeNet):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.2)


def test_dropout_lenet_slips_get_their_own_message():
    assert "no nn.Dropout" in check("08.dropout_caffe", NoDropout).message
    assert "state_dict keys differ" in check("08.dropout_caffe", Renamed).message
    assert "wrong place" in check("08.dropout_caffe", TooEarly).message
    assert "eval mode" in check("08.dropout_caffe", AlwaysOn).message
    assert "p=0.5" in check("08.dropout_caffe", WrongRate).message
    assert "the class itself" in check("08.dropout_caffe", TooEarly()).message
