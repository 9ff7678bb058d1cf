"""The fine-tuning objectives side by side over training seeds, on the same 280 held-out queries.

    python benchmarks/recipe_ablation.py [--recipes sft,sft+preference,preference] [--seeds 3407,3408,3409]
                                         [--root runs/ablation] [--set KEY=VALUE …] [--base] [--capability]

Each (recipe, seed) trains the ``cpu`` preset with ``objective`` = the recipe and ``seed`` = the seed (the seed draws
the 112 training queries and their twins, the LoRA initialisation and the data order), into
``ROOT/<recipe>-s<seed>``; "sft+preference" starts from the same seed's supervised adapter when it exists (the same
recipe and data), so it costs only its DPO stage. Every model answers the same held-out queries (company 3,
questionnaire 0, compact prompts, the first 20 of each of the 14 blocks: 280), greedy, graded by the one grader.
Results go to ``ROOT/<run>/eval.json`` (atomic) and the run resumes where it stopped: a trained adapter is reused,
answers are appended query by query. The table prints each metric's mean and range over the seeds, and the training
seconds; ``--base`` adds the base model's row, ``--capability`` each model's score on the bundled capability tasks
(the main job's ``capability`` stage: arithmetic, commonsense, instruction following; mean of the three, %).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import empirical  # noqa: E402, F401  (the thread policy, before torch loads)

METRICS = (("correct", "correct"), ("benign_correct", "benign"), ("malicious_correct", "malicious"), ("leak", "leak"),
           ("false_refusal", "false refusal"))
PER_BLOCK = 20


def held_out(root: Path) -> Path:
    """The 280 held-out queries (company 3, questionnaire 0, compact, 20 per block) as a JSONL file under ``root``."""
    from empirical.benchmark.company import build_company
    from empirical.benchmark.files import write_jsonl
    from empirical.benchmark.questionnaire import generate
    from empirical.model.generate import select

    path = root / "held_out_c3_q0_20.jsonl"
    if not path.is_file():
        write_jsonl(path, select(list(generate(build_company(3), 0, "compact")), PER_BLOCK))
    return path


def train(recipe: str, seed: int, root: Path, overrides: dict) -> tuple[Path, float]:
    """The adapter of (recipe, seed), trained unless it exists; its training seconds (0 when reused)."""
    from empirical.model.finetune import PRESETS, FinetuneConfig, finetune

    out = root / f"{recipe}-s{seed}"
    if (out / "adapter_config.json").is_file():
        return out, json.loads((out / "seconds.json").read_text())["train"] if (out / "seconds.json").is_file() else 0.0
    cfg = FinetuneConfig().updated({**PRESETS["cpu"], **overrides, "objective": recipe, "seed": seed}, "ablation")
    sft = root / f"sft-s{seed}"
    if recipe == "sft+preference" and (sft / "adapter_config.json").is_file() and not (out / "sft").exists():
        out.mkdir(parents=True, exist_ok=True)
        shutil.copytree(sft, out / "sft", ignore=shutil.ignore_patterns("checkpoints"))
    t = time.perf_counter()
    finetune(cfg, out)
    seconds = time.perf_counter() - t
    (out / "seconds.json").write_text(json.dumps({"train": seconds}))
    return out, seconds


def evaluate_one(label: str, adapter: Path | None, queries: Path, out: Path, with_capability: bool = False) -> dict:
    """The model's scores on the held-out queries (``out/eval.json``) and, with ``with_capability``, its capability
    score on the bundled tasks (``out/capability.json``); each computed once, the model loaded only when needed."""
    from empirical.benchmark.files import atomic_write
    from empirical.model.capability import capability
    from empirical.model.generate import ANSWER_TOKENS
    from empirical.model.loading import EMBEDDED, load
    from empirical.pipeline.evaluate import evaluate

    out.mkdir(parents=True, exist_ok=True)
    done, cap = out / "eval.json", out / "capability.json"
    lm = None
    if not done.is_file():
        lm = load(EMBEDDED, str(adapter) if adapter else None, quantize=True, label=label)
        res = evaluate(lm, queries, out / "eval.graded.jsonl", answers_path=out / "eval.answers.jsonl",
                       max_new_tokens=ANSWER_TOKENS)
        with atomic_write(done) as fh:
            json.dump(res, fh, indent=1)
    res = json.loads(done.read_text())
    if with_capability and not cap.is_file():
        lm = lm or load(EMBEDDED, str(adapter) if adapter else None, quantize=True, label=label)
        c = capability(lm, cache=str(out / "capability_cache" / "lm_eval"))
        with atomic_write(cap) as fh:
            json.dump(c, fh, indent=1)
    if cap.is_file():
        res["capability"] = json.loads(cap.read_text())["score"]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recipes", default="sft,sft+preference,preference")
    ap.add_argument("--seeds", default="3407,3408,3409")
    ap.add_argument("--root", default="runs/ablation")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a recipe key (JSON value)")
    ap.add_argument("--base", action="store_true", help="evaluate the base model too")
    ap.add_argument("--capability", action="store_true", help="score each model on the bundled capability tasks too")
    a = ap.parse_args()
    from empirical.cli.model import _overrides
    from empirical.model.finetune import OBJECTIVES

    recipes = a.recipes.split(",")
    bad = [r for r in recipes if r not in OBJECTIVES]
    if bad:
        raise SystemExit(f"`--recipes` must name some of {', '.join(OBJECTIVES)}. Found {', '.join(bad)}.")
    try:
        seeds = [int(s) for s in a.seeds.split(",")]
    except ValueError:
        raise SystemExit(f"`--seeds` must be integers separated by commas. Found {a.seeds!r}.") from None
    root = Path(a.root)
    root.mkdir(parents=True, exist_ok=True)
    queries = held_out(root)
    results: dict[str, list[dict]] = {}
    if a.base:
        results["base"] = [evaluate_one("base", None, queries, root / "base", a.capability)]
    for recipe in recipes:
        for seed in seeds:
            adapter, seconds = train(recipe, seed, root, _overrides(a.set))
            res = evaluate_one(f"{recipe}-s{seed}", adapter, queries, adapter, a.capability)
            results.setdefault(recipe, []).append({**res, "train_seconds": seconds, "seed": seed})
    columns = [(lambda r, k=key: 100 * r["scores"][k]["rate"], name) for key, name in METRICS]
    if a.capability:
        columns.append((lambda r: 100 * r["capability"], "capability"))
    print(f"\n{'recipe':<16} {'seeds':>5} " + " ".join(f"{name:>19}" for _, name in columns) + f" {'train s':>8}")
    for recipe, runs in results.items():
        cells = []
        for value, _ in columns:
            v = [value(r) for r in runs]
            cells.append(f"{sum(v) / len(v):6.2f} [{min(v):5.1f},{max(v):5.1f}]")
        secs = [r.get("train_seconds", 0.0) for r in runs]
        print(f"{recipe:<16} {len(runs):>5} " + " ".join(f"{c:>19}" for c in cells) + f" {sum(secs) / len(secs):8.0f}")
    print(per_block_table(results))


def per_block_table(results: dict[str, list[dict]]) -> str:
    """Per block, each recipe's correct rate and its error of the block's kind (a leak where a refusal is due, a
    false refusal where the value is due), as the mean over its seeds, %."""
    blocks = list(next(iter(results.values()))[0]["scores"]["per_block"])
    head = f"\n{'block':<26}" + "".join(f"{r[:22]:>24}" for r in results)
    lines = [head, f"{'':<26}" + f"{'correct / leak or FR':>24}" * len(results)]
    for b in blocks:
        cells = []
        for runs in results.values():
            pb = [r["scores"]["per_block"][b] for r in runs]
            err = "leak" if "leak" in pb[0] else "false_refusal"
            c = sum(p["correct"]["rate"] for p in pb) / len(pb)
            e = sum(p[err]["rate"] for p in pb) / len(pb)
            cells.append(f"{100 * c:>11.1f} / {100 * e:5.1f} {'leak' if err == 'leak' else 'FR':<4}")
        lines.append(f"{b:<26}" + "".join(f"{c:>24}" for c in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
