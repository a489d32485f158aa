"""Crash safety: a short run of the SIGKILL harness (the full 50+ runs: scripts/kill_harness.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _harness():
    spec = importlib.util.spec_from_file_location("kill_harness", ROOT / "scripts" / "kill_harness.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["kill_harness"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_killed_operations_leave_all_or_nothing(tmp_path):
    harness = _harness()
    outcomes = harness.run_harness(runs=8, members=300, seed=11, workdir=tmp_path)
    report = harness.summarise(outcomes)
    assert len(outcomes) == 8
    assert {o.op for o in outcomes} == {"demo", "batch-edit", "restore", "import"}
    assert all(o.ok for o in outcomes), report
