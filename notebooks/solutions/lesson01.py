"""Worked solutions of lesson 01 (back-propagation and history). Open on purpose, after trying."""

from __future__ import annotations

import torch

from lenet_course.lessons.history import EVENTS

# 01.first_trained_cnn: the neocognitron (1980) had shared weights but was not trained by
# back-propagation; the ZIP-code network was, end to end, on real postal digits.
first_trained_cnn = next(event.year for event in EVENTS if event.title == "ZIP-code network")


# 01.sigmoid_derivative: sigma'(z) = sigma(z) (1 - sigma(z)).
def d(z: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(z)
    return s * (1 - s)


# 01.backward: the chain rule from the loss back to the first layer, one line per row of the table.
def backward(params: dict, cache: dict, y: torch.Tensor) -> dict:
    x, h, y_hat = cache["x"], cache["h"], cache["y_hat"]
    n = len(x)
    delta2 = (y_hat - y) / n * y_hat * (1 - y_hat)  # through the output sigmoid
    d_h = delta2 @ params["W2"].T  # back into the hidden layer
    delta1 = d_h * h * (1 - h)  # through the hidden sigmoid
    return {"W1": x.T @ delta1, "b1": delta1.sum(0), "W2": h.T @ delta2, "b2": delta2.sum(0)}


# 01.dense_parameters: 12 maps x 8 x 8 units, each with a weight per pixel of 16 x 16, plus a bias.
units, pixels = 12 * 8 * 8, 16 * 16
dense_parameters = units * pixels + units

# 01.shared_parameters: one 5 x 5 kernel and one bias per map.
maps = 12
shared_parameters = maps * 5 * 5 + maps

SOLUTIONS: dict[str, object] = {
    "01.first_trained_cnn": first_trained_cnn,
    "01.sigmoid_derivative": d,
    "01.backward": backward,
    "01.dense_parameters": dense_parameters,
    "01.shared_parameters": shared_parameters,
}
