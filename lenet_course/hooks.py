"""Reading a model without changing it: an eval-mode context and a forward-hook capture.

Two things every "look inside the network" function needs, written once:

- :func:`eval_mode` switches a model to eval mode (dropout off, batch-norm statistics frozen) for
  the length of a ``with`` block and then gives it back in the mode it was in, so a function that
  measures a model never leaves a training model in eval mode (or the reverse).
- :func:`capture_outputs` registers forward hooks on named sub-modules and collects what they
  return; the hooks are removed when the block ends, also when the forward pass raises, so a model
  handed to it carries no trace afterwards.

Neither runs a forward pass or turns off autograd: the caller decides (usually
``with eval_mode(model), capture_outputs(model, names) as out, torch.no_grad(): model(x)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from torch import Tensor, nn

__all__ = ["eval_mode", "capture_outputs"]


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode inside the block; restore its previous training flag afterwards.

    Only the top-level flag is remembered (``model.train(flag)`` sets it on every sub-module), as
    ``model.train()`` / ``model.eval()`` themselves treat the model as one unit. Yields the model.
    """
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@contextmanager
def capture_outputs(
    model: nn.Module, names: Iterable[str], *, clone: bool = True, to_cpu: bool = False
) -> Iterator[dict[str, Tensor]]:
    """Collect the outputs of the named sub-modules of ``model`` during the forward passes in the block.

    ``names`` are ``model.named_modules()`` names (``"conv1"``, ``"features.0"``). Yields a dict that
    fills as the forward pass runs: ``{name: output}`` in the order the modules *ran* (not the
    order asked), each output detached; a module that runs twice keeps its last output. A name whose
    module did not run is simply absent, so a caller can tell "not in forward" from "empty".

    ``clone`` (default) copies each output, because an in-place operation later in ``forward``
    (Caffe's in-place ReLU after ``ip1``) would otherwise change what was captured; ``to_cpu``
    moves the copies to the CPU. Hooks are removed when the block exits, however it exits.

    Raises ``ValueError`` naming the valid names if a name is not a sub-module of ``model``.
    """
    modules = dict(model.named_modules())
    wanted = list(dict.fromkeys(names))
    unknown = [name for name in wanted if not name or name not in modules]
    if unknown:
        valid = ", ".join(name for name in modules if name)
        raise ValueError(
            f"{type(model).__name__} has no sub-module named {', '.join(map(repr, unknown))}; pick from: {valid}"
        )
    captured: dict[str, Tensor] = {}

    def hook_for(name: str):
        def hook(_module: nn.Module, _inputs: object, output: Tensor) -> None:
            out = output.detach()
            if clone:
                out = out.clone()
            if to_cpu:
                out = out.cpu()
            captured.pop(name, None)  # a second run moves the name to its latest position
            captured[name] = out

        return hook

    handles = [modules[name].register_forward_hook(hook_for(name)) for name in wanted]
    try:
        yield captured
    finally:
        for handle in handles:
            handle.remove()
