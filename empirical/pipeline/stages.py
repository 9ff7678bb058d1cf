"""``sensaware run``: the main job as a chain of stages that read and write plain files under ``runs/<name>/``.

Data flows one way — company → questionnaire → generate → grade → score → audit → analysis → figures → report — and
every stage is a :class:`Stage`: a small frozen spec naming the configuration keys it reads, the files it reads
(written by earlier stages) and the files it writes. Its results go to ``<stage>.json``; after them it writes
``<stage>.done.json``, holding a hash of its configuration slice and of its input files. A rerun skips a stage
whose marker matches and whose outputs exist; a changed setting or input file reruns that stage and, through
their changed files, the stages downstream of it — nothing else. ``results.json`` and the report are assembled
from the stages' result files.

Stages that need the ``train`` extra (generation, fine-tuning, capability, the LLM audit) record a note and
write nothing else when torch is not installed. The stages of one model (base, or base + adapter) run one after
the other and share one loaded model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from empirical.audit.attacks import generate_attacks, run_attacks, summarise_attacks
from empirical.audit.dp_sweep import SWEEPS, run_sweep, violation_message
from empirical.audit.dp_sweep import settings as sweep_settings
from empirical.audit.errors import AuditViolation
from empirical.audit.k_question import k_question_audit
from empirical.audit.llm import audit_llm
from empirical.audit.recorded import audit_recorded
from empirical.benchmark.company import build_company, read_company, write_company
from empirical.benchmark.files import atomic_write, read_jsonl, write_jsonl
from empirical.benchmark.questionnaire import generate, write_questionnaire
from empirical.benchmark.resources import recorded_outputs_path
from empirical.benchmark.scores import paired_comparison, score_by, to_plain
from empirical.model.adapters import recipe
from empirical.model.capability import capability
from empirical.model.finetune import PRESETS as FT_PRESETS
from empirical.model.finetune import FinetuneConfig, finetune
from empirical.model.generate import ANSWER_TOKENS
from empirical.model.loading import LoadedModel, has_train_extra, load
from empirical.pipeline.evaluate import evaluate
from empirical.pipeline.figures import draw_all
from empirical.pipeline.report import example_answers, write_report
from empirical.pipeline.summary import OURS, figure_data, run_summary, write_figure_data
from theory import sa_bound


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
    eval_max_new_tokens: int = ANSWER_TOKENS  # the answer format's longest reply plus a margin
    audit_queries: int = 32
    capability_tasks: str = "sensaware_capability"
    capability_limit: int = 0  # documents per task (0 = all)
    audit_attribute: str = "marital_status"
    epsilons: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 4.0)
    deltas: tuple[float, ...] = (0.0, 1e-5, 1e-2)
    groups: tuple[int, ...] = (2, 5, 10)
    dp_sweep: str = "cpu"  # the canary sweep (empirical.audit.dp_sweep.SWEEPS; "" = none)
    attack_per_family: int = 16  # adaptive attacks per family and model (0 = no attack stages)
    k_question_attribute: str = "age"  # the k-question adversary's target attribute (G-ary, bisected)
    k_question_targets: int = 32  # its trials on the fine-tuned model (0 = none)
    k_question_budgets: tuple[int, ...] = (1, 3, 10)
    only: tuple[str, ...] = ()  # the stages to run (empty = all)


PRESETS: dict[str, RunConfig] = {
    "cpu-demo": RunConfig(),
    "paper": RunConfig(name="paper", style="full", model="Qwen/Qwen3-8B", finetune_preset="paper", eval_per_block=0,
                       test_questionnaire_seeds=(0, 1, 2), eval_max_new_tokens=64,
                       audit_queries=1000, capability_tasks="sensaware_capability,ifeval,gsm8k_platinum,bbh,hellaswag",
                       # the canary sweep's sizes are measured for the embedded model only
                       dp_sweep="", attack_per_family=250, k_question_targets=200),
    # the full DP sweep (ε = ∞, 8, 2, 0.5) on the embedded model, without the benchmark's stages
    "dp-sweep": RunConfig(name="dp-sweep", dp_sweep="dp-sweep", only=("bounds", "dp_audit", "analysis", "figures")),
    # black-box power: the canaries' sweep over ε = 0.5 … 1,000 and ∞ with the black-box recipe (audit.dp_sweep)
    "dp-black-box": RunConfig(name="dp-black-box", dp_sweep="black-box", only=("bounds", "dp_audit", "analysis",
                                                                                "figures")),
    # the DP runs whose canaries a black-box adversary finds: σ = 0.05 and 0.1 with the cpu recipe, and ∞
    "dp-small-sigma": RunConfig(name="dp-small-sigma", dp_sweep="small-sigma", only=("bounds", "dp_audit", "analysis",
                                                                                      "figures")),
}

ADAPTER = "adapter"


def company_file(seed: int) -> str:
    return f"company_seed{seed}.csv"


def train_queries_file(c: RunConfig, seed: int) -> str:
    return f"train_queries_c{c.train_company_seed}_q{seed}.jsonl.gz"


def test_queries_file(c: RunConfig) -> str:
    """The held-out queries: one file holding every held-out questionnaire, in seed order."""
    seeds = "-".join(str(s) for s in c.test_questionnaire_seeds)
    return f"test_queries_c{c.test_company_seed}_q{seeds}.jsonl.gz"


@dataclass(frozen=True)
class Stage:
    """One stage: ``run(ctx)`` returns its results (written to ``<name>.json``); ``keys`` are the :class:`RunConfig`
    fields it reads, ``inputs(config)`` / ``outputs(config)`` the files (or folders) under the run folder it reads
    and writes. ``model`` names the model it needs (``base`` or ``fine-tuned``), if any."""

    name: str
    run: Callable[["Context"], dict]
    keys: tuple[str, ...] = ()
    inputs: Callable[[RunConfig], tuple[str, ...]] = lambda c: ()
    outputs: Callable[[RunConfig], tuple[str, ...]] = lambda c: ()
    model: str | None = None
    extra: Callable[[RunConfig], object] = lambda c: None  # settings a key names, e.g. a preset's contents

    def key(self, config: RunConfig, root: Path) -> str:
        """SHA-256 of the stage's configuration slice (with ``extra``) and the contents of its input files."""
        h = hashlib.sha256()
        h.update(json.dumps({k: _plain(getattr(config, k)) for k in self.keys}, sort_keys=True).encode())
        h.update(json.dumps(self.extra(config), sort_keys=True, default=str).encode())
        for name in self.inputs(config):
            h.update(name.encode() + b"\0" + _digest(root / name).encode())
        return h.hexdigest()


