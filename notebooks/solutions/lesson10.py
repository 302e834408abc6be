"""Worked solutions of lesson 10 (robustness and explanations). Try the exercise and its hints first."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from lenet_course.robustness import to_model_input


def fgsm(model, pixels, labels, epsilon):
    """One step of size epsilon along the sign of the loss's gradient w.r.t. the pixels, then clip."""
    x = pixels.clone().requires_grad_(True)
    loss = F.cross_entropy(model(to_model_input(model, x)), labels)
    (gradient,) = torch.autograd.grad(loss, x)  # the weights' .grad stay untouched
    return (x + epsilon * gradient.sign()).clamp(0, 1).detach()


def occlusion(model, pixels, label, patch, stride):
    """The probability of ``label`` lost when each patch x patch square is set to 0 (background)."""
    size = pixels.shape[-1]
    corners = range(0, size - patch + 1, stride)

    def probability(x):
        return torch.softmax(model(to_model_input(model, x)), 1)[0, label].item()

    base = probability(pixels)
    drops = np.zeros((len(corners), len(corners)))
    for i, top in enumerate(corners):
        for j, left in enumerate(corners):
            hidden = pixels.clone()
            hidden[..., top : top + patch, left : left + patch] = 0
            drops[i, j] = base - probability(hidden)
    return drops


def ece(confidence, correct, bins=10):
    """Guo et al.'s expected calibration error: bins (lo, hi], weighted mean of |accuracy - confidence|."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.searchsorted(edges[1:-1], confidence, side="left")
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return total


SOLUTIONS: dict[str, object] = {"10.fgsm": fgsm, "10.occlusion": occlusion, "10.ece": ece}
