"""Power of the white-box one-run audit of the DP-SGD code path: the median ε lower bound over seeds at each certified
ε, against the targets ε_lb ≥ ε/2 (ε ≤ 4) and ≥ 3 (ε = 8).

    python benchmarks/white_box_power.py [--seeds 5] [--epsilons 1,2,4,8] [--canaries 100000] [--out FILE]

Each run is :func:`empirical.model.dp.dp_finetune` on a locally built tiny Llama (hidden 128, two layers, LoRA r 32 on
every projection: 131,072 coordinates) with 16 training rows, q = 1/4, T = 20, δ = 1e−5, σ calibrated per ε, carrying
the gradient canaries; the audit is :func:`empirical.audit.white_box.white_box_entries` (95%). The DP-SGD step is the
production one; the model only sets the real examples beside the canaries. Needs the train and dp extras.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epsilons", default="1,2,4,8")
    ap.add_argument("--canaries", type=int, default=100_000)
    ap.add_argument("--out", help="write every entry to this JSON file")
    a = ap.parse_args()

    from empirical.audit.canary import PROMPT, SYSTEM, facts, make_canaries, training_rows
    from empirical.audit.white_box import GradientCanaries, white_box_entries
    from empirical.benchmark.company import build_company
    from empirical.model.dp import DpConfig, dp_finetune, plan
    from empirical.model.finetune import PRESETS, FinetuneConfig
    from empirical.model.loading import build_tiny_model

    company = build_company(0)
    tmp = Path(tempfile.mkdtemp(prefix="sensaware-wb-"))
    corpus = [f for c in make_canaries(company, 6, seed=0) for f in facts(c.record)] + [PROMPT, SYSTEM] * 3
    corpus += [f for e in company.employees[:50] for f in facts(e)]
    model = build_tiny_model(tmp / "tiny", corpus, hidden=128, layers=2)
    rows = training_rows(company, make_canaries(company, 8, seed=0), repeats=1, employees=8, seed=0,
                         canary_facts="sensitive")
    cfg = FinetuneConfig().updated({**PRESETS["tiny"], "model": str(model), "quantize": False, "max_steps": 20,
                                    "per_device_train_batch_size": 4, "completion_only_loss": True, "lora_r": 32,
                                    "lora_layers": 2, "lr_scheduler_type": "constant"}, "benchmark")
    entries = []
    print(f"{'certified ε':>11} {'threat model':<16} {'median ε_lb':>11} {'ratio':>6}  per seed   target")
    for eps in (float(x) for x in a.epsilons.split(",")):
        dp = DpConfig(delta=1e-5, target_epsilon=eps, privacy_unit="example")
        privacy = plan(cfg, dp, rows)
        got: dict[str, list[float]] = {"white_box_all": [], "white_box_final": []}
        for s in range(a.seeds):
            t = time.perf_counter()
            gc = GradientCanaries(a.canaries, 10.0 * dp.max_grad_norm)
            dp_finetune(cfg, dp, tmp / f"eps{eps}-{s}", dataset=rows, privacy=privacy, gradient_canaries=gc)
            for e in white_box_entries(gc, privacy):
                e["seconds"] = time.perf_counter() - t
                entries.append(e)
                got[e["threat_model"]].append(e["epsilon_lower_bound"])
                assert e["verdict"] == "consistent", e
        target = 3.0 if eps >= 8 else eps / 2
        for tm, lbs in got.items():
            med = statistics.median(lbs)
            flag = ("PASS" if med >= target else "MISS") if tm == "white_box_all" else "(info)"
            print(f"{eps:>11g} {tm:<16} {med:>11.3f} {med / eps:>6.2f}  {', '.join(f'{x:.2f}' for x in lbs)}   "
                  f">= {target:g} {flag}", flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(entries, indent=1))


if __name__ == "__main__":
    main()
