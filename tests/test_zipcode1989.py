"""The 1989 ZIP-code network: the paper's counts, its borders and biases, the data, a short run."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from lenet_course.zipcode1989 import (
    BACKGROUND,
    H2_TABLE,
    INIT_SCALE,
    PAPER,
    ZipcodeError,
    ZipcodeNet,
    cached_run_path,
    check_table,
    count_network,
    downsample_to_16,
    load_run,
    paper_mse,
    partial_connection,
    save_run,
    scaled_tanh,
    train_zipcode_net,
    zipcode_digits,
)


def test_the_counts_are_the_papers_layer_by_layer():
    count = count_network(ZipcodeNet(seed=3))
    assert [(c.layer, c.units, c.connections, c.free_parameters) for c in count.layers] == list(PAPER.layers)
    assert (count.units, count.connections, count.free_parameters) == (1256, 64_660, 9760)
    assert sum(p.numel() for p in ZipcodeNet().parameters()) == PAPER.free_parameters


def test_h1_and_h2_have_one_bias_per_unit_and_the_table_has_8_maps_each_feeding_8():
    net = ZipcodeNet()
    assert net.h1_bias.shape == (12, 8, 8) and net.h2_bias.shape == (12, 4, 4)
    assert all(len(set(row)) == 8 for row in H2_TABLE)
    assert sorted(sum((list(r) for r in H2_TABLE), [])) == sorted(list(range(12)) * 8)


def test_a_corner_unit_of_h1_reads_the_background_plane_by_hand():
    net = ZipcodeNet(seed=1)
    x = torch.rand(1, 1, 16, 16) * 2 - 1
    h1 = net.layers(x)["H1"]
    w, b = net.h1_weight[4, 0], net.h1_bias[4]
    # unit (0, 0) is centred on pixel (0, 0): rows and columns -2..2, the negative ones are background
    field = torch.full((5, 5), BACKGROUND)
    field[2:, 2:] = x[0, 0, :3, :3]
    assert torch.allclose(h1[0, 4, 0, 0], scaled_tanh((w * field).sum() + b[0, 0]), atol=1e-6)
    # unit (7, 7) is centred on pixel (14, 14): rows 12..16, row and column 16 are background
    field = torch.full((5, 5), BACKGROUND)
    field[:4, :4] = x[0, 0, 12:16, 12:16]
    assert torch.allclose(h1[0, 4, 7, 7], scaled_tanh((w * field).sum() + b[7, 7]), atol=1e-6)


def test_h2_map_reads_only_the_maps_of_its_row():
    g = torch.Generator().manual_seed(0)
    maps, weight, bias = torch.randn(2, 12, 8, 8, generator=g), torch.randn(12, 8, 5, 5), torch.randn(12, 4, 4)
    out = partial_connection(maps, weight, bias, H2_TABLE)
    padded = F.pad(maps, (2, 1, 2, 1), value=BACKGROUND)
    for j, row in enumerate(H2_TABLE):
        ref = F.conv2d(padded[:, list(row)], weight[j : j + 1], stride=2)[:, 0] + bias[j]
        assert torch.allclose(out[:, j], ref, atol=1e-5)
    unread = next(i for i in range(12) if i not in H2_TABLE[0])
    changed = maps.clone()
    changed[:, unread] += 5.0
    assert torch.equal(partial_connection(changed, weight, bias, H2_TABLE)[:, 0], out[:, 0])


def test_weights_start_within_the_papers_bounds_and_seeds_reproduce():
    net = ZipcodeNet(seed=7)
    for p, fan_in in zip(net.parameters(), (25, 25, 200, 200, 192, 192, 30, 30), strict=True):
        assert p.abs().max() <= INIT_SCALE / fan_in and p.abs().max() > 0.5 * INIT_SCALE / fan_in
    state = torch.random.get_rng_state()
    again = ZipcodeNet(seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)  # the process's stream is untouched
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters(), strict=True))


def test_scaled_tanh_meets_the_targets_and_the_mse_is_averaged_over_patterns_and_units():
    assert float(scaled_tanh(torch.tensor(1.0))) == pytest.approx(1.0, abs=1e-4)
    outputs = torch.zeros(2, 10)
    # targets: +1 at the label, -1 elsewhere; every error is 1, so the mean is 1
    assert float(paper_mse(outputs, torch.tensor([3, 5]))) == pytest.approx(1.0)
    outputs[0, 3], outputs[1] = 1.0, -1.0
    # pattern 0: 9 errors of 1; pattern 1: one error of 2 (squared 4) at the label 5; (9 + 4) / 20
    assert float(paper_mse(outputs, torch.tensor([3, 5]))) == pytest.approx(13 / 20)


def test_bad_tables_and_arguments_are_refused_with_a_value_error():
    with pytest.raises(ZipcodeError, match="same length"):
        check_table([[0, 1], [2]])
    with pytest.raises(ZipcodeError, match="distinct H1 maps"):
        check_table([[0, 0]] * 12)
    with pytest.raises(ZipcodeError, match="between 0 and 11"):
        ZipcodeNet(table=[[0, 12]] * 12)
    with pytest.raises(ZipcodeError, match="passes"):
        train_zipcode_net(0, 0)
    with pytest.raises(ZipcodeError, match="threads"):
        train_zipcode_net(1, 0, threads=0)
    with pytest.raises(ZipcodeError, match="unknown split"):
        zipcode_digits("validation")
    with pytest.raises(ZipcodeError, match="no saved run"):
        load_run("/nonexistent/zipcode.json")
    assert issubclass(ZipcodeError, ValueError)


def test_downsampling_fills_16x16_keeps_the_aspect_ratio_and_maps_background_to_minus_one():
    images = torch.zeros(2, 28, 28, dtype=torch.uint8)
    images[0, 4:24, 12:16] = 255  # a bar 20 high, 4 wide
    out = downsample_to_16(images)
    assert out.shape == (2, 1, 16, 16)
    assert torch.all(out[1] == BACKGROUND)  # a blank image stays background
    ink = out[0, 0] > BACKGROUND + 1e-3
    assert ink.any(1).sum() == 16  # the bar's height fills the frame
    assert 3 <= ink.any(0).sum() <= 6  # its width is scaled by 16/20 too, not stretched
    assert float(out[0].max()) == pytest.approx(1.0) and float(out[0].min()) == BACKGROUND


def test_the_stand_in_data_has_the_papers_sizes_and_a_fixed_order(mnist_root):
    x, y = zipcode_digits("test", root=str(mnist_root))
    assert x.shape == (PAPER.test_digits, 1, 16, 16) and y.shape == (PAPER.test_digits,)
    assert float(x.min()) == BACKGROUND and float(x.amax((1, 2, 3)).min()) == pytest.approx(1.0)
    assert len(torch.bincount(y)) == 10 and int(torch.bincount(y).min()) > 120  # every digit is there
    x5, y5 = zipcode_digits("test", limit=5, root=str(mnist_root))
    assert torch.equal(x5, x[:5]) and torch.equal(y5, y[:5])


def test_a_short_run_records_each_pass_learns_and_saves_as_json(tmp_path, mnist_root):
    seen, threads_before = [], torch.get_num_threads()
    run = train_zipcode_net(2, seed=0, train_limit=400, on_pass=seen.append, learning_rate=0.05, threads=1)
    assert torch.get_num_threads() == threads_before  # restored
    assert [r.pass_number for r in run.records] == [1, 2] and seen == run.records
    assert run.train_digits == 400 and run.test_digits == PAPER.test_digits
    assert run.final.test_error < 0.6  # chance is 0.9
    assert all(r.seconds > 0 and 0 <= r.test_mistakes <= run.test_digits for r in run.records)
    path = save_run(run, tmp_path / "run.json")
    back = load_run(path)
    assert back.records == run.records and back.h2_table == [list(r) for r in H2_TABLE]
    assert "network" not in json.loads(path.read_text())


def test_the_cached_full_run_is_the_papers_run():
    run = load_run(cached_run_path())
    assert run.passes == PAPER.passes == len(run.records) and run.batch_size == 1
    assert (run.train_digits, run.test_digits) == (PAPER.train_digits, PAPER.test_digits)
    assert run.total_seconds >= sum(r.seconds for r in run.records) > 0
    assert run.final.test_error < 0.1
