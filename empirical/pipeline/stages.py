"""``sensaware run``: the main job as resumable stages that read and write plain files under ``runs/<name>/``.

Each stage records a ``<stage>.done.json`` marker (its config and wall time) after its outputs are written
atomically; rerunning skips stages whose marker matches the current config. Stages that need the ``train``
extra (model evaluation, fine-tuning) are skipped with a note when torch is not installed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from empirical.benchmark.files import atomic_write


@dataclass(frozen=True)
class RunConfig:
    """What ``sensaware run`` does; presets fill it (``cpu-demo`` default)."""

    name: str = "cpu-demo"
    train_company_seed: int = 0
    test_company_seed: int = 3
    questionnaire_seeds: tuple[int, ...] = (0, 1, 2)
    test_questionnaire_seeds: tuple[int, ...] = (0,)  # the paper: (0, 1, 2) = 10,500 held-out queries
    style: str = "compact"
    model: str = "embedded:smollm2-135m-instruct"
    finetune_preset: str = "cpu"
    eval_per_block: int = 10  # 14 blocks x 10 = 140 held-out queries (0 = all)
    audit_queries: int = 32
    capability_tasks: str = "sensaware_capability"
    capability_limit: int = 0  # documents per task (0 = all)
    audit_attribute: str = "marital_status"
    epsilons: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 4.0)
    deltas: tuple[float, ...] = (0.0, 1e-5, 1e-2)
    groups: tuple[int, ...] = (2, 5, 10)
    extra: dict = field(default_factory=dict)


PRESETS: dict[str, RunConfig] = {
    "cpu-demo": RunConfig(),
    "paper": RunConfig(name="paper", style="full", model="Qwen/Qwen3-8B", finetune_preset="paper", eval_per_block=0,
                       test_questionnaire_seeds=(0, 1, 2),
                       audit_queries=1000, capability_tasks="sensaware_capability,ifeval,gsm8k_platinum,bbh,hellaswag"),
}


@dataclass
class Stage:
    name: str
    run: Callable[["Context"], dict]


@dataclass
class Context:
    config: RunConfig
    root: Path
    results: dict = field(default_factory=dict)
    config_json: dict = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.root / name


def _stage_bounds(ctx: Context) -> dict:
    from theory import sa_bound

    table = [sa_bound(e, d, g) for g in ctx.config.groups for d in ctx.config.deltas for e in ctx.config.epsilons]
    return {"bounds": table}


def _stage_companies(ctx: Context) -> dict:
    from empirical.benchmark.company import build_company, write_company

    out = {}
    for role, seed in (("train", ctx.config.train_company_seed), ("test", ctx.config.test_company_seed)):
        company = build_company(seed)
        write_company(company, ctx.path(f"company_seed{seed}.csv"))
        out[role] = {"seed": seed, "employees": len(company.employees), "file": f"company_seed{seed}.csv"}
    return {"companies": out}


def _stage_questionnaires(ctx: Context) -> dict:
    from empirical.benchmark.company import read_company
    from empirical.benchmark.questionnaire import write_questionnaire

    c = ctx.config
    train = read_company(ctx.path(f"company_seed{c.train_company_seed}.csv"))
    test = read_company(ctx.path(f"company_seed{c.test_company_seed}.csv"))
    files = {}
    for s in c.questionnaire_seeds:
        name = f"train_queries_c{c.train_company_seed}_q{s}.jsonl.gz"
        files[name] = write_questionnaire(train, ctx.path(name), s, c.style)
    from empirical.benchmark.files import write_jsonl
    from empirical.benchmark.questionnaire import generate

    held_out: list[dict] = []
    for s in c.test_questionnaire_seeds:
        rows = list(generate(test, s, c.style))
        files[f"test_queries_c{c.test_company_seed}_q{s}.jsonl.gz"] = write_jsonl(
            ctx.path(f"test_queries_c{c.test_company_seed}_q{s}.jsonl.gz"), rows)
        held_out += rows
    if len(c.test_questionnaire_seeds) > 1:  # one file holding every held-out questionnaire
        files[Path(_test_queries(ctx)).name] = write_jsonl(_test_queries(ctx), held_out)
    return {"questionnaires": files}


def _stage_reference_scores(ctx: Context) -> dict:
    from empirical.benchmark.files import read_jsonl
    from empirical.benchmark.scores import recorded_outputs_path, score_by, to_plain

    rows = list(read_jsonl(recorded_outputs_path()))
    return {"reference_models": to_plain(score_by(rows, "model"))}


def _has_torch() -> bool:
    try:
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def _test_queries(ctx: Context) -> str:
    c = ctx.config
    seeds = "-".join(str(s) for s in c.test_questionnaire_seeds)
    return str(ctx.path(f"test_queries_c{c.test_company_seed}_q{seeds}.jsonl.gz"))


def _stage_eval_base(ctx: Context) -> dict:
    if not _has_torch():
        return {"eval_base": None, "skipped": "train extra not installed"}
    from empirical.model.generate import evaluate

    res = evaluate(ctx.config.model, _test_queries(ctx), str(ctx.path("eval_base.jsonl")),
                   limit_per_block=ctx.config.eval_per_block, label="base")
    return {"eval_base": res}


def _stage_finetune(ctx: Context) -> dict:
    if not _has_torch():
        return {"finetune": None}
    from empirical.model.finetune import PRESETS as FT_PRESETS
    from empirical.model.finetune import FinetuneConfig, _plain, finetune

    c = ctx.config
    cfg = FinetuneConfig().updated({**FT_PRESETS[c.finetune_preset], "model": c.model, "company_seed": c.train_company_seed,
                                    "questionnaire_seeds": c.questionnaire_seeds, "style": c.style}, "run")
    done = ctx.path("adapter") / "sensaware_finetune.json"
    if done.is_file():  # trained before, e.g. across GPUs with `accelerate launch -m empirical finetune --out …/adapter`
        summary = json.loads(done.read_text(encoding="utf-8"))
        want = _plain(cfg)
        diff = sorted(k for k in set(want) | set(summary["config"]) if want.get(k) != summary["config"].get(k))
        if diff:
            raise ValueError(f"{ctx.path('adapter')} holds an adapter trained with a different recipe ({', '.join(diff)}); "
                             "delete it or use another --name")
    else:
        summary = finetune(cfg, ctx.path("adapter"))
    return {"finetune": {k: v for k, v in summary.items() if k != "config"}}


def _stage_eval_tuned(ctx: Context) -> dict:
    if not _has_torch():
        return {"eval_tuned": None}
    from empirical.benchmark.files import read_jsonl
    from empirical.benchmark.scores import paired_comparison
    from empirical.model.generate import evaluate

    res = evaluate(ctx.config.model, _test_queries(ctx), str(ctx.path("eval_tuned.jsonl")), adapter=str(ctx.path("adapter")),
                   limit_per_block=ctx.config.eval_per_block, label="fine-tuned")
    paired = paired_comparison(list(read_jsonl(ctx.path("eval_base.jsonl"))), list(read_jsonl(ctx.path("eval_tuned.jsonl"))),
                               "id")
    return {"eval_tuned": res, "paired": paired}


def _stage_capability(ctx: Context) -> dict:
    if not _has_torch():
        return {"capability": None}
    from empirical.model.capability import capability

    c = ctx.config
    out = {}
    for key, adapter in (("base", None), ("fine-tuned", str(ctx.path("adapter")))):
        out[key] = capability(c.model, adapter, c.capability_tasks, limit=c.capability_limit or None,
                              cache=str(ctx.path(f"capability_cache_{key}")))
    return {"capability": out}


def _stage_audit(ctx: Context) -> dict:
    from empirical.audit.runs import audit_recorded
    from empirical.benchmark.files import read_jsonl

    out: dict = {}
    if _has_torch():
        from empirical.audit.llm import audit_llm

        c = ctx.config
        out["llm_audit"] = {
            "base": audit_llm(c.model, None, c.audit_attribute, c.audit_queries, company_seed=c.test_company_seed),
            "fine-tuned": audit_llm(c.model, str(ctx.path("adapter")), c.audit_attribute, c.audit_queries,
                                    company_seed=c.test_company_seed)}
        rows = list(read_jsonl(ctx.path("eval_base.jsonl"))) + list(read_jsonl(ctx.path("eval_tuned.jsonl")))
        out["recorded_audit"] = audit_recorded(rows)
    return out


def _stage_figures(ctx: Context) -> dict:
    from empirical.pipeline.figures import make_all, run_summary

    summary = run_summary({**ctx.results, "config": ctx.config_json})
    with atomic_write(ctx.path("summary.json")) as fh:
        json.dump(summary, fh, indent=1)
    return {"figures": [str(p) for p in make_all(ctx.path("figures"), summary)], "summary": summary}


STAGES: tuple[Stage, ...] = (
    Stage("bounds", _stage_bounds),
    Stage("companies", _stage_companies),
    Stage("questionnaires", _stage_questionnaires),
    Stage("reference_scores", _stage_reference_scores),
    Stage("eval_base", _stage_eval_base),
    Stage("finetune", _stage_finetune),
    Stage("eval_tuned", _stage_eval_tuned),
    Stage("capability", _stage_capability),
    Stage("audit", _stage_audit),
    Stage("figures", _stage_figures),
)


def run(config: RunConfig, runs_dir: str | Path = "runs", log: Callable[[str], None] = print) -> dict:
    """Run (or resume) every stage; returns the merged results, also written to ``results.json``."""
    root = Path(runs_dir) / config.name
    root.mkdir(parents=True, exist_ok=True)
    cfg = json.loads(json.dumps(asdict(config)))
    ctx = Context(config, root, config_json=cfg)
    timings = {}
    for i, stage in enumerate(STAGES, 1):
        marker = root / f"{stage.name}.done.json"
        if marker.is_file():
            done = json.loads(marker.read_text())
            if done.get("config") == cfg:
                log(f"[{i}/{len(STAGES)}] {stage.name}: done before ({done['seconds']:.1f}s), skipped")
                ctx.results.update(done["results"])
                timings[stage.name] = done["seconds"]
                continue
        log(f"[{i}/{len(STAGES)}] {stage.name} …")
        t = time.perf_counter()
        res = stage.run(ctx)
        dt = time.perf_counter() - t
        with atomic_write(marker) as fh:
            json.dump({"config": cfg, "seconds": dt, "results": res}, fh)
        ctx.results.update(res)
        timings[stage.name] = dt
        log(f"[{i}/{len(STAGES)}] {stage.name}: {dt:.1f}s")
    ctx.results["stage_seconds"] = timings
    ctx.results["config"] = cfg
    with atomic_write(root / "results.json") as fh:
        json.dump(ctx.results, fh, indent=2)
    from empirical.pipeline.report import write_report

    write_report(ctx.results, root)
    return ctx.results
