"""General-capability retention through EleutherAI's lm-evaluation-harness (its Python API).

The bundled tasks (``empirical/data/capability``, lm-eval's YAML task format, offline) are
``sensaware_instructions`` (verifiable instruction following), ``sensaware_arithmetic`` (integer answers) and
``sensaware_commonsense`` (4-way multiple choice by log-likelihood), all under the tag ``sensaware_capability``.
Any other lm-eval task (``ifeval``, ``gsm8k_platinum``, ``bbh``, ``hellaswag``, …) runs the same way when its data
set is available locally. The capability score of a model is the mean over tasks of each task's primary metric.
"""

from __future__ import annotations

import os
from pathlib import Path

from empirical.benchmark.resources import capability_task_dir
from empirical.model.loading import TRAIN_EXTRA, LoadedModel, ModelError
from theory.stats import clopper_pearson

#: the bundled tasks and the metric that summarises each
BUNDLED = {"sensaware_instructions": "follows", "sensaware_arithmetic": "exact_match", "sensaware_commonsense": "acc"}
TAG = "sensaware_capability"
#: primary metrics of common lm-eval tasks (first match wins; otherwise the first reported metric)
PRIMARY = {**BUNDLED, "ifeval": "prompt_level_strict_acc", "gsm8k": "exact_match", "gsm8k_platinum": "exact_match",
           "bbh": "exact_match", "hellaswag": "acc_norm"}


def parse_tasks(spec: str | list[str] | tuple[str, ...]) -> list[str]:
    """``"a,b"`` → ``["a", "b"]``; the tag ``sensaware_capability`` stays one name (lm-eval expands it)."""
    names = [t.strip() for t in (spec.split(",") if isinstance(spec, str) else spec) if t.strip()]
    if not names:
        raise ValueError("`--tasks` must name at least one lm-eval task, e.g. sensaware_capability or ifeval,gsm8k_platinum")
    return names


def task_manager(names: list[str]):
    from lm_eval.tasks import TaskManager

    tm = TaskManager(include_path=str(capability_task_dir()))
    known = set(tm.all_tasks)
    unknown = [t for t in names if t not in known]
    if unknown:
        raise ValueError(f"`--tasks`: unknown lm-eval task(s) {', '.join(unknown)}; bundled: {TAG}, {', '.join(BUNDLED)}")
    return tm


def summarise(results: dict) -> dict:
    """Per task: every metric lm-eval reported (``metric,filter`` keys flattened to ``metric``), the number of
    documents, the primary metric with a 95% Clopper–Pearson interval when it is a proportion; plus the macro
    average of the primary metrics (``score``)."""
    tasks: dict = {}
    for task, metrics in sorted(results["results"].items()):
        if task not in results.get("n-samples", {}):  # a group or tag row
            continue
        n = int(results["n-samples"][task]["effective"])
        flat = {k.split(",")[0]: float(v) for k, v in metrics.items()
                if k not in ("alias", "sample_len") and isinstance(v, (int, float)) and not k.split(",")[0].endswith("_stderr")}
        primary = PRIMARY[task] if PRIMARY.get(task) in flat else next(iter(flat))
        value = flat[primary]
        entry = {"n": n, "metrics": flat, "primary": primary, "value": value}
        k = round(value * n)
        if 0 <= value <= 1 and abs(k - value * n) < 1e-6:
            lo, hi = clopper_pearson(k, n)
            entry.update(correct=k, cp_low=lo, cp_high=hi)
        tasks[task] = entry
    score = sum(t["value"] for t in tasks.values()) / len(tasks) if tasks else float("nan")
    return {"tasks": tasks, "score": score}


def capability(lm: LoadedModel, tasks: str | list[str] = TAG, *, limit: int | None = None, batch_size: int = 8,
               cache: str | None = None, seed: int = 0, chat_template: bool = True) -> dict:
    """Evaluate a model (+ LoRA adapter) on lm-eval tasks; returns :func:`summarise` plus the model, adapter and
    lm-eval version. ``cache``: an SQLite file of lm-eval's request cache, so an interrupted run resumes."""
    names = parse_tasks(tasks)
    if batch_size < 1:
        raise ValueError(f"`--batch-size` must be >= 1. Found {batch_size}.")
    if limit is not None and limit < 1:
        raise ValueError(f"`--limit` must be >= 1 (documents per task). Found {limit}.")
    if all(t == TAG or t in BUNDLED for t in names):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    try:
        import lm_eval
        from lm_eval.models.huggingface import HFLM
    except ModuleNotFoundError as exc:
        raise ModelError(f"{exc.name} is not installed; install the training extra: {TRAIN_EXTRA}") from None

    tm = task_manager(names)
    model, tok = lm.model, lm.tokenizer
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    harness = HFLM(pretrained=model, tokenizer=tok, batch_size=batch_size,
                   max_length=getattr(model.config, "max_position_embeddings", None))
    if cache:
        Path(cache).parent.mkdir(parents=True, exist_ok=True)
    use_template = chat_template and getattr(tok, "chat_template", None) is not None
    res = lm_eval.simple_evaluate(model=harness, tasks=names, task_manager=tm, limit=limit, use_cache=cache, log_samples=False,
                                  apply_chat_template=use_template, bootstrap_iters=1000, random_seed=seed,
                                  numpy_random_seed=seed, torch_random_seed=seed, fewshot_random_seed=seed)
    out = summarise(res)
    out.update(model=lm.model_id, adapter=lm.adapter, chat_template=use_template, lm_eval=lm_eval.__version__)
    return out


def format_table(runs: dict[str, dict]) -> str:
    """A plain-text table: one row per run, one column per task (primary metric, %), and the macro average."""
    tasks = sorted({t for r in runs.values() for t in r["tasks"]})
    head = f"{'model':<28}" + "".join(f"{t.replace('sensaware_', '')[:14]:>16}" for t in tasks) + f"{'score':>9}"
    lines = [head, "-" * len(head)]
    for name, r in runs.items():
        cells = "".join(f"{100 * r['tasks'][t]['value']:>16.2f}" if t in r["tasks"] else f"{'—':>16}" for t in tasks)
        lines.append(f"{name[:28]:<28}{cells}{100 * r['score']:>9.2f}")
    return "\n".join(lines)
