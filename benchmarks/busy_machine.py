"""Fine-tuning and generation on a busy machine: seconds per step idle and beside one CPU-bound process, per thread
policy, measured in one run (each policy in a fresh process, since OpenMP reads its wait policy when it loads).

    python benchmarks/busy_machine.py [--steps 3] [--policies default,sensaware,one-thread]

A step is one optimiser step of the ``cpu`` recipe on the embedded model (4-bit, LoRA r 32 on the seven
projections, a batch of two compact training examples, ~500 tokens each) and one greedy generation of 24 new tokens
for a batch of 4 held-out queries. Each worker times ``--steps`` steps idle, then starts one busy process
(``while True: pass``), waits a second and times ``--steps`` steps beside it. A fair share of a 2-core machine
beside one busy process is 1.5× (our two threads get 2/3 of the cores); the target is ≤ 2.5× for a training step.

Policies: ``default`` (OpenMP's own: ``OMP_WAIT_POLICY`` unset, one thread per core: the behaviour before
:mod:`empirical.model.threads`), ``sensaware`` (what the package sets: :func:`empirical.model.threads.configure`),
``one-thread`` (the package's policy with ``SENSAWARE_THREADS=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import empirical  # noqa: E402, F401  (sets the wait policy before torch loads, unless the environment says otherwise)

TARGET = 2.5
CLEAN = ("OMP_WAIT_POLICY", "KMP_BLOCKTIME", "GOMP_SPINCOUNT", "SENSAWARE_THREADS", "SENSAWARE_THREAD_POLICY",
         "OMP_NUM_THREADS")


#: the competing process: a Python loop (one core), or a torch matrix product on its own OpenMP team (another
#: training or inference job, with OpenMP's default policy)
COMPETITORS = {"loop": "while True: pass",
               "torch": "import torch\na = torch.randn(512, 512)\nwhile True: a @ a"}


def worker(steps: int, competitor: str) -> dict:
    import torch
    from peft import get_peft_model

    from empirical.benchmark.company import build_company
    from empirical.benchmark.questionnaire import generate
    from empirical.model.finetune import PRESETS, FinetuneConfig, PadCollator, build_dataset, lora_config, tokenize_examples
    from empirical.model.generate import generate_batch
    from empirical.model.loading import EMBEDDED, load, load_model
    from empirical.model.threads import configure

    threads = configure()
    cfg = FinetuneConfig().updated({**PRESETS["cpu"], "examples": 2}, "benchmark")
    model, tok = load_model(EMBEDDED, quantize=True)
    model = get_peft_model(model, lora_config(cfg, model))
    batch = PadCollator(tok.pad_token_id)(tokenize_examples(build_dataset(cfg)[:2], tok, True))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)

    def train_step():
        model.train()
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()

    lm = load(EMBEDDED, None, quantize=True, label="base")
    queries = list(generate(build_company(3), 0, "compact", per_block=1))[:4]

    def gen_step():
        generate_batch(lm, [q["messages"] for q in queries], max_new_tokens=24)

    def timed(fn) -> list[float]:
        out = []
        for _ in range(steps):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
        return out

    train_step(), gen_step()  # warm-up
    idle = {"train": timed(train_step), "generate": timed(gen_step)}
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    busy_proc = subprocess.Popen([sys.executable, "-c", COMPETITORS[competitor]], env=env)
    try:
        time.sleep(3.0)
        busy = {"train": timed(train_step), "generate": timed(gen_step)}
    finally:
        busy_proc.kill()
        busy_proc.wait()
    return {"threads": threads, "wait_policy": os.environ.get("OMP_WAIT_POLICY"), "idle": idle, "busy": busy}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--policies", default="default,sensaware,one-thread")
    ap.add_argument("--competitor", choices=sorted(COMPETITORS), default="torch")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print("RESULT " + json.dumps(worker(a.steps, a.competitor)))
        return
    envs = {"default": {"SENSAWARE_THREAD_POLICY": "off"}, "sensaware": {}, "one-thread": {"SENSAWARE_THREADS": "1"},
            "spin-10k": {"SENSAWARE_THREAD_POLICY": "off", "GOMP_SPINCOUNT": "10000"}}
    rows = []
    for name in a.policies.split(","):
        if name not in envs:
            raise SystemExit(f"`--policies` must name some of {', '.join(envs)}. Found {name!r}.")
        env = {k: v for k, v in os.environ.items() if k not in CLEAN}
        env.update(envs[name])
        p = subprocess.run([sys.executable, __file__, "--worker", "--steps", str(a.steps), "--competitor", a.competitor],
                           env=env, capture_output=True, text=True)
        line = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")]
        if p.returncode or not line:
            raise SystemExit(f"policy {name} failed:\n{p.stderr[-3000:]}")
        r = json.loads(line[0][7:])
        rows.append((name, r))
    print(f"{'policy':<12} {'threads':>7} {'wait':>8} | {'train idle s':>12} {'busy s':>8} {'ratio':>6} | "
          f"{'generate idle s':>15} {'busy s':>8} {'ratio':>6}")
    for name, r in rows:
        med = {k: {s: sorted(r[k][s])[len(r[k][s]) // 2] for s in r[k]} for k in ("idle", "busy")}
        tr, gr = med["busy"]["train"] / med["idle"]["train"], med["busy"]["generate"] / med["idle"]["generate"]
        print(f"{name:<12} {r['threads']:>7} {str(r['wait_policy']):>8} | {med['idle']['train']:>12.2f} "
              f"{med['busy']['train']:>8.2f} {tr:>5.2f}x | {med['idle']['generate']:>15.2f} {med['busy']['generate']:>8.2f} "
              f"{gr:>5.2f}x   train {'PASS' if tr <= TARGET else 'MISS'} (target ≤ {TARGET}x)")


if __name__ == "__main__":
    main()
