import dataclasses

import pytest

from lenet_course.config import LENET_SOLVER_PROTOTXT, ConfigError, SolverConfig


def test_defaults_are_the_caffe_lenet_solver():
    c = SolverConfig()
    assert (c.base_lr, c.momentum, c.weight_decay) == (0.01, 0.9, 0.0005)
    assert (c.lr_policy, c.gamma, c.power) == ("inv", 0.0001, 0.75)
    assert (c.max_iter, c.test_iter, c.test_interval, c.display, c.snapshot) == (10000, 100, 500, 100, 5000)
    assert (c.train_batch_size, c.test_batch_size) == (64, 100)
    assert c.test_iter * c.test_batch_size == 10000


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SolverConfig().base_lr = 0.1


def test_reads_the_lenet_solver_prototxt():
    c = SolverConfig.from_prototxt(LENET_SOLVER_PROTOTXT)
    assert c.net == "examples/mnist/lenet_train_test.prototxt"
    assert c.snapshot_prefix == "examples/mnist/lenet"
    assert c.solver_mode == "GPU"
    expected = SolverConfig(net=c.net, snapshot_prefix=c.snapshot_prefix, solver_mode="GPU")
    assert c == expected


def test_reads_a_file_with_comments_quotes_and_repeated_stepvalue(tmp_path):
    path = tmp_path / "solver.prototxt"
    path.write_text(
        '# a multistep solver\n'
        'base_lr: 0.1   # trailing comment\n'
        'lr_policy: "multistep"\n'
        "gamma: 0.5\n"
        "stepvalue: 1000\n"
        "stepvalue: 3000\n"
        "\n"
        'snapshot_prefix: "runs/with # hash"\n'
        "solver_mode: CPU\n"
        "type: \"Adam\"\n"
        "test_initialization: false\n"
    )
    c = SolverConfig.from_prototxt(path)
    assert c.lr_policy == "multistep" and c.stepvalue == (1000, 3000) and c.gamma == 0.5
    assert c.power is None and c.base_lr == 0.1
    assert c.snapshot_prefix == "runs/with # hash"
    assert (c.solver_mode, c.type, c.test_initialization) == ("CPU", "Adam", False)
    assert SolverConfig.from_prototxt(str(path)) == c


def test_to_prototxt_round_trips():
    c = SolverConfig().with_policy("multistep", gamma=0.1, stepvalue=(5, 50))
    assert SolverConfig.from_prototxt(c.to_prototxt()) == c


@pytest.mark.parametrize(
    "text,message",
    [
        ("base_lr: 0.01\nlearning_rate: 0.1\n", "line 2: unknown solver field 'learning_rate'"),
        ("base_lr: fast\n", "line 1: bad value for base_lr: expected a number"),
        ("max_iter: 10.5\n", "line 1: bad value for max_iter: expected an integer"),
        ("base_lr 0.01\n", "line 1: cannot read"),
        ("lr_policy: \"inv\nbase_lr: 1\n", "line 1: bad value for lr_policy: unterminated string"),
        ("base_lr: 0.01\nbase_lr: 0.02\n", "line 2: field 'base_lr' is given twice"),
        ("test_initialization: maybe\n", "line 1: bad value for test_initialization"),
        ('lr_policy: "cosine"\n', "unknown lr_policy 'cosine'; valid policies are"),
        ('lr_policy: "step"\ngamma: 0.1\n', "needs a positive stepsize"),
    ],
)
def test_prototxt_errors_name_the_line(text, message):
    with pytest.raises(ConfigError, match=message):
        SolverConfig.from_prototxt(text)


def test_missing_prototxt_file():
    with pytest.raises(ConfigError, match="no solver.prototxt at"):
        SolverConfig.from_prototxt("does/not/exist.prototxt")


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(momentum=-0.1), "momentum must be >= 0"),
        (dict(weight_decay=-1), "weight_decay must be >= 0"),
        (dict(train_batch_size=0), "train_batch_size must be > 0"),
        (dict(test_interval=-5), "test_interval must be >= 0"),
        (dict(solver_mode="TPU"), "solver_mode must be one of CPU, GPU"),
        (dict(type="RMSProp"), "valid types are: SGD, TorchSGD, Adam"),
        (dict(lr_policy="step"), "power=0.75 has no meaning"),
    ],
)
def test_invalid_fields_are_rejected(changes, message):
    with pytest.raises(ConfigError, match=message):
        SolverConfig().replace(**changes)


def test_with_policy_drops_parameters_the_policy_does_not_use():
    c = SolverConfig().with_policy("step", gamma=0.1, stepsize=2000)
    assert (c.lr_policy, c.gamma, c.power, c.stepsize) == ("step", 0.1, None, 2000)
    assert c.base_lr == 0.01 and c.max_iter == 10000
