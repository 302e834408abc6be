"""The solver's configuration: Caffe's ``SolverParameter`` fields as one frozen dataclass.

Two sets of defaults, on purpose:

* ``SolverConfig()`` is the Caffe LeNet recipe (``examples/mnist/lenet_solver.prototxt``): what
  the course trains with when nobody says otherwise.
* ``SolverConfig.from_prototxt(file)`` reads a solver file as Caffe does: a field the file leaves
  out takes ``SolverParameter``'s default (:meth:`SolverConfig.caffe_defaults`: weight_decay 0,
  momentum 0, display 0, type "SGD", ...), never the recipe's value.

A schedule parameter the lr policy does not read (``power`` with ``lr_policy="step"``) is ignored,
as Caffe ignores it: it is stored as None and a :class:`ConfigWarning` names it. Every bad value,
including a wrong type, is a :class:`ConfigError` (a ValueError) that names the field.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from .prototxt import Block as _Block
from .prototxt import Entry, PrototxtError, parse, read_source
from .prototxt import Scalar as _Scalar
from .prototxt import show as _show
from .schedules import SCHEDULE_PARAMS, ScheduleError, get_policy, ignored_params, validate_policy

SOLVER_MODES: tuple[str, ...] = ("CPU", "GPU")
#: Caffe's six solver types, each with Caffe's own update rule (lenet_course.optim), plus
#: "TorchSGD" (torch.optim.SGD, for the lesson that compares the two SGDs; L2 decay only).
SOLVER_TYPES: tuple[str, ...] = ("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "TorchSGD")
#: Caffe's deprecated ``solver_type`` enum, by name and by number, mapped onto ``type``.
OLD_SOLVER_TYPES: dict[str, str] = {
    "SGD": "SGD",
    "NESTEROV": "Nesterov",
    "ADAGRAD": "AdaGrad",
    "RMSPROP": "RMSProp",
    "ADADELTA": "AdaDelta",
    "ADAM": "Adam",
}
REGULARIZATION_TYPES: tuple[str, ...] = ("L1", "L2")
#: The types whose update has no momentum term: Caffe refuses a non-zero momentum for them.
_NO_MOMENTUM_TYPES = ("AdaGrad", "RMSProp")
#: The LeNet recipe's momentum, used when momentum is not given and the type can use one.
_RECIPE_MOMENTUM = 0.9
#: The LeNet recipe's inv parameters, used when lr_policy is "inv" and they are not given.
_RECIPE_INV = {"gamma": 0.0001, "power": 0.75}
_INT64 = (-(2**63), 2**63 - 1)
#: A solver.prototxt is a few kilobytes; anything this large is some other file.
_T = TypeVar("_T")


class ConfigError(ValueError):
    """A solver configuration value, or a line of a solver.prototxt, is invalid."""


class ConfigWarning(UserWarning):
    """A solver field was accepted but ignored (unused by the lr policy, or no meaning here)."""


def required(value: _T | None, name: str) -> _T:
    """``value`` for a field that a valid SolverConfig always has set; ConfigError if it is None.

    ``momentum`` (and gamma/power/stepsize where the lr policy reads them) are typed Optional because
    None means "not given" when a config is built; ``__post_init__`` fills or rejects them. Code
    that relies on that uses ``required(cfg.momentum, "momentum")`` to get a plain float.
    """
    if value is None:
        raise ConfigError(f"{name} is not set; give {name} a value")
    return value


@dataclass(frozen=True)
class SolverConfig:
    """Caffe's solver fields, named as in solver.prototxt, with the LeNet solver's values."""

    #: The Caffe net file the solver names; kept for the record only (models are built in Python).
    net: str | None = "lenet_train_test.prototxt"
    base_lr: float = 0.01
    #: None: the recipe's 0.9, or 0 for AdaGrad/RMSProp (which cannot use momentum).
    #: Adam reads it as beta1, AdaDelta as its decay.
    momentum: float | None = None
    weight_decay: float = 0.0005
    #: "L2" (decay * w) or "L1" (decay * sign(w)) added to each gradient.
    regularization_type: str = "L2"
    lr_policy: str = "inv"
    #: None unless the policy reads them; "inv" without them gets the recipe's 0.0001 and 0.75.
    gamma: float | None = None
    power: float | None = None
    stepsize: int | None = None
    stepvalue: tuple[int, ...] = ()
    max_iter: int = 10000
    #: Caffe's gradient accumulation: iter_size forward/backward passes per update.
    iter_size: int = 1
    #: < 0 turns clipping off; >= 0 scales all gradients down to this global L2 norm.
    clip_gradients: float = -1.0
    test_iter: int = 100
    test_interval: int = 500
    test_initialization: bool = True
    test_compute_loss: bool = False
    display: int = 100
    #: The display line shows the loss averaged over this many iterations.
    average_loss: int = 1
    snapshot: int = 5000
    snapshot_prefix: str = "snapshots/lenet"
    snapshot_after_train: bool = True
    #: None picks cuda when available, else cpu; "GPU" falls back to cpu with a warning.
    solver_mode: str | None = None
    type: str = "SGD"
    #: Adam's second-moment decay (beta2).
    momentum2: float = 0.999
    #: RMSProp's mean-square decay.
    rms_decay: float = 0.99
    #: The epsilon of AdaGrad, RMSProp, AdaDelta and Adam.
    delta: float = 1e-8
    #: The course's fixed seed (Caffe's default is -1); a negative seed means "seed from the clock".
    random_seed: int = 1701
    #: Not SolverParameter fields (Caffe reads batch sizes from the net file): the LeNet net's values.
    train_batch_size: int = 64
    test_batch_size: int = 100

    def __post_init__(self) -> None:
        _check_types(self)
        _drop_unused_schedule_params(self)
        _fill_recipe_defaults(self)
        try:
            validate_policy(self)
        except ScheduleError as err:
            raise ConfigError(str(err)) from None
        _check_values(self)

    # ---- copies ------------------------------------------------------------------------
    def replace(self, **changes: Any) -> SolverConfig:
        """A copy with some fields changed (validated again).

        Changing ``lr_policy`` drops the old policy's parameters unless they are passed again;
        changing ``type`` to or from AdaGrad/RMSProp re-derives ``momentum`` unless it is passed.
        So ``SolverConfig().replace(lr_policy="exp", gamma=0.9995)`` just works.
        """
        unknown = sorted(set(changes) - set(_FIELD_NAMES))
        if unknown:
            raise ConfigError(_unknown_field_message(unknown[0]))
        if "lr_policy" in changes and changes["lr_policy"] != self.lr_policy:
            for name in SCHEDULE_PARAMS:
                changes.setdefault(name, () if name == "stepvalue" else None)
        new_type = changes.get("type", self.type)
        if new_type != self.type and (new_type in _NO_MOMENTUM_TYPES or self.type in _NO_MOMENTUM_TYPES):
            changes.setdefault("momentum", None)
        return dataclasses.replace(self, **changes)

    def with_policy(self, lr_policy: str, **params: Any) -> SolverConfig:
        """A copy switched to ``lr_policy`` with exactly the schedule parameters in ``params``.

        Unlike :meth:`replace`, parameters not passed are cleared even when the policy stays the
        same ("inv" then falls back to the recipe's gamma 0.0001 and power 0.75).
        """
        cleared: dict[str, Any] = {name: () if name == "stepvalue" else None for name in SCHEDULE_PARAMS}
        cleared.update(params)
        return self.replace(lr_policy=lr_policy, **cleared)

    def changes_from(self, other: SolverConfig) -> dict[str, tuple[Any, Any]]:
        """``{field: (other's value, self's value)}`` for every field that differs."""
        if not isinstance(other, SolverConfig):
            raise ConfigError(f"changes_from needs a SolverConfig, got {type(other).__name__}")
        return {
            name: (getattr(other, name), getattr(self, name))
            for name in _FIELD_NAMES
            if getattr(other, name) != getattr(self, name)
        }

    # ---- Caffe's defaults and files ------------------------------------------------------
    @classmethod
    def caffe_defaults(cls, **fields: Any) -> SolverConfig:
        """Caffe's ``SolverParameter`` defaults (what a solver.prototxt gets for a field it omits).

        Caffe has no default ``lr_policy`` (a file without one stops at the first iteration with
        "Unknown learning rate policy"); here it is "fixed" unless given. ``solver_mode`` is None:
        Caffe's ``caffe train`` uses the GPU only when the file sets ``solver_mode: GPU`` (or
        ``--gpu`` is passed). ``net`` is None, batch sizes keep the LeNet net's 64 and 100.
        """
        return cls(**{**CAFFE_DEFAULTS, **fields})

    @classmethod
    def from_prototxt(cls, source: str | bytes | Path) -> SolverConfig:
        """Read a Caffe solver.prototxt, given as a path or as its text.

        Missing fields take Caffe's defaults; fields with no meaning here (net, test_state,
        net_param { ... }, device_id, ...) and schedule fields the policy does not read are
        accepted and reported in one :class:`ConfigWarning`.
        """
        try:
            text, label, path = read_source(source)
        except PrototxtError as err:
            raise ConfigError(str(err)) from None
        try:
            values, notes = _interpret(parse(text), path)
        except (ConfigError, PrototxtError) as err:
            raise ConfigError(f"{label}: {err}") from None
        try:
            config = cls(**values)
        except ConfigError as err:
            raise ConfigError(f"{label}: {err}") from None
        if notes:
            warnings.warn(f"{label}: " + "; ".join(notes) + ".", ConfigWarning, stacklevel=2)
        return config

    def to_prototxt(self) -> str:
        """This configuration as solver.prototxt text (round-trips through from_prototxt).

        Every field is written, so reading it back does not depend on anyone's defaults;
        train_batch_size and test_batch_size are this course's extension (Caffe reads them
        from the net file).
        """
        lines: list[str] = []
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "stepvalue":
                lines.extend(f"stepvalue: {v}" for v in value)
            elif isinstance(value, bool):
                lines.append(f"{name}: {'true' if value else 'false'}")
            elif _FIELD_KIND[name] == "str":
                lines.append(f"{name}: {_quote(value)}")
            elif isinstance(value, float):
                lines.append(f"{name}: {value!r}")
            else:
                lines.append(f"{name}: {value}")
        return "\n".join(lines) + "\n"


_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SolverConfig))

#: How each field is checked and parsed: float, int, bool, str, mode (CPU/GPU), steps.
_FIELD_KIND: dict[str, str] = {
    "net": "str",
    "base_lr": "float",
    "momentum": "float",
    "weight_decay": "float",
    "regularization_type": "str",
    "lr_policy": "str",
    "gamma": "float",
    "power": "float",
    "stepsize": "int",
    "stepvalue": "steps",
    "max_iter": "int",
    "iter_size": "int",
    "clip_gradients": "float",
    "test_iter": "int",
    "test_interval": "int",
    "test_initialization": "bool",
    "test_compute_loss": "bool",
    "display": "int",
    "average_loss": "int",
    "snapshot": "int",
    "snapshot_prefix": "str",
    "snapshot_after_train": "bool",
    "solver_mode": "mode",
    "type": "str",
    "momentum2": "float",
    "rms_decay": "float",
    "delta": "float",
    "random_seed": "int",
    "train_batch_size": "int",
    "test_batch_size": "int",
}
assert set(_FIELD_KIND) == set(_FIELD_NAMES)
#: Fields that may be None (meaning "not given").
_OPTIONAL = {"net", "momentum", "gamma", "power", "stepsize", "solver_mode"}

#: SolverParameter's defaults (caffe.proto), for every field a solver file may leave out.
CAFFE_DEFAULTS: dict[str, Any] = {
    "net": None,
    "base_lr": 0.0,
    "momentum": 0.0,
    "weight_decay": 0.0,
    "regularization_type": "L2",
    "lr_policy": "fixed",
    "gamma": None,
    "power": None,
    "stepsize": None,
    "stepvalue": (),
    "max_iter": 0,
    "iter_size": 1,
    "clip_gradients": -1.0,
    "test_iter": 0,
    "test_interval": 0,
    "test_initialization": True,
    "test_compute_loss": False,
    "display": 0,
    "average_loss": 1,
    "snapshot": 0,
    "snapshot_after_train": True,
    "solver_mode": None,
    "type": "SGD",
    "momentum2": 0.999,
    "rms_decay": 0.99,
    "delta": 1e-8,
    "random_seed": -1,
}


# ---- validation ------------------------------------------------------------------------------
def _set(cfg: SolverConfig, name: str, value: Any) -> None:
    object.__setattr__(cfg, name, value)


def _check_types(cfg: SolverConfig) -> None:
    """Every field has the type its kind needs (ints given as floats become floats)."""
    for name in _FIELD_NAMES:
        value = getattr(cfg, name)
        if value is None and name in _OPTIONAL:
            continue
        _set(cfg, name, _typed(name, _FIELD_KIND[name], value))


def _typed(name: str, kind: str, value: Any) -> Any:
    if kind == "float":
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise ConfigError(f"{name} must be a number, got {_show(value)}")
        try:
            number = float(value)
        except OverflowError:
            raise ConfigError(f"{name} must be a finite number, got {_show(value)}") from None
        if not math.isfinite(number):
            raise ConfigError(f"{name} must be a finite number, got {_show(value)}")
        return number
    if kind == "int":
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise ConfigError(f"{name} must be a whole number (an int), got {_show(value)}")
        number = int(value)
        if not _INT64[0] <= number <= _INT64[1]:
            raise ConfigError(f"{name} must fit in a signed 64-bit integer (as in Caffe), got {_show(number)}")
        return number
    if kind == "bool":
        if not isinstance(value, (bool, getattr(sys.modules.get("numpy"), "bool_", bool))):
            raise ConfigError(f"{name} must be True or False, got {_show(value)}")
        return bool(value)
    if kind == "steps":
        if isinstance(value, (str, bytes)) or not _iterable(value):
            raise ConfigError(
                f"stepvalue must be a sequence of whole iterations, e.g. stepvalue=(5000, 7000), got {_show(value)}"
            )
        steps = tuple(value)
        for v in steps:
            _typed("each stepvalue", "int", v)
        return tuple(int(v) for v in steps)
    if kind == "mode":
        if value not in SOLVER_MODES:
            raise ConfigError(
                f"solver_mode must be one of {', '.join(SOLVER_MODES)} (or None for automatic), got {_show(value)}"
            )
        return value
    if not isinstance(value, str):  # str
        raise ConfigError(f"{name} must be a string, got {_show(value)}")
    return value


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _drop_unused_schedule_params(cfg: SolverConfig) -> None:
    """Schedule fields the policy does not read are ignored (stored unset) with a warning."""
    try:
        ignored = ignored_params(cfg.lr_policy, {n: getattr(cfg, n) for n in SCHEDULE_PARAMS})
    except ScheduleError as err:
        raise ConfigError(str(err)) from None
    if not ignored:
        return
    given = ", ".join(f"{n}={getattr(cfg, n)!r}" for n in ignored)
    uses = get_policy(cfg.lr_policy).uses
    warnings.warn(
        f"{given} ignored: lr_policy {cfg.lr_policy!r} does not use "
        f"{'it' if len(ignored) == 1 else 'them'} (it reads {', '.join(uses) if uses else 'only base_lr'}), "
        "as in Caffe",
        ConfigWarning,
        stacklevel=_stacklevel_outside_this_module(),
    )
    for name in ignored:
        _set(cfg, name, () if name == "stepvalue" else None)


def _fill_recipe_defaults(cfg: SolverConfig) -> None:
    if cfg.lr_policy == "inv":
        for name, value in _RECIPE_INV.items():
            if getattr(cfg, name) is None:
                _set(cfg, name, value)
    if cfg.momentum is None:
        _set(cfg, "momentum", 0.0 if cfg.type in _NO_MOMENTUM_TYPES else _RECIPE_MOMENTUM)


def _check_values(cfg: SolverConfig) -> None:
    momentum = required(cfg.momentum, "momentum")
    _require(momentum >= 0, "momentum", momentum, ">= 0")
    _require(cfg.weight_decay >= 0, "weight_decay", cfg.weight_decay, ">= 0")
    _require(0 <= cfg.momentum2 < 1, "momentum2", cfg.momentum2, "in [0, 1)")
    _require(0 <= cfg.rms_decay < 1, "rms_decay", cfg.rms_decay, "in [0, 1) (as Caffe checks)")
    _require(cfg.delta > 0, "delta", cfg.delta, "> 0 (it keeps the adaptive updates from dividing by 0)")
    _require(cfg.max_iter >= 0, "max_iter", cfg.max_iter, ">= 0")
    for name in ("test_iter", "test_interval", "display", "snapshot"):
        _require(getattr(cfg, name) >= 0, name, getattr(cfg, name), ">= 0 (0 turns it off)")
    for name in ("iter_size", "average_loss", "train_batch_size", "test_batch_size"):
        _require(getattr(cfg, name) > 0, name, getattr(cfg, name), "> 0")
    if cfg.type not in SOLVER_TYPES:
        near = difflib.get_close_matches(cfg.type, SOLVER_TYPES, n=1, cutoff=0.5)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ConfigError(f"unknown solver type {_show(cfg.type)}{hint}; valid types are: {', '.join(SOLVER_TYPES)}")
    if cfg.regularization_type not in REGULARIZATION_TYPES:
        raise ConfigError(
            f'regularization_type must be "L1" or "L2" (as in Caffe), got {_show(cfg.regularization_type)}'
        )
    _check_type_combinations(cfg)


def _check_type_combinations(cfg: SolverConfig) -> None:
    if cfg.type in _NO_MOMENTUM_TYPES and cfg.momentum != 0:
        raise ConfigError(
            f"momentum cannot be used with {cfg.type} (Caffe refuses it too); set momentum=0, got {cfg.momentum!r}"
        )
    if cfg.type == "Adam" and required(cfg.momentum, "momentum") >= 1:
        raise ConfigError(
            f"Adam's momentum (beta1) must be < 1 (its bias correction divides by 1 - momentum^t), got {cfg.momentum!r}"
        )
    if cfg.type == "TorchSGD" and cfg.regularization_type != "L2":
        raise ConfigError(
            'TorchSGD (torch.optim.SGD) supports only L2 weight decay; use type "SGD" (Caffe\'s update) '
            'for regularization_type "L1"'
        )


def _require(ok: bool, name: str, value: Any, rule: str) -> None:
    if not ok:
        raise ConfigError(f"{name} must be {rule}, got {value!r}")


def _stacklevel_outside_this_module() -> int:
    """The warnings stacklevel of the first caller outside config.py and dataclasses' __init__."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and (
        frame.f_code.co_filename in (__file__, "<string>") or frame.f_code.co_filename == dataclasses.__file__
    ):
        frame, level = frame.f_back, level + 1
    return level


