"""Worked solutions of lesson 07 (inspecting tut2-model.pt). Open on purpose, after trying."""

from __future__ import annotations

import numpy as np

from lenet_course.checkpoints import load_model
from lenet_course.evaluate import evaluate
from lenet_course.features import filters
from lenet_course.paths import shipped_model_path

model = load_model(shipped_model_path(), device="cpu")

# 07.conv1_filters: the first number of conv1's kernel array [out, in, k, k].
conv1_filters = filters(model, "conv1").shape[0]


# 07.accuracy_from_confusion: the right answers are the diagonal; divide by all images.
def acc(cm: np.ndarray) -> float:
    return float(np.trace(cm) / cm.sum())


# 07.top_k: each image's k most probable classes, then: is the label among them?
def top_k(probabilities: np.ndarray, labels: np.ndarray, k: int) -> float:
    best = np.argsort(-probabilities, axis=1)[:, :k]
    return float((best == labels[:, None]).any(axis=1).mean())


# 07.top_confusion: the largest entry off the diagonal of the test confusion matrix.
cm = evaluate(model).confusion_matrix()
np.fill_diagonal(cm, 0)
top_confusion = tuple(int(v) for v in np.unravel_index(cm.argmax(), cm.shape))

SOLUTIONS: dict[str, object] = {
    "07.conv1_filters": conv1_filters,
    "07.accuracy_from_confusion": acc,
    "07.top_k": top_k,
    "07.top_confusion": top_confusion,
}
