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
    epsilons: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 4.0)
    deltas: tuple[float, ...] = (0.0, 1e-5, 1e-2)
    groups: tuple[int, ...] = (2, 5, 10)
    extra: dict = field(default_factory=dict)


PRESETS: dict[str, RunConfig] = {
    "cpu-demo": RunConfig(),
    "paper": RunConfig(name="paper", style="full", extra={"model": "Qwen/Qwen3-8B", "test_queries": 10500}),
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


STAGES: tuple[Stage, ...] = (
    Stage("bounds", _stage_bounds),
    Stage("companies", _stage_companies),
    Stage("questionnaires", _stage_questionnaires),
    Stage("reference_scores", _stage_reference_scores),
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
    lines += ["", "## Stage wall times", "", "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in results.get("stage_seconds", {}).items()]
    with atomic_write(root / "report.md") as fh:
        fh.write("\n".join(lines) + "\n")
