"""How a model is run: the device chosen, seeds that never touch the process's stream."""

from __future__ import annotations

import pytest
import torch

from lenet_course import runtime
from lenet_course.runtime import pick_device, resolve_seed, seed_everything, seeded


def test_pick_device_prefers_the_accelerator_and_honours_cpu_mode_and_overrides(monkeypatch):
    assert pick_device("CPU").type == "cpu"
    assert pick_device("CPU", device="meta").type == "meta"  # an explicit device wins
    monkeypatch.setattr(runtime, "_accelerator", lambda: torch.device("mps"))
    assert pick_device() == torch.device("mps") and pick_device("GPU").type == "mps"
    assert pick_device("CPU").type == "cpu"
    monkeypatch.setattr(runtime, "_accelerator", lambda: None)
    assert pick_device().type == "cpu"
    with pytest.warns(UserWarning, match="solver_mode GPU .* no CUDA"):
        assert pick_device("GPU").type == "cpu"


def test_the_real_accelerator_is_what_torch_reports():
    expected = torch.accelerator.current_accelerator(check_available=True) if hasattr(torch, "accelerator") else None
    assert pick_device().type == (expected.type if expected is not None else "cpu")


def test_seeded_gives_the_same_draws_and_restores_the_global_stream():
    torch.manual_seed(11)
    before = torch.get_rng_state()
    with seeded(1701):
        a = torch.rand(5)
    assert torch.equal(torch.get_rng_state(), before)
    with seeded(1701):
        b = torch.rand(5)
    torch.manual_seed(1701)
    assert torch.equal(a, b) and torch.equal(a, torch.rand(5))  # what torch.manual_seed(1701) would give


def test_seeded_restores_the_stream_when_the_block_raises():
    before = torch.get_rng_state()
    with pytest.raises(RuntimeError), seeded(3):
        torch.rand(3)
        raise RuntimeError("boom")
    assert torch.equal(torch.get_rng_state(), before)


def test_seeded_none_draws_from_the_process_stream():
    torch.manual_seed(4)
    with seeded(None):
        a = torch.rand(2)
    torch.manual_seed(4)
    assert torch.equal(a, torch.rand(2))


def test_resolve_seed_keeps_a_seed_and_picks_one_from_the_clock_for_a_negative_one():
    assert resolve_seed(1701) == (1701, False)
    seed, from_clock = resolve_seed(-1)
    assert from_clock and 0 <= seed < 2**31


def test_seed_everything_is_the_one_explicit_global_reseed():
    seed_everything(8)
    a = torch.rand(2)
    torch.manual_seed(8)
    assert torch.equal(a, torch.rand(2))


def test_no_library_function_calls_seed_everything_or_reseeds_the_process():
    import pathlib

    import lenet_course

    package = pathlib.Path(lenet_course.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if ("seed_everything(" in code and "def seed_everything" not in code) or "torch.manual_seed(" in code:
                offenders.append(f"{path.relative_to(package)}:{number}")
    assert offenders == ["runtime.py:" + str(_line_of_manual_seed_in_seed_everything())]


def _line_of_manual_seed_in_seed_everything() -> int:
    import inspect

    lines, start = inspect.getsourcelines(runtime.seed_everything)
    return start + next(i for i, line in enumerate(lines) if "torch.manual_seed(" in line)


def test_a_timing_names_the_cpu_and_its_thread_count_in_plain_words(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_model", lambda: "Some CPU 9000")
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert runtime.cpu_and_threads() == "Some CPU 9000, 1 torch thread"
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    assert runtime.cpu_and_threads() == "Some CPU 9000, 2 torch threads"


def test_the_cpu_model_is_read_from_the_machine():
    name = runtime.cpu_model()
    assert name and "\n" not in name
    try:
        listed = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")]
    except OSError:
        listed = []
    if listed:
        assert name == listed[0]


def test_the_long_description_names_the_same_cpu_and_its_vector_extensions():
    text = runtime.cpu_description()
    assert text.startswith(f"CPU: {runtime.cpu_model()} (")
    assert "vector extensions: " in text and runtime.cpu_and_threads().split(", ")[-1] in text
