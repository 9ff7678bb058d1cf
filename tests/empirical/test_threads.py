"""The thread policy (empirical.model.threads): OpenMP's passive wait set on ``import empirical`` unless the
environment says otherwise, the thread count from SENSAWARE_THREADS or the cores available, and bad values refused.
The timings it exists for are in benchmarks/busy_machine.py."""

import os
import subprocess
import sys

import pytest

from empirical.model import threads


def _env(**kw) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "KMP_BLOCKTIME", "SENSAWARE_THREADS",
                                                           "SENSAWARE_THREAD_POLICY")}
    return {**env, **kw}


def _probe(**kw) -> str:
    code = "import empirical, os; print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('KMP_BLOCKTIME'))"
    return subprocess.run([sys.executable, "-c", code], env=_env(**kw), capture_output=True, text=True,
                          check=True).stdout.strip()


def test_import_sets_passive_wait_unless_the_environment_says_otherwise():
    assert _probe() == "PASSIVE 0"
    assert _probe(OMP_WAIT_POLICY="ACTIVE") == "ACTIVE 0"
    assert _probe(SENSAWARE_THREAD_POLICY="off") == "None None"


def test_thread_count(monkeypatch):
    for k in ("SENSAWARE_THREADS", "SENSAWARE_THREAD_POLICY"):
        monkeypatch.delenv(k, raising=False)
    assert threads.thread_count() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("SENSAWARE_THREADS", "1")
    assert threads.thread_count() == 1
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv("SENSAWARE_THREADS", bad)
        with pytest.raises(ValueError, match="`SENSAWARE_THREADS` must be an integer >= 1"):
            threads.thread_count()
    monkeypatch.setenv("SENSAWARE_THREAD_POLICY", "off")
    assert threads.thread_count() is None


def test_configure_applies_the_count_to_torch(monkeypatch):
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("SENSAWARE_THREADS", "1")
        monkeypatch.delenv("SENSAWARE_THREAD_POLICY", raising=False)
        assert threads.configure() == 1 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
