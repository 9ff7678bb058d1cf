"""Start-up wall time of ``sensaware bound`` against ``python -c "import numpy"``, measured side by side.

    python benchmarks/startup.py [--repeat 7]

Each command runs ``--repeat`` times, interleaved with the baseline so that load on a shared machine hits both
alike; the table gives the median wall times and their ratio to the baseline beside the issue-12 targets
(closed form ≤ 2×, G = 20 prior ≤ 5×).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

PRIOR20 = ",".join(["0.05"] * 20)
CASES = [
    ("import theory", [sys.executable, "-c", "import theory"], None),
    ("bound, closed form (G = 10)", [sys.executable, "-m", "empirical.cli.main", "bound", "--epsilon", "1", "--delta", "0",
                                      "--groups", "10", "--json"], 2.0),
    ("bound, prior G = 20, delta = 0.01", [sys.executable, "-m", "empirical.cli.main", "bound", "--epsilon", "1", "--delta",
                                           "0.01", "--groups", "20", "--prior", PRIOR20, "--json"], 5.0),
]
BASELINE = [sys.executable, "-c", "import numpy"]


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    base, times = [], {name: [] for name, _, _ in CASES}
    for _ in range(args.repeat):
        for name, cmd, _ in CASES:
            base.append(wall(BASELINE))
            times[name].append(wall(cmd))
    b = statistics.median(base)
    label = 'python -c "import numpy" (baseline)'
    print(f"{label:<40} {b * 1e3:8.0f} ms")
    for name, _, target in CASES:
        t = statistics.median(times[name])
        verdict = "(info)" if target is None else f"target <= {target:.0f}x  {'PASS' if t / b <= target else 'MISS'}"
        print(f"{name:<40} {t * 1e3:8.0f} ms   {t / b:5.2f}x   {verdict}")


if __name__ == "__main__":
    main()
