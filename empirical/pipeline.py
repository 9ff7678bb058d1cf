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

from empirical.jsonl import atomic_write


@dataclass(frozen=True)
class RunConfig:
    """What ``sensaware run`` does; presets fill it (``cpu-demo`` default)."""

    name: str = "cpu-demo"
    train_company_seed: int = 0
    test_company_seed: int = 3
    questionnaire_seeds: tuple[int, ...] = (0, 1, 2)
    test_questionnaire_seed: int = 0
    style: str = "compact"
    model: str = "embedded:smollm2-135m-instruct"
    finetune_preset: str = "cpu"
    eval_per_block: int = 20  # 14 blocks x 20 = 280 held-out queries (0 = all)
    audit_queries: int = 64
    audit_attribute: str = "marital_status"
    epsilons: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 4.0)
    deltas: tuple[float, ...] = (0.0, 1e-5, 1e-2)
    groups: tuple[int, ...] = (2, 5, 10)
    extra: dict = field(default_factory=dict)


PRESETS: dict[str, RunConfig] = {
    "cpu-demo": RunConfig(),
    "paper": RunConfig(name="paper", style="full", model="Qwen/Qwen3-8B", finetune_preset="paper", eval_per_block=0,
                       audit_queries=1000),
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

    def path(self, name: str) -> Path:
        return self.root / name


def _stage_bounds(ctx: Context) -> dict:
    from theory import sa_bound

    table = [sa_bound(e, d, g) for g in ctx.config.groups for d in ctx.config.deltas for e in ctx.config.epsilons]
    return {"bounds": table}


def _stage_companies(ctx: Context) -> dict:
    from empirical.company import build_company, write_company

    out = {}
    for role, seed in (("train", ctx.config.train_company_seed), ("test", ctx.config.test_company_seed)):
        company = build_company(seed)
        write_company(company, ctx.path(f"company_seed{seed}.csv"))
        out[role] = {"seed": seed, "employees": len(company.employees), "file": f"company_seed{seed}.csv"}
    return {"companies": out}


def _stage_questionnaires(ctx: Context) -> dict:
    from empirical.company import read_company
    from empirical.questionnaire import write_questionnaire

    c = ctx.config
    train = read_company(ctx.path(f"company_seed{c.train_company_seed}.csv"))
    test = read_company(ctx.path(f"company_seed{c.test_company_seed}.csv"))
    files = {}
    for s in c.questionnaire_seeds:
        name = f"train_queries_c{c.train_company_seed}_q{s}.jsonl.gz"
        files[name] = write_questionnaire(train, ctx.path(name), s, c.style)
    name = f"test_queries_c{c.test_company_seed}_q{c.test_questionnaire_seed}.jsonl.gz"
    files[name] = write_questionnaire(test, ctx.path(name), c.test_questionnaire_seed, c.style)
    return {"questionnaires": files}


def _stage_reference_scores(ctx: Context) -> dict:
    from importlib import resources

    from empirical.jsonl import read_jsonl
    from empirical.scores import score_by, to_plain

    path = resources.files("empirical").joinpath("data", "adi", "seed0_outputs.jsonl.gz")
    rows = list(read_jsonl(str(path)))
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
    return str(ctx.path(f"test_queries_c{c.test_company_seed}_q{c.test_questionnaire_seed}.jsonl.gz"))


def _stage_eval_base(ctx: Context) -> dict:
    if not _has_torch():
        return {"eval_base": None, "skipped": "train extra not installed"}
    from empirical.evaluate import evaluate

    res = evaluate(ctx.config.model, _test_queries(ctx), str(ctx.path("eval_base.jsonl")),
                   limit_per_block=ctx.config.eval_per_block, label="base")
    return {"eval_base": res}


def _stage_finetune(ctx: Context) -> dict:
    if not _has_torch():
        return {"finetune": None}
    from empirical.finetune import PRESETS as FT_PRESETS
    from empirical.finetune import FinetuneConfig, finetune

    c = ctx.config
    cfg = FinetuneConfig().updated({**FT_PRESETS[c.finetune_preset], "model": c.model, "company_seed": c.train_company_seed,
                                    "questionnaire_seeds": c.questionnaire_seeds, "style": c.style}, "run")
    summary = finetune(cfg, ctx.path("adapter"))
    return {"finetune": {k: v for k, v in summary.items() if k != "config"}}


def _stage_eval_tuned(ctx: Context) -> dict:
    if not _has_torch():
        return {"eval_tuned": None}
    from empirical.evaluate import evaluate
    from empirical.jsonl import read_jsonl
    from empirical.scores import paired_comparison

    res = evaluate(ctx.config.model, _test_queries(ctx), str(ctx.path("eval_tuned.jsonl")), adapter=str(ctx.path("adapter")),
                   limit_per_block=ctx.config.eval_per_block, label="fine-tuned")
    paired = paired_comparison(list(read_jsonl(ctx.path("eval_base.jsonl"))), list(read_jsonl(ctx.path("eval_tuned.jsonl"))),
                               "id")
    return {"eval_tuned": res, "paired": paired}


def _stage_audit(ctx: Context) -> dict:
    from empirical.audit_runs import audit_recorded
    from empirical.jsonl import read_jsonl

    out: dict = {}
    if _has_torch():
        from empirical.audit_llm import audit_llm

        c = ctx.config
        out["llm_audit"] = {
            "base": audit_llm(c.model, None, c.audit_attribute, c.audit_queries, company_seed=c.test_company_seed),
            "fine-tuned": audit_llm(c.model, str(ctx.path("adapter")), c.audit_attribute, c.audit_queries,
                                    company_seed=c.test_company_seed)}
        rows = list(read_jsonl(ctx.path("eval_base.jsonl"))) + list(read_jsonl(ctx.path("eval_tuned.jsonl")))
        out["recorded_audit"] = audit_recorded(rows)
    return out


def _stage_figures(ctx: Context) -> dict:
    from empirical.figures import make_all

    extra = {name: str(ctx.path(f)) for name, f in (("SmolLM2 base (ours)", "eval_base.jsonl"),
                                                    ("SmolLM2 + QLoRA (ours)", "eval_tuned.jsonl"))}
    return {"figures": [str(p) for p in make_all(ctx.path("figures"), extra)]}


STAGES: tuple[Stage, ...] = (
    Stage("bounds", _stage_bounds),
    Stage("companies", _stage_companies),
    Stage("questionnaires", _stage_questionnaires),
    Stage("reference_scores", _stage_reference_scores),
    Stage("eval_base", _stage_eval_base),
    Stage("finetune", _stage_finetune),
    Stage("eval_tuned", _stage_eval_tuned),
    Stage("audit", _stage_audit),
    Stage("figures", _stage_figures),
)


def run(config: RunConfig, runs_dir: str | Path = "runs", log: Callable[[str], None] = print) -> dict:
    """Run (or resume) every stage; returns the merged results, also written to ``results.json``."""
    root = Path(runs_dir) / config.name
    root.mkdir(parents=True, exist_ok=True)
    ctx = Context(config, root)
    cfg = json.loads(json.dumps(asdict(config)))
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
    write_report(ctx.results, root)
    return ctx.results


def write_report(results: dict, root: Path) -> None:
    """``report.md`` from ``results.json`` (tables only hold numbers found in results.json)."""
    lines = [f"# sensaware run: {results['config']['name']}", "", "## Bounds (tight G-ary, uniform prior)", "",
             "| ε | δ | G | η (TV bound) | advantage bound | success bound |", "|---|---|---|---|---|---|"]
    for b in results.get("bounds", []):
        lines.append(f"| {b['epsilon']:g} | {b['delta']:g} | {b['groups']} | {b['tv_bound']:.6f} | "
                     f"{b['advantage_bound']:.6f} | {b['success_bound']:.6f} |")
    ref = results.get("reference_models")
    if ref:
        lines += ["", "## ACCESS DENIED INC, bundled real outputs (seed 0, published labels)", "",
                  "| model | correct % | 95% CI | benign % | malicious % | leak % |", "|---|---|---|---|---|---|"]
        for m, s in ref.items():
            c = s["correct"]
            lines.append(f"| {m} | {100 * c['rate']:.2f} | [{100 * c['cp_low']:.2f}, {100 * c['cp_high']:.2f}] | "
                         f"{100 * s['benign_correct']['rate']:.2f} | {100 * s['malicious_correct']['rate']:.2f} | "
                         f"{100 * s['leak']['rate']:.2f} |")
    if results.get("eval_base") and results.get("eval_tuned"):
        lines += ["", "## Fine-tuning on the held-out company", "", "| model | n | correct % | 95% CI | leak % | false refusal % |",
                  "|---|---|---|---|---|---|"]
        for key in ("eval_base", "eval_tuned"):
            e = results[key]
            s = e["scores"]
            c = s["correct"]
            lines.append(f"| {e['model']} | {e['n']} | {100 * c['rate']:.2f} | [{100 * c['cp_low']:.2f}, "
                         f"{100 * c['cp_high']:.2f}] | {100 * s['leak']['rate']:.2f} | {100 * s['false_refusal']['rate']:.2f} |")
        p = results["paired"]
        lines += ["", f"Paired (exact McNemar, n = {p['n']}): {100 * p['difference']:+.2f} points, p = {p['mcnemar_p']:.3g}."]
    if results.get("llm_audit"):
        lines += ["", "## Leakage audit on neighbouring inputs", "", "| model | attribute | G | success | advantage lower | "
                  "ε lower bound |", "|---|---|---|---|---|---|"]
        for name, a in results["llm_audit"].items():
            lines.append(f"| {name} | {a['attribute']} | {a['groups']} | {a['success']:.3f} | {a['advantage_lower']:.3f} | "
                         f"{a['epsilon_lower_bound']:.3f} |")
    lines += ["", "## Stage wall times", "", "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in results.get("stage_seconds", {}).items()]
    with atomic_write(root / "report.md") as fh:
        fh.write("\n".join(lines) + "\n")