@dataclass
class Context:
    """What a stage sees: the configuration, the run folder and the run's one loaded model at a time."""

    config: RunConfig
    root: Path
    _loaded: tuple[tuple[str, str | None], LoadedModel] | None = field(default=None, repr=False)

    def path(self, name: str) -> Path:
        return self.root / name

    def read(self, stage: str) -> dict:
        """The results an earlier stage wrote to ``<stage>.json`` (empty if it wrote none)."""
        p = self.path(f"{stage}.json")
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}

    def release(self) -> None:
        """Drop the loaded model (its memory is freed once nothing else holds it)."""
        self._loaded = None

    def model(self, which: str) -> LoadedModel:
        """The base model, or the base model with this run's adapter; loaded once and kept until the other is asked."""
        adapter = str(self.path(ADAPTER)) if which == "fine-tuned" else None
        key = (self.config.model, adapter)
        if self._loaded is None or self._loaded[0] != key:
            self._loaded = None  # release the previous model before loading the next
            self._loaded = (key, load(self.config.model, adapter, label=which if which == "base" else "fine-tuned"))
        return self._loaded[1]


# ------------------------------------------------------------------------------------------------------ stages
def _bounds(ctx: Context) -> dict:
    c = ctx.config
    return {"bounds": [sa_bound(epsilon=e, delta=d, groups=g).to_dict() for g in c.groups for d in c.deltas for e in c.epsilons]}


def _companies(ctx: Context) -> dict:
    out = {}
    for role, seed in (("train", ctx.config.train_company_seed), ("test", ctx.config.test_company_seed)):
        company = build_company(seed)
        write_company(company, ctx.path(company_file(seed)))
        out[role] = {"seed": seed, "employees": len(company.employees), "file": company_file(seed)}
    return {"companies": out}