def _unknown_field_message(name: str) -> str:
    near = difflib.get_close_matches(name, list(_FIELD_NAMES) + list(_NOT_APPLICABLE), n=2, cutoff=0.6)
    hint = (
        f"; did you mean {' or '.join(repr(n) for n in near)}?"
        if near
        else ("; see SolverConfig's fields (Caffe's SolverParameter names)")
    )
    return f"unknown solver field {_show(name)}{hint}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---- reading a solver.prototxt -------------------------------------------------------------------
#: SolverParameter fields with no meaning in this course: accepted, reported, ignored.
_NOT_APPLICABLE: dict[str, str] = {
    "train_net": "the model is built in Python",
    "test_net": "the model is built in Python",
    "net_param": "the model is built in Python",
    "train_net_param": "the model is built in Python",
    "test_net_param": "the model is built in Python",
    "train_state": "net stages select layers of a Caffe net file",
    "test_state": "net stages select layers of a Caffe net file",
    "device_id": "the device comes from solver_mode",
    "snapshot_format": "snapshots are PyTorch .pt files",
    "snapshot_diff": "snapshots are PyTorch .pt files",
    "debug_info": "there is no per-layer debug output",
    "layer_wise_reduce": "training runs on one device",
}
#: SolverParameter fields with a meaning we cannot honour: refused with the reason.
_REFUSED: dict[str, str] = {
    "weights": "it starts training from Caffe .caffemodel weights, which this course cannot read; "
    "remove the line and load a .pt file into the model instead",
}
#: Fields that may be given more than once.
_REPEATED = {"stepvalue", "test_iter", "test_state", "test_net", "test_net_param", "weights"}
#: Fields whose value is a { ... } block.
_MESSAGE_FIELDS = {"net_param", "train_net_param", "test_net_param", "train_state", "test_state"}


