"""The solver's configuration: Caffe's ``SolverParameter`` fields as one frozen dataclass.

Defaults are the values of Caffe's ``examples/mnist/lenet_solver.prototxt``, so
``SolverConfig()`` *is* the Caffe LeNet recipe. ``SolverConfig.from_prototxt`` reads a solver file.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .schedules import ScheduleError, validate_policy

SOLVER_MODES: tuple[str, ...] = ("CPU", "GPU")
#: "SGD" is Caffe's update (see :class:`lenet_course.optim.CaffeSGD`); the others are torch's own.
SOLVER_TYPES: tuple[str, ...] = ("SGD", "TorchSGD", "Adam")


class ConfigError(ValueError):
    """A solver configuration value, or a line of a solver.prototxt, is invalid."""


@dataclass(frozen=True)
class SolverConfig:
    """Caffe's solver fields, named as in solver.prototxt, with the LeNet solver's values."""

    net: str = "lenet_train_test.prototxt"
    base_lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0005
    lr_policy: str = "inv"
    gamma: float | None = 0.0001
    power: float | None = 0.75
    stepsize: int | None = None
    stepvalue: tuple[int, ...] = ()
    max_iter: int = 10000
    test_iter: int = 100
    test_interval: int = 500
    test_initialization: bool = True
    display: int = 100
    snapshot: int = 5000
    snapshot_prefix: str = "snapshots/lenet"
    #: None picks cuda when available, else cpu; "GPU" falls back to cpu with a warning.
    solver_mode: str | None = None
    type: str = "SGD"
    #: Adam's second-moment decay and epsilon (Caffe: momentum2, delta); momentum is beta1.
    momentum2: float = 0.999
    delta: float = 1e-8
    random_seed: int = 1701
    train_batch_size: int = 64
    test_batch_size: int = 100

    def __post_init__(self) -> None:
        object.__setattr__(self, "stepvalue", tuple(int(v) for v in self.stepvalue))
        try:
            validate_policy(self)
        except ScheduleError as err:
            raise ConfigError(str(err)) from None
        _require(self.momentum >= 0 and math.isfinite(self.momentum), "momentum", self.momentum, ">= 0")
        _require(self.weight_decay >= 0, "weight_decay", self.weight_decay, ">= 0")
        _require(self.max_iter >= 0, "max_iter", self.max_iter, ">= 0")
        for name in ("test_iter", "test_interval", "display", "snapshot"):
            _require(getattr(self, name) >= 0, name, getattr(self, name), ">= 0 (0 turns it off)")
        for name in ("train_batch_size", "test_batch_size"):
            _require(getattr(self, name) > 0, name, getattr(self, name), "> 0")
        if self.solver_mode is not None and self.solver_mode not in SOLVER_MODES:
            raise ConfigError(
                f"solver_mode must be one of {', '.join(SOLVER_MODES)} (or None for automatic), "
                f"got {self.solver_mode!r}"
            )
        if self.type not in SOLVER_TYPES:
            raise ConfigError(
                f"unknown solver type {self.type!r}; valid types are: {', '.join(SOLVER_TYPES)}"
            )

    def replace(self, **changes: Any) -> "SolverConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_policy(self, lr_policy: str, **params: Any) -> "SolverConfig":
        """A copy switched to another lr policy, dropping parameters the new policy does not use."""
        cleared: dict[str, Any] = {"gamma": None, "power": None, "stepsize": None, "stepvalue": ()}
        cleared.update(params)
        return dataclasses.replace(self, lr_policy=lr_policy, **cleared)

    @classmethod
    def from_prototxt(cls, source: str | Path) -> "SolverConfig":
        """Read a Caffe solver.prototxt, given as a path or as its text."""
        text = _read_source(source)
        values: dict[str, Any] = {}
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        for lineno, raw in enumerate(text.splitlines(), start=1):
            line = _strip_comment(raw).strip()
            if not line:
                continue
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+?)\s*;?", line)
            if not m:
                raise ConfigError(f"line {lineno}: cannot read {raw.strip()!r}; expected 'field: value'")
            key, value = m.group(1), m.group(2)
            if key not in types:
                raise ConfigError(
                    f"line {lineno}: unknown solver field {key!r}; known fields are: "
                    f"{', '.join(sorted(types))}"
                )
            try:
                parsed = _parse_value(key, value, str(types[key]))
            except ValueError as err:
                raise ConfigError(f"line {lineno}: bad value for {key}: {err}") from None
            if key == "stepvalue":
                values["stepvalue"] = values.get("stepvalue", ()) + (parsed,)
            elif key in values:
                raise ConfigError(f"line {lineno}: field {key!r} is given twice")
            else:
                values[key] = parsed
        # A prototxt names only what its policy uses; parameters it leaves out are unset.
        for name in ("gamma", "power", "stepsize"):
            values.setdefault(name, None)
        try:
            return cls(**values)
        except ConfigError as err:
            raise ConfigError(f"solver.prototxt: {err}") from None

    def to_prototxt(self) -> str:
        """This configuration written as solver.prototxt text (round-trips through from_prototxt)."""
        lines = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name == "stepvalue":
                lines.extend(f"stepvalue: {v}" for v in value)
            elif isinstance(value, bool):
                lines.append(f"{f.name}: {'true' if value else 'false'}")
            elif f.name in ("lr_policy", "net", "snapshot_prefix", "type"):
                lines.append(f'{f.name}: "{value}"')
            else:
                lines.append(f"{f.name}: {value}")
        return "\n".join(lines) + "\n"


def _require(ok: bool, name: str, value: Any, rule: str) -> None:
    if not ok:
        raise ConfigError(f"{name} must be {rule}, got {value!r}")


def _read_source(source: str | Path) -> str:
    if isinstance(source, Path) or ("\n" not in source and not re.search(r":\s", source)):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"no solver.prototxt at {path}")
        return path.read_text()
    return source


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment, but not a ``#`` inside a quoted string."""
    quote = None
    for i, ch in enumerate(line):
        if ch in "\"'" and quote is None:
            quote = ch
        elif ch == quote:
            quote = None
        elif ch == "#" and quote is None:
            return line[:i]
    return line


def _parse_value(key: str, value: str, type_name: str) -> Any:
    if value[:1] in "\"'":
        if len(value) < 2 or value[-1] != value[0]:
            raise ValueError(f"unterminated string {value}")
        value = value[1:-1]
        quoted = True
    else:
        quoted = False
    if key in ("lr_policy", "net", "snapshot_prefix", "type"):
        return value
    if key == "solver_mode":
        return value.upper()
    if quoted:
        raise ValueError(f"{key} takes a number, got the string {value!r}")
    if "bool" in type_name:
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        raise ValueError(f"expected true or false, got {value!r}")
    if "int" in type_name and "float" not in type_name:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"expected an integer, got {value!r}") from None
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"expected a number, got {value!r}") from None


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
