"""Scoring a model on an MNIST split (the test split unless told): accuracy, per-class accuracy,
confusion matrix. Scoring never changes the model it is handed."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .data import BatchSource, evaluation_batches
from .hooks import eval_mode
from .models import input_scale
from .runtime import inference_copy


@dataclass(frozen=True)
class EvalResult:
    """Per-image results on the test split, with the summary figures derived from them."""

    labels: np.ndarray  # [N] int64
    probabilities: np.ndarray  # [N, 10] float32, softmax of the logits
    loss: float  # mean cross-entropy

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(1)

    @property
    def total(self) -> int:
        return len(self.labels)

    @property
    def correct(self) -> int:
        return int((self.predictions == self.labels).sum())

    @property
    def accuracy(self) -> float:
        return self.correct / self.total

    @property
    def per_class_accuracy(self) -> np.ndarray:
        cm = self.confusion_matrix()
        return np.diag(cm) / np.maximum(cm.sum(1), 1)

    def confusion_matrix(self, classes: int = 10) -> np.ndarray:
        """counts[true, predicted]."""
        counts = np.bincount(self.labels * classes + self.predictions, minlength=classes * classes)
        return counts.reshape(classes, classes)

    def confident_mistakes(self, k: int = 16) -> np.ndarray:
        """Indices of the ``k`` wrong predictions the model was most sure of."""
        wrong = np.flatnonzero(self.predictions != self.labels)
        confidence = self.probabilities[wrong].max(1)
        return wrong[np.argsort(-confidence, kind="stable")[:k]]


@torch.inference_mode()
def predict_logits(model: nn.Module, x: Tensor, batch_size: int = 500) -> Tensor:
    """Logits for a float input batch of any size, in eval mode, in chunks of ``batch_size``."""
    device = next(model.parameters()).device
    with eval_mode(model):
        return torch.cat([model(x[i : i + batch_size].to(device)) for i in range(0, len(x), batch_size)])


def evaluate(
    model: nn.Module,
    data: BatchSource | None = None,
    *,
    split: str = "test",
    root: str | os.PathLike | None = None,
    batch_size: int = 100,
    fast: bool = True,
) -> EvalResult:
    """Score ``model`` on ``split`` (the test split; "val" while choosing settings), scaled as
    the model expects, or on ``data``.

    ``model`` is never changed: not its layout, not its train/eval mode, and no process-wide
    setting is touched. ``fast`` (default) scores a channels-last copy of it on the CPU
    (:func:`lenet_course.runtime.inference_copy`: oneDNN's NHWC convolutions and pooling take half
    the time of NCHW; see ``benchmarks/train_speed.py``); ``fast=False`` runs ``model`` as it is.
    Batches of 100 stay in cache (500 and 1000 are slower on a CPU).
    """
    device = next(model.parameters()).device
    if data is None:
        data = evaluation_batches(input_scale(model), batch_size, split=split, device=device, root=root)
    if fast:
        return _score(inference_copy(model), data, batch_size)
    with eval_mode(model):
        return _score(model, data, batch_size)


@torch.inference_mode()
def _score(model: nn.Module, data: BatchSource, batch_size: int) -> EvalResult:
    """Logits of every batch of ``data`` (``model`` already in eval mode), then the scores."""
    logits, labels = [], []
    for x, y in data.iter_epoch(batch_size):
        logits.append(model(x))
        labels.append(y)
    all_logits, all_labels = torch.cat(logits), torch.cat(labels)
    loss = F.cross_entropy(all_logits, all_labels).item()
    probs = torch.softmax(all_logits.float(), 1).cpu().numpy()
    return EvalResult(all_labels.cpu().numpy(), probs, loss)