def _interpret(entries: list[Entry], path: Path | None) -> tuple[dict[str, Any], list[str]]:
    """Turn the parsed top-level entries into SolverConfig keyword arguments and warning notes."""
    values: dict[str, Any] = {}
    repeated: dict[str, list[tuple[Any, int]]] = {}
    not_applicable: list[str] = []
    seen_lines: dict[str, int] = {}
    for name, value, line in entries:
        if name in _REFUSED:
            raise ConfigError(f"line {line}: {name} is not supported: {_REFUSED[name]}")
        if name not in _REPEATED:
            if name in seen_lines:
                raise ConfigError(f"line {line}: field {name!r} is given twice (first on line {seen_lines[name]})")
            seen_lines[name] = line
        if name in _MESSAGE_FIELDS:
            if not isinstance(value, _Block):
                raise ConfigError(f"line {line}: {name} takes a block: write {name} {{ ... }}")
        elif isinstance(value, _Block):
            raise ConfigError(f"line {line}: {name} takes a single value, not a {{ ... }} block")
        if name in _REPEATED:
            items = value if isinstance(value, list) else [value]
            repeated.setdefault(name, []).extend((item, line) for item in items)
            continue
        if isinstance(value, list):
            raise ConfigError(f"line {line}: {name} takes a single value, not a [...] list")
        if name in _NOT_APPLICABLE:
            not_applicable.append(name)
        elif name == "solver_type":
            values["solver_type"] = _parse_old_solver_type(value, line)
        elif name in _FIELD_KIND and name != "stepvalue":
            values[name] = _parse_scalar(name, _FIELD_KIND[name], value)
        else:
            raise ConfigError(f"line {line}: {_unknown_field_message(name)}")
    notes = _merge_repeated(values, repeated, not_applicable)
    _merge_solver_type(values, seen_lines)
    notes[:0] = _check_schedule(values)
    if not_applicable:
        unique = list(dict.fromkeys(not_applicable))
        notes.insert(
            0,
            "not used in this course, ignored: "
            + ", ".join(f"{n} ({_NOT_APPLICABLE[n]})" if n in _NOT_APPLICABLE else n for n in unique),
        )
    if "net" in values:
        notes.insert(0, f"net {values['net']!r} is kept for the record only: the model is built in Python")
    defaults = dict(CAFFE_DEFAULTS)
    if path is not None:  # Caffe: a missing snapshot_prefix is the solver file's name without extension
        defaults["snapshot_prefix"] = str(path.with_suffix(""))
    return {**defaults, **values}, notes