def _questionnaires(ctx: Context) -> dict:
    c = ctx.config
    train = read_company(ctx.path(company_file(c.train_company_seed)))
    test = read_company(ctx.path(company_file(c.test_company_seed)))
    files = {}
    for s in c.questionnaire_seeds:
        files[train_queries_file(c, s)] = write_questionnaire(train, ctx.path(train_queries_file(c, s)), s, c.style)
    held_out: list[dict] = []
    for s in c.test_questionnaire_seeds:
        held_out += list(generate(test, s, c.style))
    files[test_queries_file(c)] = write_jsonl(ctx.path(test_queries_file(c)), held_out)
    return {"questionnaires": files}


def _reference_scores(ctx: Context) -> dict:
    return {"reference_models": to_plain(score_by(list(read_jsonl(recorded_outputs_path())), "model"))}


def _evaluation(which: str) -> Callable[[Context], dict]:
    stage = OURS[which]

    def run(ctx: Context) -> dict:
        res = evaluate(ctx.model(which), ctx.path(test_queries_file(ctx.config)), ctx.path(f"{stage}.jsonl"),
                       answers_path=ctx.path(f"{stage}.answers.jsonl"), limit_per_block=ctx.config.eval_per_block,
                       max_new_tokens=ctx.config.eval_max_new_tokens)
        out = {stage: res}
        if which == "fine-tuned":
            tuned = list(read_jsonl(ctx.path("eval_tuned.jsonl")))
            out["paired"] = paired_comparison(list(read_jsonl(ctx.path("eval_base.jsonl"))), tuned, "id")
            res["examples"] = example_answers(tuned)
        return out

    return run


def capability_cache(which: str) -> str:
    """The folder of lm-eval's response cache for one model (keyed by request only, so it is this stage's output)."""
    return f"capability_cache_{'base' if which == 'base' else 'tuned'}"


def _capability(which: str) -> Callable[[Context], dict]:
    def run(ctx: Context) -> dict:
        c = ctx.config
        res = capability(ctx.model(which), c.capability_tasks, limit=c.capability_limit or None,
                         cache=str(ctx.path(capability_cache(which)) / "lm_eval"))
        return {"capability": {which: res}}

    return run


def _llm_audit(which: str) -> Callable[[Context], dict]:
    def run(ctx: Context) -> dict:
        c = ctx.config
        return {"llm_audit": {which: audit_llm(ctx.model(which), c.audit_attribute, c.audit_queries,
                                               company_seed=c.test_company_seed)}}

    return run


def attacks_file(which: str) -> str:
    return f"attacks_{'base' if which == 'base' else 'tuned'}.answers.jsonl"


def _attacks(which: str) -> Callable[[Context], dict]:
    def run(ctx: Context) -> dict:
        c = ctx.config
        if c.attack_per_family <= 0:
            return {}
        rows = generate_attacks(read_company(ctx.path(company_file(c.test_company_seed))), seed=c.test_company_seed,
                                per_family=c.attack_per_family)
        answered = run_attacks(ctx.model(which), rows, ctx.path(attacks_file(which)))
        return {"attacks": summarise_attacks(answered)}

    return run


def _k_question(ctx: Context) -> dict:
    c = ctx.config
    if c.k_question_targets <= 0:
        return {}
    company = read_company(ctx.path(company_file(c.test_company_seed)))
    return {"k_question": k_question_audit(ctx.model("fine-tuned"), company, c.k_question_attribute,
                                           targets=c.k_question_targets, budgets=tuple(c.k_question_budgets),
                                           seed=c.test_company_seed, max_new_tokens=c.eval_max_new_tokens)}


def finetune_config(c: RunConfig) -> FinetuneConfig:
    """The fine-tuning recipe of a run: the preset, on the run's model, training company and questionnaires."""
    return FinetuneConfig().updated({**FT_PRESETS[c.finetune_preset], "model": c.model, "company_seed": c.train_company_seed,
                                     "questionnaire_seeds": c.questionnaire_seeds, "style": c.style}, "run")


