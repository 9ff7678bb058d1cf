"""Served-backend concurrency: requests/s of ``generate_served`` at ``--concurrency 16`` vs ``1`` against the local
stub server answering in 50 ms (a separate process, so the client and the server do not share an interpreter),
measured side by side in one run (best of ``--repeat`` alternating rounds). Target: ≥ 10×.

    python benchmarks/served.py [--delay 0.05] [--repeat 2] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from empirical.model.served import ServedModel, generate_served  # noqa: E402


def _queries(n: int, tag: str) -> list[dict]:
    return [{"id": f"{tag}-{i}", "messages": [{"role": "system", "content": "Answer in double braces."},
                                              {"role": "user", "content": f"Question {i} of the benchmark?"}]}
            for i in range(n)]


def rate(base_url: str, concurrency: int, n: int, folder: Path, tag: str) -> float:
    """Requests/s of one ``generate_served`` run of ``n`` fresh queries."""
    sm = ServedModel(base_url, "stub-model", concurrency=concurrency, timeout=30)
    run = generate_served(sm, _queries(n, tag), folder / f"{tag}.jsonl", max_tokens=16, progress=False)
    assert run["answered"] == n, run
    return run["requests_per_s"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--delay", type=float, default=0.05, help="the stub's answer time in seconds")
    p.add_argument("--repeat", type=int, default=2, help="alternating rounds; the best of each is reported")
    p.add_argument("--quick", action="store_true", help="fewer requests")
    args = p.parse_args()
    n1, n16 = (30, 320) if args.quick else (60, 960)
    stub = subprocess.Popen([sys.executable, "-m", "empirical.model.stub_server", "--delay", str(args.delay)],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = stub.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            rate(url, 4, 16, folder, "warm-up")
            best1 = best16 = 0.0
            for r in range(args.repeat):
                best1 = max(best1, rate(url, 1, n1, folder, f"c1-{r}"))
                best16 = max(best16, rate(url, 16, n16, folder, f"c16-{r}"))
    finally:
        stub.terminate()
        stub.wait(timeout=10)
    ratio = best16 / best1
    print(f"{'served, stub answering in ' + format(args.delay * 1e3, 'g') + ' ms: concurrency 16 / 1':<58} "
          f"{f'{best16:.1f}/{best1:.1f} req/s = {ratio:.1f}x':>22}   target {'>= 10x':<14} {'PASS' if ratio >= 10 else 'MISS'}")


if __name__ == "__main__":
    main()