def _merge_repeated(
    values: dict[str, Any], repeated: dict[str, list[tuple[Any, int]]], not_applicable: list[str]
) -> list[str]:
    notes: list[str] = []
    if "stepvalue" in repeated:
        values["stepvalue"] = tuple(_parse_scalar("stepvalue", "int", v) for v, _ in repeated["stepvalue"])
    for name in ("test_net", "test_net_param", "test_state"):
        if name in repeated:
            not_applicable.append(name)
    iters = [_parse_scalar("test_iter", "int", v) for v, _ in repeated.get("test_iter", [])]
    if iters:
        stages = [_stages(block) for block, _ in repeated.get("test_state", [])]
        chosen = _test_net_on_test_set(stages, len(iters))
        values["test_iter"] = iters[chosen]
        for i, count in enumerate(iters):
            if i != chosen:
                stage = f" (stage {', '.join(stages[i])})" if i < len(stages) and stages[i] else ""
                notes.append(
                    f"test net #{i}{stage} with test_iter {count} is not run: "
                    "the course tests on the MNIST test set only"
                )
    return notes


def _stages(block: _Block) -> list[str]:
    return [v.text for name, v, _ in block.entries if name == "stage" and isinstance(v, _Scalar)]


def _test_net_on_test_set(stages: list[list[str]], count: int) -> int:
    """Index of the test net that runs on the test set: the one whose stage says 'test-on-test'."""
    for i in range(min(count, len(stages))):
        if any(s.startswith("test-on-test") for s in stages[i]):
            return i
    return 0