def _finetune(ctx: Context) -> dict:
    cfg = finetune_config(ctx.config)
    done = ctx.path(ADAPTER) / "sensaware_finetune.json"
    if done.is_file():  # trained before, e.g. across GPUs with `accelerate launch -m empirical finetune --out …/adapter`
        summary = json.loads(done.read_text(encoding="utf-8"))
        want, had = recipe(cfg), {**recipe(FinetuneConfig()), **summary["config"]}  # keys added since: at their defaults
        diff = sorted(k for k in set(want) | set(had) if want.get(k) != had.get(k))
        if diff:
            raise ValueError(f"{ctx.path(ADAPTER)} holds an adapter trained with a different recipe ({', '.join(diff)}); "
                             "delete it or use another --name")
    else:
        summary = finetune(cfg, ctx.path(ADAPTER))
    return {"finetune": {k: v for k, v in summary.items() if k != "config"}}


def _recorded_audit(ctx: Context) -> dict:
    rows = list(read_jsonl(ctx.path("eval_base.jsonl"))) + list(read_jsonl(ctx.path("eval_tuned.jsonl")))
    return {"recorded_audit": audit_recorded(rows)}


def _dp_audit(ctx: Context) -> dict:
    c = ctx.config
    if not c.dp_sweep:
        return {}
    if c.dp_sweep not in SWEEPS:
        raise ValueError(f"`dp_sweep` must be one of {', '.join(sorted(SWEEPS))} or empty. Found {c.dp_sweep!r}.")
    if importlib.util.find_spec("opacus") is None:
        return {"dp_sweep": {"skipped": "the dp extra (Opacus) is not installed: pip install '.[train,dp]'"}}
    return run_sweep(replace(SWEEPS[c.dp_sweep], model=c.model), ctx.path("dp"), raise_violations=False)


def _analysis(ctx: Context) -> dict:
    summary = run_summary(collect(ctx, upto="analysis"))
    with atomic_write(ctx.path("summary.json")) as fh:
        json.dump(summary, fh, indent=1)
    write_figure_data(figure_data(summary), ctx.path("figure_data"))
    return {"summary": summary}


def _figures(ctx: Context) -> dict:
    return {"figures": [str(p) for p in draw_all(ctx.path("figure_data"), ctx.path("figures"))]}


_MODEL_KEYS = ("model",)


def _eval_files(which: str) -> Callable[[RunConfig], tuple[str, ...]]:
    return lambda c: (f"{OURS[which]}.answers.jsonl", f"{OURS[which]}.jsonl")


