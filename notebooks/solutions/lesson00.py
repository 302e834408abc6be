"""Worked solutions of lesson 00 (start here). Open on purpose, after trying and after the hints."""

from __future__ import annotations

import torch

from lenet_course.data import SPLITS, VAL_START
from lenet_course.lessons.course import LESSONS

# 00.tuning_split: of the splits the model is not fitted to, the one set aside for choosing settings
# is the last 5,000 images of the training file (it starts at VAL_START); the test split is kept for
# the final figures.
tuning_split = next(name for name, (_, part) in SPLITS.items() if part.start == VAL_START)

# 00.training_lesson: the lesson whose file name says it trains.
training_lesson = next(lesson.name[:2] for lesson in LESSONS if "training" in lesson.name)


# 00.digit_shares: count each digit (minlength=10, so a digit that never occurs still gets its 0),
# then divide by the number of labels.
def shares(labels: torch.Tensor) -> torch.Tensor:
    counts = torch.bincount(labels, minlength=10)
    return counts / len(labels)


SOLUTIONS: dict[str, object] = {
    "00.tuning_split": tuning_split,
    "00.training_lesson": training_lesson,
    "00.digit_shares": shares,
}
