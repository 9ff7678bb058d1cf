"""CPU threads for training and generation on a shared machine: OpenMP's wait policy and torch's thread count.

torch runs its CPU kernels on an OpenMP team, one thread per core by default, and OpenMP's default lets a thread
that reaches a barrier spin before it sleeps. Beside another CPU-bound process the team's threads share cores with
it, each barrier waits for the thread that was descheduled, and the spinning threads take the cores the others need:
a fine-tuning step of the ``cpu`` recipe on a 2-core machine took 7–9× its idle time beside one busy process, where
a fair share is 1.5× (``benchmarks/busy_machine.py``). A passive wait policy (a thread sleeps at once) gives the
cores back; the thread count stays one per core available to this process.

Overrides: ``OMP_WAIT_POLICY`` (and Intel OpenMP's ``KMP_BLOCKTIME``) set in the environment are kept;
``SENSAWARE_THREADS=N`` sets the thread count; ``SENSAWARE_THREAD_POLICY=off`` leaves both to torch and OpenMP.
The wait policy is read when OpenMP loads, i.e. when torch is first imported, so :func:`set_wait_policy` runs on
``import empirical``; a program that imports torch before it keeps OpenMP's default.
"""

from __future__ import annotations

import os

ENV_THREADS = "SENSAWARE_THREADS"
ENV_POLICY = "SENSAWARE_THREAD_POLICY"


def _off() -> bool:
    return os.environ.get(ENV_POLICY, "").strip().lower() == "off"


def set_wait_policy() -> None:
    """``OMP_WAIT_POLICY=PASSIVE`` and ``KMP_BLOCKTIME=0`` unless the environment sets them (or the policy is off)."""
    if not _off():
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("KMP_BLOCKTIME", "0")


def thread_count() -> int | None:
    """The thread count to use: ``SENSAWARE_THREADS`` if set (an integer >= 1), else the cores this process may run
    on; None when the policy is off."""
    if _off():
        return None
    raw = os.environ.get(ENV_THREADS)
    if raw is not None and raw.strip():
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"`{ENV_THREADS}` must be an integer >= 1. Found {raw!r}.")
        return n
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def configure() -> int:
    """Apply :func:`thread_count` to torch (intra-op threads); returns the count torch uses."""
    import torch

    n = thread_count()
    if n is not None and torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return torch.get_num_threads()