STAGES: tuple[Stage, ...] = (
    Stage("bounds", _bounds, ("epsilons", "deltas", "groups")),
    Stage("companies", _companies, ("train_company_seed", "test_company_seed"),
          outputs=lambda c: (company_file(c.train_company_seed), company_file(c.test_company_seed))),
    Stage("questionnaires", _questionnaires, ("questionnaire_seeds", "test_questionnaire_seeds", "style"),
          inputs=lambda c: (company_file(c.train_company_seed), company_file(c.test_company_seed)),
          outputs=lambda c: tuple(train_queries_file(c, s) for s in c.questionnaire_seeds) + (test_queries_file(c),)),
    Stage("reference_scores", _reference_scores),
    # the base model: evaluation, capability and the LLM audit share one load
    Stage("eval_base", _evaluation("base"), (*_MODEL_KEYS, "eval_per_block", "eval_max_new_tokens"),
          inputs=lambda c: (test_queries_file(c),), outputs=_eval_files("base"), model="base"),
    Stage("capability_base", _capability("base"), (*_MODEL_KEYS, "capability_tasks", "capability_limit"),
          outputs=lambda c: (capability_cache("base"),), model="base"),
    Stage("audit_base", _llm_audit("base"), (*_MODEL_KEYS, "audit_attribute", "audit_queries", "test_company_seed"),
          model="base"),
    Stage("attacks_base", _attacks("base"), (*_MODEL_KEYS, "attack_per_family", "test_company_seed"),
          inputs=lambda c: (company_file(c.test_company_seed),), outputs=lambda c: (attacks_file("base"),), model="base"),
    Stage("finetune", _finetune, (*_MODEL_KEYS, "finetune_preset", "train_company_seed", "questionnaire_seeds", "style"),
          outputs=lambda c: (ADAPTER,), model="train"),
    # the fine-tuned model (base + adapter): one load again
    Stage("eval_tuned", _evaluation("fine-tuned"), (*_MODEL_KEYS, "eval_per_block", "eval_max_new_tokens"),
          inputs=lambda c: (test_queries_file(c), ADAPTER, "eval_base.jsonl"), outputs=_eval_files("fine-tuned"),
          model="fine-tuned"),
    Stage("capability_tuned", _capability("fine-tuned"), (*_MODEL_KEYS, "capability_tasks", "capability_limit"),
          inputs=lambda c: (ADAPTER,), outputs=lambda c: (capability_cache("fine-tuned"),), model="fine-tuned"),
    Stage("audit_tuned", _llm_audit("fine-tuned"), (*_MODEL_KEYS, "audit_attribute", "audit_queries", "test_company_seed"),
          inputs=lambda c: (ADAPTER,), model="fine-tuned"),
    Stage("attacks_tuned", _attacks("fine-tuned"), (*_MODEL_KEYS, "attack_per_family", "test_company_seed"),
          inputs=lambda c: (company_file(c.test_company_seed), ADAPTER), outputs=lambda c: (attacks_file("fine-tuned"),),
          model="fine-tuned"),
    Stage("k_question", _k_question, (*_MODEL_KEYS, "k_question_attribute", "k_question_targets", "k_question_budgets",
                                      "test_company_seed", "eval_max_new_tokens"),
          inputs=lambda c: (company_file(c.test_company_seed), ADAPTER), model="fine-tuned"),
    Stage("recorded_audit", _recorded_audit, inputs=lambda c: ("eval_base.jsonl", "eval_tuned.jsonl"), model="train"),
    Stage("dp_audit", _dp_audit, (*_MODEL_KEYS, "dp_sweep"), outputs=lambda c: ("dp",), model="train",
          extra=lambda c: sweep_settings(SWEEPS[c.dp_sweep]) if c.dp_sweep in SWEEPS else None),
    Stage("analysis", _analysis, ("name", "model"),
          inputs=lambda c: tuple(f"{n}.json" for n in _MODEL_RESULTS), outputs=lambda c: ("summary.json", "figure_data")),
    Stage("figures", _figures, inputs=lambda c: ("figure_data",), outputs=lambda c: ("figures",)),
)
#: the stages whose results the run summary (and so the figures) shows
_MODEL_RESULTS = ("eval_base", "capability_base", "audit_base", "attacks_base", "eval_tuned", "capability_tuned",
                  "audit_tuned", "attacks_tuned", "k_question", "dp_audit")


def collect(ctx: Context, upto: str = "") -> dict:
    """The results of every stage before ``upto``, merged (``capability`` and ``llm_audit`` per model), with the
    configuration and the stages' wall times."""
    results: dict = {}
    seconds: dict = {}
    for s in STAGES:
        if s.name == upto:
            break
        for k, v in ctx.read(s.name).items():
            if k in ("capability", "llm_audit") and isinstance(v, dict):
                results.setdefault(k, {}).update(v)
            elif k == "attacks" and isinstance(v, list):  # one list per model's stage
                results.setdefault(k, []).extend(v)
            else:
                results[k] = v
        sec = _read_marker(ctx.path(f"{s.name}.done.json")).get("seconds")
        if isinstance(sec, (int, float)) and not isinstance(sec, bool):
            seconds[s.name] = float(sec)
    results["config"] = json.loads(json.dumps(asdict(ctx.config)))
    results["stage_seconds"] = seconds
    return results


