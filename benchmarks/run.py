"""Run every benchmark and print measurements beside their targets (ratios measured side by side in one run).

    python benchmarks/run.py [--only theory,grader,...] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def best_of(fn, repeat: int = 5) -> float:
    """Minimum wall time of ``repeat`` calls (seconds)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def row(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{name:<58} {value:>22}   target {target:<14} {'PASS' if ok else 'MISS'}")


def bench_theory(quick: bool) -> None:
    from fractions import Fraction

    from theory import AIGame, Mechanism, Prior, eta, optimal_success_lp, tight_gary_advantage

    n = 10**6 if quick else 10**7
    rng = np.random.default_rng(0)
    e = rng.uniform(0, 5, n)
    d = rng.uniform(0, 0.1, n)

    def bare():
        x = np.exp(e)
        return (x - 1 + 2 * d) / (x + 1)

    t_bare = best_of(bare)
    t_eta = best_of(lambda: eta(e, d))
    t_gary = best_of(lambda: tight_gary_advantage(e, d, 10))
    assert np.allclose(eta(e, d), bare())
    row(f"eta over {n:.0e} (eps, delta) / bare numpy", f"{t_eta:.3f}s/{t_bare:.3f}s = {t_eta / t_bare:.2f}x", "<= 1.5x",
        t_eta / t_bare <= 1.5)
    row(f"tight_gary_advantage over {n:.0e} / bare eta", f"{t_gary / t_bare:.2f}x", "(info)", True)

    w = rng.dirichlet(np.ones(20))
    t_lp = best_of(lambda: optimal_success_lp(1.0, 0.01, w), repeat=3)
    row("exact optimum, G = 20, non-uniform prior, delta = 0.01", f"{t_lp * 1e3:.2f} ms", "< 1 s", t_lp < 1.0)

    g, y = 5, 50
    laws = rng.dirichlet(np.ones(y), size=g)
    game = AIGame(Prior(rng.dirichlet(np.ones(g))), Mechanism(laws))
    t_float = best_of(lambda: game.optimal_success())
    q = 1000
    laws_fr = np.array([[Fraction(int(v), q) for v in np.round(r * q)] for r in laws], dtype=object)
    for r in laws_fr:  # make each row sum to exactly 1
        r[-1] = 1 - sum(r[:-1])
    laws_fr = np.array([[v if v >= 0 else Fraction(0) for v in r] for r in laws_fr], dtype=object)
    ok_rows = all(sum(r) == 1 for r in laws_fr)
    game_fr = AIGame(Prior.uniform(g, exact=True), Mechanism(laws_fr)) if ok_rows else None
    t_exact = best_of(lambda: (game_fr.optimal_success(), game_fr.success(game_fr.map_adversary())), repeat=3) if game_fr else float("nan")
    row("exact game G = 5, 50 outputs (float)", f"{t_float * 1e3:.2f} ms", "(info)", True)
    row("exact game G = 5, 50 outputs (Fractions, MAP + success)", f"{t_exact * 1e3:.1f} ms", "< 1 s", t_exact < 1.0)


def bench_benchmark(quick: bool) -> None:
    import gzip
    import json
    from importlib import resources

    from empirical.benchmark.company import build_company
    from empirical.benchmark.grader import grade
    from empirical.benchmark.questionnaire import generate

    raw = resources.files("empirical").joinpath("data", "adi", "seed0_outputs.jsonl.gz").read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(raw).decode("utf-8").splitlines()]
    target = 100_000 if quick else 1_000_000
    reps = -(-target // len(rows))
    args = [(r["output"], r["truth"], r["attribute"], r["malicious"]) for r in rows] * reps
    args = args[:target]
    t = time.perf_counter()
    for a in args:
        grade(*a)
    dt = time.perf_counter() - t
    row(f"grading {target:,} real rows (17,500 bundled, repeated)", f"{target / dt:,.0f} rows/s", ">= 200,000/s",
        target / dt >= 200_000)

    t = time.perf_counter()
    company = build_company(0)
    t_company = time.perf_counter() - t
    t = time.perf_counter()
    n = sum(1 for s in (0, 1, 2) for _ in generate(company, s))
    t_q = time.perf_counter() - t
    row(f"questionnaire generation, 3 seeds ({n} queries)", f"{t_q:.2f}s (+{t_company:.2f}s company)", "< 10 s",
        t_q + t_company < 10)


def bench_audit(quick: bool) -> None:
    from empirical.audit.simulated import validation_table

    audits = 100 if quick else 500
    t = time.perf_counter()
    rows = validation_table(audits=audits)
    dt = time.perf_counter() - t
    print(f"{'G':>3} {'eps':>5} {'N':>7} {'false-viol.':>11} {'median eps_lb':>13} {'/true':>6} {'best':>7} {'/best':>6}")
    for r in rows:
        print(f"{r['groups']:>3} {r['epsilon']:>5} {r['queries']:>7} {r['false_violation_rate']:>11.3f} "
              f"{r['median_epsilon_lb']:>13.4f} {r['median_over_true']:>6.3f} {r['best_certifiable']:>7.4f} "
              f"{r['median_over_best']:>6.3f}")
    worst = max(r["false_violation_rate"] for r in rows)
    slack = 1.96 * (0.05 * 0.95 / audits) ** 0.5
    row(f"audit soundness: worst false-violation rate over {len(rows)} settings", f"{worst:.3f}",
        f"<= {0.05 + slack:.3f}", worst <= 0.05 + slack)
    key = next(r for r in rows if r["groups"] == 2 and r["epsilon"] == 1.0 and r["queries"] == 10_000)
    row("audit tightness G=2, eps=1, N=1e4: median eps_lb / eps", f"{key['median_over_true']:.4f}", ">= 0.95",
        key["median_over_true"] >= 0.95)
    row("audit tightness G=2, eps=1, N=1e4: median / best certifiable", f"{key['median_over_best']:.4f}", ">= 0.98",
        key["median_over_best"] >= 0.98)
    row(f"{len(rows) * audits} simulated audits", f"{dt:.1f}s", "(info)", True)


def bench_qlora(quick: bool) -> None:
    import torch

    from empirical.benchmark.company import build_company
    from empirical.benchmark.questionnaire import generate
    from empirical.model.finetune import FinetuneConfig, PadCollator, lora_config, tokenize_examples
    from empirical.model.generate import generate_batch
    from empirical.model.loading import EMBEDDED, linear_weight_bytes, load
    from empirical.model.sft import sft_example

    company = build_company(3)
    queries = list(generate(company, 0, "compact", per_block=2))[:16]
    lm = load(EMBEDDED, quantize=True)
    model, tok = lm.model, lm.tokenizer
    new = 30
    t = time.perf_counter()
    generate_batch(lm, [q["messages"] for q in queries], new)
    t_batch = time.perf_counter() - t
    n_single = 4 if quick else 16
    t = time.perf_counter()
    for q in queries[:n_single]:
        generate_batch(lm, [q["messages"]], new)
    t_single = (time.perf_counter() - t) * len(queries) / n_single
    row(f"generation batch 16 vs one at a time ({new} new tokens)", f"{t_single / t_batch:.2f}x faster", ">= 2x (CPU)",
        t_single / t_batch >= 2)

    # the decoder's projection layers: 4-bit packed (+ absmax) vs the same layers held in bf16
    import bitsandbytes as bnb

    quant = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    q_bytes = linear_weight_bytes(torch.nn.ModuleList(quant))
    bf16_bytes = sum(m.in_features * m.out_features * 2 for m in quant)
    row(f"4-bit vs bf16 weight memory of the {len(quant)} linear layers", f"{q_bytes / bf16_bytes:.3f}x", "<= 0.35x",
        q_bytes / bf16_bytes <= 0.35)

    from peft import get_peft_model

    cfg = FinetuneConfig()
    model = get_peft_model(model, lora_config(cfg))
    model.train()
    feats = tokenize_examples([sft_example(q, company) for q in queries[:4]], tok, False)
    batch = PadCollator(tok.pad_token_id)(feats[:2])
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    steps = 1 if quick else 3
    t = time.perf_counter()
    for _ in range(steps):
        model(**batch).loss.backward()
        opt.step()
        opt.zero_grad()
    dt = (time.perf_counter() - t) / steps
    tokens = int(batch["attention_mask"].sum())
    row(f"QLoRA training step, batch 2 x {batch['input_ids'].shape[1]} tokens (embedded SmolLM2)",
        f"{dt:.1f}s, {tokens / dt:,.0f} tok/s", "(info)", True)


def bench_dp_noise(quick: bool) -> None:
    """DP-SGD's noise per step from the OS CSPRNG (float64 Box-Muller, sum of 4 normals) against torch's seeded
    Mersenne Twister (float32), at the trainable size of the DP sweep (LoRA r 16 on the last 8 layers of
    SmolLM2-135M: 1,302,528 parameters) and of a paper-sized adapter."""
    import torch

    from empirical.model.dp_randomness import gaussian_noise, poisson_batch

    sizes = (1_302_528,) if quick else (1_302_528, 10_000_000)
    for n in sizes:
        gen = torch.Generator().manual_seed(0)
        t_torch = best_of(lambda n=n, gen=gen: torch.normal(0.0, 1.0, size=(n,), generator=gen), repeat=3)
        t_secure = best_of(lambda n=n: gaussian_noise(n, 1.0), repeat=3)
        row(f"secure noise / torch.normal, {n:,} parameters", f"{t_secure:.3f}s/{t_torch:.3f}s = {t_secure / t_torch:.0f}x",
            "(info)", True)
        row(f"secure noise per parameter, {n:,} parameters", f"{t_secure / n * 1e6:.3f} us", "< 1 us", t_secure / n < 1e-6)
    t_batch = best_of(lambda: poisson_batch(10_000, 0.01))
    row("secure Poisson sampling of 10,000 examples", f"{t_batch * 1e3:.2f} ms", "< 10 ms", t_batch < 0.01)


def bench_startup(quick: bool) -> None:
    import subprocess

    subprocess.run([sys.executable, str(Path(__file__).with_name("startup.py")), "--repeat", "3" if quick else "7"], check=True)


def bench_served(quick: bool) -> None:
    import subprocess

    subprocess.run([sys.executable, str(Path(__file__).with_name("served.py"))] + (["--quick"] if quick else []), check=True)


def bench_eval_speed(quick: bool) -> None:
    import subprocess

    subprocess.run([sys.executable, str(Path(__file__).with_name("eval_speed.py")), "--queries", "14" if quick else "28"],
                   check=True)


BENCHES = {"dp_noise": bench_dp_noise, "theory": bench_theory, "startup": bench_startup, "benchmark": bench_benchmark, "audit": bench_audit,
           "qlora": bench_qlora, "served": bench_served, "eval_speed": bench_eval_speed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(BENCHES), help=f"comma-separated subset of {list(BENCHES)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke run)")
    args = parser.parse_args()
    for name in args.only.split(","):
        if name not in BENCHES:
            raise SystemExit(f"--only: unknown benchmark {name!r}; choose from {list(BENCHES)}")
        print(f"== {name}")
        BENCHES[name](args.quick)


if __name__ == "__main__":
    main()
