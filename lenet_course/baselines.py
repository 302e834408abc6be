"""The two fully connected baselines of the 1998 comparison, as small PyTorch modules.

LeCun et al. (1998) measure every LeNet against classifiers that ignore the image's 2-D shape:
the *linear classifier* (every pixel feeds a weighted sum per class: 784 x 10 weights + 10
biases = 7,850 parameters) and the *2-layer network with 300 hidden units* (784-300-10). Here
they are :class:`LogisticRegression` and :class:`MLP`; lesson 09 trains them beside the LeNets
under the same budget.

What differs from the paper, on purpose and said where it is used: the paper trained these with
a mean-squared-error criterion and sigmoid-type units; here both minimise cross-entropy (the loss
every model of the course trains with), and the MLP's hidden units are ReLUs unless
``activation="tanh"``. The weights start from torch's default initialisation.

Like the LeNets in :mod:`lenet_course.models`, each class says how it expects its pixels scaled
(``input_scale``: "meanstd", the PyTorch tutorials' (x/255 - 0.1307) / 0.3081) and takes MNIST
batches of shape [N, 1, 28, 28].
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

#: The hidden-unit non-linearities :class:`MLP` offers.
ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}


class BaselineConfigError(ValueError):
    """A baseline was asked for with sizes or an activation it cannot have."""


def _positive(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BaselineConfigError(f"{name} must be a positive whole number, got {value!r}; e.g. {name}=300")
    return value


class LogisticRegression(nn.Module):
    """The paper's linear classifier: one weighted sum of the 784 pixels per class (7,850 parameters).

    Trained with cross-entropy this is multinomial logistic regression; its outputs are logits.
    """

    input_scale = "meanstd"

    def __init__(self, in_features: int = 28 * 28, classes: int = 10) -> None:
        super().__init__()
        self.linear = nn.Linear(_positive(in_features, "in_features"), _positive(classes, "classes"))

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(x, 1)  # [N, 784]: the image as one long vector, its 2-D layout forgotten
        return self.linear(x)  # [N, 10] logits


class MLP(nn.Module):
    """A fully connected net with one hidden layer: 784-300-10 by default (238,510 parameters)."""

    input_scale = "meanstd"

    def __init__(
        self, hidden: int = 300, in_features: int = 28 * 28, classes: int = 10, activation: str = "relu"
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise BaselineConfigError(
                f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}; e.g. activation='relu'"
            )
        self.fc1 = nn.Linear(_positive(in_features, "in_features"), _positive(hidden, "hidden"))
        self.act = ACTIVATIONS[activation]()
        self.fc2 = nn.Linear(hidden, _positive(classes, "classes"))

    def forward(self, x: Tensor) -> Tensor:
        x = torch.flatten(x, 1)  # [N, 784]
        x = self.act(self.fc1(x))  # [N, hidden]
        return self.fc2(x)  # [N, 10] logits