def _merge_solver_type(values: dict[str, Any], seen_lines: dict[str, int]) -> None:
    if "solver_type" not in values:
        return
    old = values.pop("solver_type")
    if "type" in values:
        raise ConfigError(
            f"line {seen_lines['solver_type']}: both solver_type (Caffe's old enum) and type are given; "
            "Caffe refuses that too: keep only type"
        )
    values["type"] = old


def _check_schedule(values: dict[str, Any]) -> list[str]:
    """Caffe has no default lr_policy; parameters the policy needs must be in the file."""
    if "lr_policy" not in values:
        raise ConfigError(
            "no lr_policy: Caffe has no default for it (it stops with 'Unknown learning rate policy'); "
            'add one, e.g. lr_policy: "fixed"'
        )
    try:
        policy = get_policy(values["lr_policy"])
    except ScheduleError as err:
        raise ConfigError(str(err)) from None
    notes = []
    ignored = ignored_params(policy.name, values)
    if ignored:
        notes.append(f"ignored because lr_policy {policy.name!r} does not use them: {', '.join(ignored)}")
        for name in ignored:
            del values[name]
    for spec in policy.params:
        if spec.name not in values:
            example = spec.typical[0] if isinstance(spec.typical, tuple) else spec.typical
            raise ConfigError(
                f"lr_policy {policy.name!r} needs {spec.name} ({spec.meaning}), and the file has none "
                f"(Caffe would silently use 0); add e.g. {spec.name}: {example}"
            )
    return notes


