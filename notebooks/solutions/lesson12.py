"""Worked solutions for lesson 12 (LeNet-5 as the 1998 paper trained it).

Open this file after trying the exercises and their hints. ``SOLUTIONS`` maps each exercise id to
an answer ``check`` accepts.
"""

import torch

from lenet_course.reproduce import PAPER_TEST_ERROR, binomial_standard_error


def rbf_penalties(features, centers):
    """12.rbf_layer: y_i = sum_j (x_j - w_ij)^2 for every (sample, class) pair."""
    diff = features.unsqueeze(1) - centers.unsqueeze(0)  # [N, classes, 84]
    return diff.pow(2).sum(-1)  # [N, classes]


def paper_map_loss(penalties, targets, j):
    """12.map_loss: y_target + log(e^-j + sum_i e^-y_i), the log-sum-exp computed stably, averaged."""
    correct = penalties.gather(1, targets[:, None])[:, 0]
    rejection = torch.full_like(penalties[:, :1], -j)
    competition = torch.logsumexp(torch.cat([-penalties, rejection], dim=1), dim=1)
    return (correct + competition).mean()


def sdlm_update(w, grad, h, eta, mu):
    """12.sdlm_step: each weight's own step eta / (mu + h_kk) against its gradient."""
    return w - eta / (mu + h) * grad


#: 12.test_error_precision: sqrt(p (1 - p) / n) in percentage points, for p = 0.95% and n = 10,000.
STANDARD_ERROR_POINTS = binomial_standard_error(PAPER_TEST_ERROR, 10_000) * 100

SOLUTIONS: dict[str, object] = {
    "12.rbf_layer": rbf_penalties,
    "12.map_loss": paper_map_loss,
    "12.sdlm_step": sdlm_update,
    "12.test_error_precision": STANDARD_ERROR_POINTS,
}
