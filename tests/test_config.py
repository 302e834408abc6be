import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from lenet_course.config import (
    CAFFE_DEFAULTS,
    LENET_SOLVER_PROTOTXT,
    SOLVER_TYPES,
    ConfigError,
    ConfigWarning,
    SolverConfig,
)
from lenet_course.schedules import POLICIES, POLICY_TABLE, lr_at

FIXTURES = Path(__file__).parent / "fixtures" / "caffe_mnist"


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def read_quietly(source):
    """from_prototxt, returning the config and the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config = SolverConfig.from_prototxt(source)
    return config, [str(w.message) for w in caught if issubclass(w.category, ConfigWarning)]


# ---- the recipe and Python construction ----------------------------------------------------------
def test_defaults_are_the_caffe_lenet_solver():
    c = SolverConfig()
    assert (c.base_lr, c.momentum, c.weight_decay) == (0.01, 0.9, 0.0005)
    assert (c.lr_policy, c.gamma, c.power, c.stepsize, c.stepvalue) == ("inv", 0.0001, 0.75, None, ())
    assert (c.max_iter, c.test_iter, c.test_interval, c.display, c.snapshot) == (10000, 100, 500, 100, 5000)
    assert (c.train_batch_size, c.test_batch_size) == (64, 100)
    assert c.test_iter * c.test_batch_size == 10000
    assert (c.type, c.regularization_type, c.random_seed, c.solver_mode) == ("SGD", "L2", 1701, None)
    assert (c.iter_size, c.average_loss, c.clip_gradients) == (1, 1, -1.0)
    assert (c.snapshot_after_train, c.test_compute_loss, c.test_initialization) == (True, False, True)
    assert (c.momentum2, c.rms_decay, c.delta) == (0.999, 0.99, 1e-8)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SolverConfig().base_lr = 0.1


@pytest.mark.parametrize(
    "build,expected",
    [
        (lambda: SolverConfig(lr_policy="step", gamma=0.1, stepsize=3000), ("step", 0.1, None, 3000)),
        (lambda: SolverConfig(lr_policy="fixed"), ("fixed", None, None, None)),
        (lambda: SolverConfig().replace(lr_policy="exp", gamma=0.9995), ("exp", 0.9995, None, None)),
        (lambda: SolverConfig().replace(lr_policy="poly", power=2), ("poly", None, 2.0, None)),
        (lambda: SolverConfig(lr_policy="inv", gamma=1e-3), ("inv", 1e-3, 0.75, None)),
        (
            lambda: SolverConfig(lr_policy="step", gamma=0.1, stepsize=10).replace(lr_policy="inv"),
            ("inv", 0.0001, 0.75, None),
        ),
    ],
)
def test_building_a_config_the_natural_way_works_without_warnings(no_warnings, build, expected):
    c = build()
    assert (c.lr_policy, c.gamma, c.power, c.stepsize) == expected


def test_a_parameter_the_policy_does_not_use_is_ignored_with_a_warning_naming_it():
    with pytest.warns(ConfigWarning, match=r"power=0.75 ignored: lr_policy 'step' does not use it") as caught:
        c = SolverConfig(lr_policy="step", gamma=0.1, stepsize=3000, power=0.75)
    assert c.power is None and c.gamma == 0.1
    assert caught[0].filename == __file__  # points at the caller's line, not at config.py
    with pytest.warns(ConfigWarning, match=r"gamma=0.5, stepvalue=\(10,\) ignored: lr_policy 'fixed'"):
        c = SolverConfig().replace(lr_policy="fixed", gamma=0.5, stepvalue=(10,))
    assert (c.gamma, c.stepvalue) == (None, ())


def test_replace_keeps_the_policy_parameters_when_the_policy_stays(no_warnings):
    step = SolverConfig(lr_policy="step", gamma=0.1, stepsize=3000)
    assert step.replace(base_lr=0.1).stepsize == 3000
    assert step.replace(gamma=0.5) == SolverConfig(lr_policy="step", gamma=0.5, stepsize=3000)
    # switching policy drops the old parameters: multistep must be given its own gamma
    with pytest.raises(ConfigError, match=r"'multistep' needs gamma .*typical: gamma=0.9"):
        step.replace(lr_policy="multistep", stepvalue=(100,))


def test_with_policy_sets_exactly_the_parameters_given(no_warnings):
    c = SolverConfig().with_policy("step", gamma=0.1, stepsize=2000)
    assert (c.lr_policy, c.gamma, c.power, c.stepsize) == ("step", 0.1, None, 2000)
    assert c.base_lr == 0.01 and c.max_iter == 10000
    assert c.with_policy("inv", gamma=0.001).power == 0.75  # inv falls back to the recipe's power
    with pytest.raises(ConfigError, match="'step' needs stepsize"):
        c.with_policy("step", gamma=0.5)


def test_momentum_follows_the_type_unless_given(no_warnings):
    assert SolverConfig(type="RMSProp").momentum == 0.0
    assert SolverConfig(type="Adam").momentum == 0.9
    rms = SolverConfig().replace(type="RMSProp")
    assert rms.momentum == 0.0
    assert rms.replace(type="Nesterov").momentum == 0.9
    assert SolverConfig(momentum=0.95).replace(type="Nesterov").momentum == 0.95


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(momentum="0.9"), "momentum must be a number, got '0.9'"),
        (dict(base_lr=True), "base_lr must be a number, got True"),
        (dict(weight_decay=None), "weight_decay must be a number, got None"),
        (dict(max_iter=1.5), r"max_iter must be a whole number \(an int\), got 1.5"),
        (dict(snapshot=True), "snapshot must be a whole number"),
        (dict(test_initialization="yes"), "test_initialization must be True or False, got 'yes'"),
        (dict(snapshot_after_train=1), "snapshot_after_train must be True or False"),
        (dict(stepvalue="123"), "stepvalue must be a sequence of whole iterations"),
        (dict(stepvalue=5000), "stepvalue must be a sequence of whole iterations"),
        (dict(lr_policy="multistep", gamma=0.5, stepvalue=(10, 2.5)), "each stepvalue must be a whole number"),
        (dict(type=None), "type must be a string"),
        (dict(weight_decay=math.inf), "weight_decay must be a finite number, got inf"),
        (dict(momentum=math.nan), "momentum must be a finite number"),
        (dict(delta=math.inf), "delta must be a finite number"),
        (dict(clip_gradients=-math.inf), "clip_gradients must be a finite number"),
        (dict(base_lr=10**400), "base_lr must be a finite number"),
        (dict(random_seed=99999999999999999999), "random_seed must fit in a signed 64-bit integer"),
        (dict(random_seed=-(2**63) - 1), "random_seed must fit in a signed 64-bit integer"),
        (dict(momentum=-0.1), "momentum must be >= 0"),
        (dict(weight_decay=-1), "weight_decay must be >= 0"),
        (dict(momentum2=1.0), r"momentum2 must be in \[0, 1\)"),
        (dict(rms_decay=1.5), r"rms_decay must be in \[0, 1\)"),
        (dict(delta=0.0), "delta must be > 0"),
        (dict(iter_size=0), "iter_size must be > 0"),
        (dict(average_loss=0), "average_loss must be > 0"),
        (dict(train_batch_size=0), "train_batch_size must be > 0"),
        (dict(test_interval=-5), "test_interval must be >= 0"),
        (dict(solver_mode="TPU"), "solver_mode must be one of CPU, GPU"),
        (dict(type="Rmsprop"), r"unknown solver type 'Rmsprop' \(did you mean 'RMSProp'\?\)"),
        (dict(regularization_type="L3"), 'regularization_type must be "L1" or "L2"'),
        (dict(type="AdaGrad", momentum=0.9), "momentum cannot be used with AdaGrad"),
        (dict(type="RMSProp", momentum=0.5), "momentum cannot be used with RMSProp"),
        (dict(type="TorchSGD", regularization_type="L1"), "TorchSGD .* supports only L2"),
        (dict(type="Adam", momentum=1.0), r"Adam's momentum \(beta1\) must be < 1"),
        (dict(lr_policy="exp"), "'exp' needs gamma"),
        (dict(lr_policy="cosine"), "unknown lr_policy 'cosine'"),
        (dict(learning_rate=0.1), "unknown solver field 'learning_rate'"),
    ],
)
def test_invalid_fields_are_config_errors_naming_the_field(changes, message):
    with pytest.raises(ConfigError, match=message):
        SolverConfig().replace(**changes)


def test_weight_decay_inf_does_not_blame_base_lr():
    with pytest.raises(ConfigError) as err:
        SolverConfig(weight_decay=math.inf)
    assert "weight_decay" in str(err.value) and "base_lr" not in str(err.value)


def test_numpy_numbers_and_the_int64_limits_are_accepted(no_warnings):
    c = SolverConfig(
        base_lr=np.float32(0.5),
        max_iter=np.int64(20),
        random_seed=2**63 - 1,
        stepvalue=[np.int64(5)],
        lr_policy="multistep",
        gamma=0.5,
    )
    assert (c.base_lr, c.max_iter, c.stepvalue) == (0.5, 20, (5,))
    assert type(c.base_lr) is float and type(c.max_iter) is int
    assert SolverConfig(random_seed=-(2**63)).random_seed == -(2**63)


def test_changes_from_lists_the_fields_that_differ():
    old = SolverConfig()
    new = old.replace(base_lr=0.1, max_iter=500)
    assert new.changes_from(old) == {"base_lr": (0.01, 0.1), "max_iter": (10000, 500)}
    assert old.changes_from(old) == {}
    switched = old.with_policy("step", gamma=0.1, stepsize=100)
    assert switched.changes_from(old) == {
        "lr_policy": ("inv", "step"),
        "gamma": (0.0001, 0.1),
        "power": (0.75, None),
        "stepsize": (None, 100),
    }
    with pytest.raises(ConfigError):
        old.changes_from({"base_lr": 0.1})


# ---- Caffe's defaults and solver files -------------------------------------------------------------
def test_caffe_defaults_are_solver_parameters():
    c = SolverConfig.caffe_defaults()
    assert (c.base_lr, c.momentum, c.weight_decay, c.display, c.snapshot, c.max_iter) == (0, 0, 0, 0, 0, 0)
    assert (c.type, c.lr_policy, c.random_seed, c.test_interval, c.test_iter) == ("SGD", "fixed", -1, 0, 0)
    assert (c.delta, c.momentum2, c.rms_decay, c.iter_size, c.average_loss) == (1e-8, 0.999, 0.99, 1, 1)
    assert (c.clip_gradients, c.regularization_type) == (-1.0, "L2")
    assert (c.snapshot_after_train, c.test_compute_loss, c.test_initialization) == (True, False, True)
    assert c.net is None and c.solver_mode is None
    assert (c.train_batch_size, c.test_batch_size) == (64, 100)  # the LeNet net's, not SolverParameter fields
    assert SolverConfig.caffe_defaults(type="Adam", base_lr=0.001).momentum == 0.0
    assert set(CAFFE_DEFAULTS) < {f.name for f in dataclasses.fields(SolverConfig)}


def test_reads_the_lenet_solver_prototxt():
    c, messages = read_quietly(LENET_SOLVER_PROTOTXT)
    assert c.net == "examples/mnist/lenet_train_test.prototxt"
    assert c.snapshot_prefix == "examples/mnist/lenet"
    assert c.solver_mode == "GPU"
    # everything else is the recipe, except the seed: the file has none, so Caffe's -1 (clock)
    expected = SolverConfig(net=c.net, snapshot_prefix=c.snapshot_prefix, solver_mode="GPU", random_seed=-1)
    assert c == expected
    assert messages == [
        "solver.prototxt: net 'examples/mnist/lenet_train_test.prototxt' is kept for the record only: "
        "the model is built in Python."
    ]


# file: type, lr_policy, base_lr, momentum, weight_decay, test_iter, other fields
CAFFE_MNIST_SOLVERS = {
    "lenet_solver.prototxt": ("SGD", "inv", 0.01, 0.9, 0.0005, 100, dict(gamma=1e-4, power=0.75, max_iter=10000)),
    "lenet_multistep_solver.prototxt": (
        "SGD",
        "multistep",
        0.01,
        0.9,
        0.0005,
        100,
        dict(
            gamma=0.9,
            stepvalue=(5000, 7000, 8000, 9000, 9500),
            power=None,
            snapshot_prefix="examples/mnist/lenet_multistep",
        ),
    ),
    "lenet_solver_adam.prototxt": (
        "Adam",
        "fixed",
        0.001,
        0.9,
        0.0,
        100,
        dict(momentum2=0.999, delta=1e-8, gamma=None, display=100),
    ),
    "lenet_solver_rmsprop.prototxt": ("RMSProp", "inv", 0.01, 0.0, 0.0005, 100, dict(rms_decay=0.98, gamma=1e-4)),
    "lenet_adadelta_solver.prototxt": ("AdaDelta", "fixed", 1.0, 0.95, 0.0005, 100, dict(delta=1e-6)),
    "lenet_auto_solver.prototxt": (
        "SGD",
        "inv",
        0.01,
        0.9,
        0.0005,
        100,
        dict(net=None, solver_mode=None, snapshot_prefix="mnist/lenet"),
    ),
    "lenet_consolidated_solver.prototxt": (
        "SGD",
        "inv",
        0.01,
        0.9,
        0.0005,
        100,
        dict(random_seed=1701, net=None, solver_mode="GPU"),
    ),
    "mnist_autoencoder_solver.prototxt": (
        "SGD",
        "step",
        0.01,
        0.9,
        0.0005,
        100,
        dict(gamma=0.1, stepsize=10000, max_iter=65000, test_compute_loss=True, snapshot=10000),
    ),
    "mnist_autoencoder_solver_adadelta.prototxt": (
        "AdaDelta",
        "fixed",
        1.0,
        0.95,
        0.0005,
        100,
        dict(delta=1e-8, test_compute_loss=True),
    ),
    "mnist_autoencoder_solver_adagrad.prototxt": (
        "AdaGrad",
        "fixed",
        0.01,
        0.0,
        0.0005,
        100,
        dict(test_compute_loss=True),
    ),
    "mnist_autoencoder_solver_nesterov.prototxt": (
        "Nesterov",
        "step",
        0.01,
        0.95,
        0.0005,
        100,
        dict(gamma=0.1, stepsize=10000),
    ),
}


def test_every_caffe_mnist_solver_file_is_a_fixture():
    assert sorted(p.name for p in FIXTURES.glob("*.prototxt")) == sorted(CAFFE_MNIST_SOLVERS)
    assert "BSD 2-Clause" in (FIXTURES / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(CAFFE_MNIST_SOLVERS))
def test_caffe_mnist_solver_files_load_with_caffes_defaults(name):
    kind, policy, base_lr, momentum, weight_decay, test_iter, others = CAFFE_MNIST_SOLVERS[name]
    c, _ = read_quietly(FIXTURES / name)
    assert (c.type, c.lr_policy, c.base_lr, c.momentum, c.weight_decay, c.test_iter) == (
        kind,
        policy,
        base_lr,
        momentum,
        weight_decay,
        test_iter,
    )
    for field, value in others.items():
        assert getattr(c, field) == value, field
    if "random_seed" not in others:
        assert c.random_seed == -1  # none of them sets a seed: Caffe seeds from the clock
    assert (c.iter_size, c.clip_gradients, c.regularization_type) == (1, -1.0, "L2")
    assert read_quietly(str(FIXTURES / name))[0] == c  # a str path reads the same


def test_the_consolidated_solver_reports_what_it_does_not_use():
    c, messages = read_quietly(FIXTURES / "lenet_consolidated_solver.prototxt")
    assert len(messages) == 1
    message = messages[0]
    assert "net_param (the model is built in Python)" in message
    assert "test_state" in message
    assert "test net #1 (stage test-on-train-set) with test_iter 600 is not run" in message
    assert c.test_iter == 100


def test_the_autoencoder_solver_runs_the_test_net_on_the_test_set():
    # its first test net is 'test-on-train' (500 iterations); the 'test-on-test' one is second
    c, messages = read_quietly(FIXTURES / "mnist_autoencoder_solver.prototxt")
    assert c.test_iter == 100
    assert "test net #0 (stage test-on-train) with test_iter 500 is not run" in messages[0]


def test_a_missing_snapshot_prefix_is_the_solver_files_name(tmp_path, no_warnings):
    path = tmp_path / "my_solver.prototxt"
    path.write_text('lr_policy: "fixed"\n')
    assert SolverConfig.from_prototxt(path).snapshot_prefix == str(tmp_path / "my_solver")


def test_reads_a_file_with_comments_quotes_and_repeated_stepvalue(tmp_path, no_warnings):
    path = tmp_path / "solver.prototxt"
    path.write_text(
        "# a multistep solver\n"
        "base_lr: 0.1   # trailing comment\n"
        "lr_policy: 'multistep'\n"
        "gamma: 0.5\n"
        "stepvalue: 1000\n"
        "stepvalue: 3000\n"
        "\n"
        'snapshot_prefix: "runs/with # hash"\n'
        "solver_mode: CPU\n"
        'type: "Adam"\n'
        "test_initialization: false\n"
        'iter_size: 4 average_loss: 20; clip_gradients: 10, regularization_type: "L1"\n'
        "train_batch_size: 32\n"
    )
    c = SolverConfig.from_prototxt(path)
    assert c.lr_policy == "multistep" and c.stepvalue == (1000, 3000) and c.gamma == 0.5
    assert c.power is None and c.base_lr == 0.1
    assert c.snapshot_prefix == "runs/with # hash"
    assert (c.solver_mode, c.type, c.test_initialization) == ("CPU", "Adam", False)
    assert (c.iter_size, c.average_loss, c.clip_gradients, c.regularization_type) == (4, 20, 10.0, "L1")
    assert (c.train_batch_size, c.test_batch_size) == (32, 100)
    assert SolverConfig.from_prototxt(str(path)) == c


def test_parser_reads_nested_blocks_in_every_form(no_warnings):
    text = (
        'lr_policy: "step" gamma: 0.1 stepsize: 100\n'
        "stepvalue: [5, 10]\n"  # the list form of a repeated field (ignored by step)
        'net_param { name: "x" layer { name: "a" include: { phase: TRAIN } param { lr_mult: 1 } } }\n'
        "train_state < stage: 'train' >\n"
        'test_state: { stage: "te" "st" }\n'
        "device_id: 3\ndebug_info: true\nsnapshot_format: HDF5\nlayer_wise_reduce: false\nsnapshot_diff: false\n"
        'snapshot_prefix: "a \\"quoted\\" name"\n'
    )
    with pytest.warns(ConfigWarning) as caught:
        c = SolverConfig.from_prototxt(text)
    assert (c.lr_policy, c.gamma, c.stepsize, c.stepvalue) == ("step", 0.1, 100, ())
    assert c.snapshot_prefix == 'a "quoted" name'
    assert len(caught) == 1
    message = str(caught[0].message)
    for name in (
        "net_param",
        "train_state",
        "test_state",
        "device_id",
        "debug_info",
        "snapshot_format",
        "layer_wise_reduce",
        "snapshot_diff",
        "ignored because lr_policy 'step' does not use them: stepvalue",
    ):
        assert name in message


def test_old_solver_type_enum_is_read(no_warnings):
    for old, new in [("NESTEROV", "Nesterov"), ("ADAGRAD", "AdaGrad"), ("ADAM", "Adam"), ("3", "RMSProp")]:
        text = f"lr_policy: 'fixed'\nsolver_type: {old}\n"
        assert SolverConfig.from_prototxt(text).type == new


def test_to_prototxt_round_trips():
    c = SolverConfig().with_policy("multistep", gamma=0.1, stepvalue=(5, 50))
    assert read_quietly(c.to_prototxt())[0] == c


def round_trip_configs():
    base = SolverConfig(net=None)
    for name in POLICIES:
        yield base.with_policy(name, **POLICY_TABLE[name].typical())
    for kind in SOLVER_TYPES:
        yield base.replace(type=kind)
    yield base.replace(
        solver_mode="CPU",
        random_seed=-1,
        clip_gradients=3.5,
        iter_size=2,
        average_loss=10,
        regularization_type="L1",
        snapshot_after_train=False,
        test_compute_loss=True,
        base_lr=1 / 3,
        delta=1e-6,
        rms_decay=0.95,
        snapshot_prefix='we"ird # name',
    )
    yield SolverConfig.caffe_defaults()


@pytest.mark.parametrize("config", list(round_trip_configs()), ids=lambda c: f"{c.lr_policy}-{c.type}")
def test_to_prototxt_round_trips_every_policy_and_type(config, no_warnings):
    assert SolverConfig.from_prototxt(config.to_prototxt()) == config


@pytest.mark.parametrize(
    "text,message",
    [
        ("lr_policy: 'fixed'\nlearning_rate: 0.1\n", "line 2: unknown solver field 'learning_rate'"),
        ('lr_polcy: "inv"\n', "line 1: unknown solver field 'lr_polcy'; did you mean 'lr_policy'"),
        ("base_lr: fast\n", "line 1: bad value for base_lr: expected a number"),
        ('base_lr: "0.1"\n', "line 1: bad value for base_lr: base_lr takes a number, got the string '0.1'"),
        ("max_iter: 10.5\n", "line 1: bad value for max_iter: expected an integer"),
        ("base_lr 0.01\n", "line 1: cannot read 'base_lr'; expected 'field: value'"),
        ('lr_policy: "inv\nbase_lr: 1\n', "line 1: unterminated string"),
        ("base_lr: 0.01\nbase_lr: 0.02\n", r"line 2: field 'base_lr' is given twice \(first on line 1\)"),
        ("test_initialization: maybe\n", "line 1: bad value for test_initialization"),
        ('lr_policy: "cosine"\n', "unknown lr_policy 'cosine'; valid policies are"),
        (
            'lr_policy: "step"\ngamma: 0.1\n',
            r"'step' needs stepsize .*the file has none \(Caffe would silently use 0\)",
        ),
        ('lr_policy: "inv"\npower: 0.75\n', "'inv' needs gamma"),
        ("base_lr: 0.01\n", "no lr_policy: Caffe has no default for it"),
        ("lr_policy: 'fixed'\nbase_lr { x: 1 }\n", "line 2: base_lr takes a single value"),
        ("lr_policy: 'fixed'\ntest_state: 'x'\n", r"line 2: test_state takes a block"),
        ("lr_policy: 'fixed'\nnet_param {\n layer {\n", r"a \{ ... \} block is never closed"),
        ("lr_policy: 'fixed' }\n", "line 1: expected a field name, got '}'"),
        ("lr_policy: 'fixed'\nbase_lr: 0.1 @\n", "line 2: unexpected character '@'"),
        ("lr_policy: 'fixed'\nmax_iter: [1, 2]\n", r"line 2: max_iter takes a single value, not a \[...\] list"),
        ("lr_policy: 'fixed'\nweight_decay: inf\n", "weight_decay must be a finite number, got inf"),
        ("lr_policy: 'fixed'\nrandom_seed: 99999999999999999999\n", "random_seed must fit in a signed 64-bit"),
        ("lr_policy: 'fixed'\nsolver_mode: TPU\n", "solver_mode is CPU or GPU"),
        ("lr_policy: 'fixed'\ntype: 'AdaGrad'\nmomentum: 0.9\n", "momentum cannot be used with AdaGrad"),
        ("lr_policy: 'fixed'\ntype: 'SGD'\nsolver_type: ADAM\n", "both solver_type .* and type are given"),
        ("lr_policy: 'fixed'\nsolver_type: LBFGS\n", "unknown solver_type 'LBFGS'"),
        ("lr_policy: 'fixed'\nweights: 'x.caffemodel'\n", "line 2: weights is not supported: .*caffemodel"),
    ],
)
def test_prototxt_errors_name_the_line(text, message):
    with pytest.raises(ConfigError, match=message):
        SolverConfig.from_prototxt(text)


def test_a_parameter_the_policy_does_not_use_is_reported_for_prototxt_too():
    c, messages = read_quietly('lr_policy: "step"\ngamma: 0.1\nstepsize: 100\npower: 0.75\n')
    assert c.power is None
    assert messages == ["solver.prototxt: ignored because lr_policy 'step' does not use them: power."]


# ---- files that are not solver files --------------------------------------------------------------
def write(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda d: "", r"no solver fields \(the text is empty or only comments\)"),
        (lambda d: "# only\n# comments\n", "no solver fields"),
        (lambda d: "# one comment", "no solver fields"),
        (lambda d: write(d, "empty.prototxt", b""), "empty.prototxt: no solver fields"),
        (lambda d: write(d, "c.prototxt", b"# nothing here\n"), "c.prototxt: no solver fields"),
        (
            lambda d: write(d, "zeros.prototxt", b"\x00" * 100_000),
            "zeros.prototxt contains NUL bytes: it is a binary file",
        ),
        (lambda d: write(d, "model.pt", bytes(range(256)) * 50), "model.pt contains NUL bytes"),
        (lambda d: "\x00" * 10_000_000, "solver.prototxt text contains NUL characters"),
        (
            lambda d: write(d, "latin1.prototxt", "# r\xe9glage\nlr_policy: 'fixed'\n".encode("latin-1")),
            r"latin1.prototxt is not UTF-8 text \(byte 0xe9 at offset 3\)",
        ),
        (lambda d: write(d, "junk.prototxt", b"\x89PNG\r\n\x1a\n" + b"\xff" * 50), "junk.prototxt is not UTF-8 text"),
        (lambda d: d / "missing.prototxt", "no solver.prototxt at .*missing.prototxt"),
        (lambda d: "does/not/exist.prototxt", "no solver.prototxt at does/not/exist.prototxt"),
        (lambda d: d, "is a folder, not a solver.prototxt file"),
        (lambda d: write(d, "huge.prototxt", b"#" * (5 * 2**20)), "huge.prototxt is 5 MB: far too large"),
    ],
)
def test_files_that_are_not_solver_files_get_one_short_sentence(tmp_path, make, message):
    with pytest.raises(ConfigError, match=message) as err:
        SolverConfig.from_prototxt(make(tmp_path))
    assert len(str(err.value)) < 300 + len(str(tmp_path))


def test_long_junk_is_never_echoed_whole():
    with pytest.raises(ConfigError) as err:
        SolverConfig.from_prototxt("lr_policy: 'fixed'\nbase_lr: " + "9" * 100 + "x" * 1_000_000 + "\n")
    assert len(str(err.value)) < 200


def test_a_bom_is_skipped(tmp_path, no_warnings):
    text = '\ufefflr_policy: "fixed"\nbase_lr: 0.5\n'
    assert SolverConfig.from_prototxt(text).base_lr == 0.5
    assert SolverConfig.from_prototxt(write(tmp_path, "bom.prototxt", text.encode("utf-8"))).base_lr == 0.5
    assert SolverConfig.from_prototxt(text.encode("utf-8")).base_lr == 0.5


def test_an_unreadable_file_is_named(tmp_path, monkeypatch):
    path = write(tmp_path, "locked.prototxt", b"lr_policy: 'fixed'\n")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)  # chmod 000 does not stop root
    with pytest.raises(ConfigError, match=r"cannot read .*locked.prototxt: permission denied"):
        SolverConfig.from_prototxt(path)


def test_config_errors_are_value_errors_and_warnings_are_user_warnings():
    assert issubclass(ConfigError, ValueError)
    assert issubclass(ConfigWarning, UserWarning)
    assert lr_at(0, SolverConfig()) == 0.01