def _parse_old_solver_type(value: _Scalar, line: int) -> str:
    key = value.text.upper()
    by_number = dict(enumerate(OLD_SOLVER_TYPES))
    if key.isdigit() and int(key) in by_number:
        key = by_number[int(key)]
    if key not in OLD_SOLVER_TYPES:
        raise ConfigError(
            f"line {line}: unknown solver_type {_show(value.text)}; Caffe's old enum has "
            f'{", ".join(OLD_SOLVER_TYPES)} (or write type: "Adam" etc.)'
        )
    return OLD_SOLVER_TYPES[key]


_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fF]?|[+-]?(inf|infinity|nan)", re.I)
_INT = re.compile(r"[+-]?(\d+|0[xX][0-9a-fA-F]+)")


def _parse_scalar(name: str, kind: str, value: _Scalar) -> Any:
    where = f"line {value.line}: bad value for {name}"
    text = value.text
    if kind in ("str",):
        return text
    if kind == "mode":
        mode = {"0": "CPU", "1": "GPU"}.get(text, text.upper())
        if mode not in SOLVER_MODES:
            raise ConfigError(f"{where}: solver_mode is CPU or GPU, got {_show(text)}")
        return mode
    if value.quoted:
        raise ConfigError(
            f"{where}: {name} takes a {'number' if kind != 'bool' else 'true or false'}, got the string {_show(text)}"
        )
    if kind == "bool":
        if text in ("true", "True", "t", "1"):
            return True
        if text in ("false", "False", "f", "0"):
            return False
        raise ConfigError(f"{where}: expected true or false, got {_show(text)}")
    if kind == "int":
        if not _INT.fullmatch(text):
            raise ConfigError(f"{where}: expected an integer, got {_show(text)}")
        return int(text, 0) if text.lower().lstrip("+-").startswith("0x") else int(text)
    if not _FLOAT.fullmatch(text):
        raise ConfigError(f"{where}: expected a number, got {_show(text)}")
    return float(text.rstrip("fF")) if not text.lower().lstrip("+-").startswith("inf") else float(text)


#: Caffe's examples/mnist/lenet_solver.prototxt, verbatim in content.
LENET_SOLVER_PROTOTXT = """\
# The train/test net protocol buffer definition
net: "examples/mnist/lenet_train_test.prototxt"
# test_iter specifies how many forward passes the test should carry out.
# In the case of MNIST, we have test batch size 100 and 100 test iterations,
# covering the full 10,000 testing images.
test_iter: 100
# Carry out testing every 500 training iterations.
test_interval: 500
# The base learning rate, momentum and the weight decay of the network.
base_lr: 0.01
momentum: 0.9
weight_decay: 0.0005
# The learning rate policy
lr_policy: "inv"
gamma: 0.0001
power: 0.75
# Display every 100 iterations
display: 100
# The maximum number of iterations
max_iter: 10000
# snapshot intermediate results
snapshot: 5000
snapshot_prefix: "examples/mnist/lenet"
# solver mode: CPU or GPU
solver_mode: GPU
"""