def run(config: RunConfig, runs_dir: str | Path = "runs", log: Callable[[str], None] = print) -> dict:
    """Run (or resume) every stage; returns the merged results, also written to ``results.json``."""
    root = Path(runs_dir) / config.name
    root.mkdir(parents=True, exist_ok=True)
    ctx = Context(config, root)
    train = has_train_extra()
    unknown = sorted(set(config.only) - {s.name for s in STAGES})
    if unknown:
        raise ValueError(f"`only` names unknown stages {', '.join(unknown)}; stages: {', '.join(s.name for s in STAGES)}")
    stages = [s for s in STAGES if not config.only or s.name in config.only]
    n = len(stages)
    for i, stage in enumerate(stages, 1):
        key = stage.key(config, root)
        marker = root / f"{stage.name}.done.json"
        outputs = [f"{stage.name}.json", *stage.outputs(config)]
        if _valid(marker, key, root, outputs):
            log(f"[{i}/{n}] {stage.name}: done before, skipped")
            continue
        if stage.model and not train:  # earlier results of another configuration are not shown as this one's
            _write_results(ctx, stage, {}, 0.0, {"skipped": "train extra not installed"})
            log(f"[{i}/{n}] {stage.name}: skipped (train extra not installed)")
            continue
        _prepare(root, stage.name, key, stage.outputs(config))
        if stage.model != "base" and stage.model != "fine-tuned":
            ctx.release()  # e.g. fine-tuning loads its own copy: do not hold a second one
        log(f"[{i}/{n}] {stage.name} …")
        t = time.perf_counter()
        res = stage.run(ctx)
        dt = time.perf_counter() - t
        _write_results(ctx, stage, res, dt, {"key": key}, outputs)
        log(f"[{i}/{n}] {stage.name}: {dt:.1f}s")
    results = collect(ctx)
    with atomic_write(root / "results.json") as fh:
        json.dump(results, fh, indent=2)
    write_report(results, root)
    bad = (results.get("dp_sweep") or {}).get("violations")
    if bad:  # after every entry, results.json and the report are written
        raise AuditViolation(violation_message(bad))
    return results


def _write_results(ctx: Context, stage: Stage, res: dict, seconds: float, marker: dict, outputs: list[str] = ()) -> None:
    """``<stage>.json``, then the marker with the digest of every output (so a changed or missing output reruns)."""
    with atomic_write(ctx.path(f"{stage.name}.json")) as fh:
        json.dump(res, fh, indent=1)
    digests = {o: _digest(ctx.path(o)) for o in outputs}
    with atomic_write(ctx.path(f"{stage.name}.done.json")) as fh:
        json.dump({**marker, "outputs": digests, "seconds": seconds}, fh)


def _read_marker(path: Path) -> dict:
    """A marker's content, or ``{}`` for a missing, unreadable or malformed one (which then counts as absent)."""
    try:
        done = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return done if isinstance(done, dict) else {}


def _valid(marker: Path, key: str, root: Path, outputs: list[str]) -> bool:
    """The marker names this key and every output is as the stage left it."""
    done = _read_marker(marker)
    if done.get("key") != key:
        return False
    recorded = done.get("outputs")
    return isinstance(recorded, dict) and all(o in recorded and recorded[o] == _digest(root / o) for o in outputs)


def _prepare(root: Path, name: str, key: str, outputs: tuple[str, ...]) -> None:
    """Before a stage runs: outputs left by a run under another key (a ``<stage>.started.json`` or
    ``<stage>.done.json`` naming a different key) are stale and removed, so a stage that resumes (answers
    row by row, fine-tuning from checkpoints, lm-eval's cache) never resumes another configuration's work.
    Outputs with no marker at all are kept: an interrupted first run, or files the user placed (an adapter
    trained with ``accelerate launch``)."""
    keys = {_read_marker(root / f"{name}.{m}.json").get("key") for m in ("started", "done")} - {None}
    if keys and keys != {key}:
        for o in outputs:
            p = root / o
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        (root / f"{name}.done.json").unlink(missing_ok=True)
    with atomic_write(root / f"{name}.started.json") as fh:
        json.dump({"key": key}, fh)


def _plain(x):
    return list(x) if isinstance(x, tuple) else x


def _digest(path: Path) -> str:
    """SHA-256 of a file's bytes, or of a folder's files (names and contents; checkpoints excluded); "-" if absent."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file() and "checkpoints" not in p.relative_to(path).parts):
            h.update(str(f.relative_to(path)).encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
        return h.hexdigest()
    return "-"

