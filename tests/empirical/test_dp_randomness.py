"""DP-SGD's randomness and privacy unit: noise and sampling that no seed reproduces (two runs of one recipe give
different adapters; a replay of the published recipe once per candidate canary value does not single out the true
value), the secure sampler's laws against scipy, the person-level guarantee against dp-accounting called directly and
the group-privacy formula in closed form, the δ default, and the learning-rate schedule of a DP run."""

import json
import math
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from empirical.model import dp_randomness

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")
pytest.importorskip("opacus")

from empirical.audit.canary import PROMPT, SYSTEM, facts, make_canaries, training_rows  # noqa: E402
from empirical.benchmark.company import build_company  # noqa: E402
from empirical.benchmark.questionnaire import generate  # noqa: E402
from empirical.cli.main import main  # noqa: E402
from empirical.model.dp import DpConfig, default_delta, dp_finetune, group_size, plan  # noqa: E402
from empirical.model.finetune import PRESETS, FinetuneConfig, build_dataset  # noqa: E402
from empirical.model.loading import build_tiny_model  # noqa: E402


@pytest.fixture(scope="module")
def company():
    return build_company(0)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, company) -> Path:
    corpus = [f for c in make_canaries(company, 6, seed=0) for f in facts(c.record)] + [PROMPT, SYSTEM] * 3
    corpus += [f for e in company.employees[:50] for f in facts(e)]
    for q in generate(company, 0, "compact", per_block=4):  # the questionnaire's words: prompts stay short
        corpus += [m["content"] for m in q["messages"]] + [q["expected"]]
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus, hidden=32, layers=1)


def _adapter(path: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(path / "adapter_model.safetensors"))


def _distance(a: dict, b: dict) -> float:
    return max(float((a[k] - b[k]).abs().max()) for k in a)


# --- the secure sampler -------------------------------------------------------------------------------------------

def test_gaussian_noise_has_the_normal_law():
    from scipy import stats

    x = dp_randomness.gaussian_noise(200_000, 2.5)
    assert x.dtype == np.float64
    assert stats.kstest(x / 2.5, "norm").pvalue > 1e-4
    assert float(x.std()) == pytest.approx(2.5, rel=0.01)
    assert stats.kstest(dp_randomness.uniforms(100_000), "uniform").pvalue > 1e-4
    assert np.unique(x).size == x.size  # no draw repeated


def test_box_muller_pairs_are_independent():
    """The cosine and sine halves share a radius and an angle: uncorrelated, and so are their squares (a shared angle
    or a reused uniform would correlate them); neighbours in the noise are uncorrelated too."""
    n = 100_000
    z = dp_randomness.standard_normals(2 * n)
    c, s = z[:n], z[n:]
    limit = 5 / math.sqrt(n)
    assert abs(np.corrcoef(c, s)[0, 1]) < limit
    assert abs(np.corrcoef(c**2, s**2)[0, 1]) < limit
    x = dp_randomness.gaussian_noise(n, 1.0)
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < limit
    with pytest.raises(ValueError, match="number of draws"):
        dp_randomness.gaussian_noise(-1, 1.0)


def test_poisson_batch_rate():
    from scipy.stats import binomtest

    hits = sum(len(dp_randomness.poisson_batch(1000, 0.3)) for _ in range(20))
    assert binomtest(hits, 20_000, 0.3).pvalue > 1e-4
    assert dp_randomness.poisson_batch(50, 0.0) == [] and dp_randomness.poisson_batch(50, 1.0) == list(range(50))
    with pytest.raises(ValueError, match="rate"):
        dp_randomness.poisson_batch(5, 1.5)


def test_draws_ignore_every_seed():
    """Seeding Python's, numpy's and torch's generators the same way twice does not repeat noise or sampling."""
    draws = []
    for _ in range(2):
        random.seed(3407)
        np.random.seed(3407)
        torch.manual_seed(3407)
        draws.append((dp_randomness.poisson_batch(256, 0.5), dp_randomness.gaussian_noise(64, 1.0)))
    assert draws[0][0] != draws[1][0]  # equal by chance with p = 2^-256
    assert not np.array_equal(draws[0][1], draws[1][1])


# --- the adapters ---------------------------------------------------------------------------------------------------

def test_same_recipe_gives_different_adapters(tiny, tmp_path):
    """The issue's two commands: `sensaware finetune --dp` twice with one recipe (and its seed)."""
    args = ["finetune", "--preset", "tiny", "--model", str(tiny), "--dp", "--noise-multiplier", "1.0", "--delta", "1e-5",
            "--set", "examples=14", "--set", "max_steps=2", "--set", "lora_r=1"]
    assert main([*args, "--out", str(tmp_path / "A")]) == 0
    assert main([*args, "--out", str(tmp_path / "B")]) == 0
    a, b = (tmp_path / x / "adapter_model.safetensors" for x in "AB")
    assert a.read_bytes() != b.read_bytes()
    stored = json.loads((tmp_path / "A" / "sensaware_finetune.json").read_text())
    assert stored["config"]["seed"] == 3407 and "os.urandom" in stored["dp"]["randomness"]


def test_replay_of_the_published_recipe_does_not_find_the_canaries(tiny, company, tmp_path):
    """The replay attack: rebuild the recipe from the victim's `sensaware_finetune.json`, retrain once per candidate
    value of each canary, and look for the candidate whose adapter equals the released one. With noise from a seed
    the true value reproduced it with difference 0.0; now no candidate does, and the true one is not singled out
    (its distance is of the order of a wrong candidate's)."""
    disc_labels = ("Married-civ-spouse", "Never-married")
    canaries = make_canaries(company, 2, seed=0)
    rows = training_rows(company, canaries, repeats=1, employees=4, seed=0, canary_facts="sensitive")
    cfg = FinetuneConfig().updated({**PRESETS["tiny"], "model": str(tiny), "quantize": False, "max_steps": 3,
                                    "per_device_train_batch_size": 2, "completion_only_loss": True, "lora_r": 2,
                                    "lora_layers": 1, "lr_scheduler_type": "constant"}, "test")
    dp_finetune(cfg, DpConfig(delta=1e-3, target_epsilon=2.0), tmp_path / "victim", dataset=rows)
    released = _adapter(tmp_path / "victim")
    card = json.loads((tmp_path / "victim" / "sensaware_finetune.json").read_text())
    replayed_cfg = FinetuneConfig().updated(card["config"], "published recipe")
    replay_dp = DpConfig(delta=card["dp"]["delta"], noise_multiplier=card["dp"]["noise_multiplier"],
                         privacy_unit=card["dp"]["privacy_unit"])
    for i, c in enumerate(canaries):
        true = c.record["marital-status"]
        wrong = next(v for v in disc_labels if v != true)
        dist = {}
        for value in (true, wrong):
            record = {**c.record, "marital-status": value}
            guess = [dict(r, completion=[{"role": "assistant", "content": facts(record)[-1]}]) if r["id"] == c.record["id"]
                     else r for r in rows]
            out = tmp_path / f"replay-{i}-{value}"
            dp_finetune(replayed_cfg, replay_dp, out, dataset=guess)
            dist[value] = _distance(_adapter(out), released)
        assert dist[true] > 0 and dist[wrong] > 0  # nothing reproduces the released adapter
        assert dist[true] > 0.5 * dist[wrong], dist  # the true value is not singled out


# --- the privacy unit -----------------------------------------------------------------------------------------------

def test_group_size_counts_the_examples_holding_a_person():
    rows = [{"persons": ["a", "b"]}, {"persons": ["b"]}, {"persons": ["c", "b"]}, {"persons": ["a"]}]
    assert group_size(rows) == 3
    assert group_size([{"persons": ["a", "a"]}]) == 1  # a person named twice in one row is in one row
    with pytest.raises(ValueError, match="privacy-unit example"):
        group_size([{"id": "r0"}])


def test_cpu_preset_rows_hold_people_several_times(company):
    """Every cpu-preset example holds its context records, the asker and the target; twins share the context, so a
    person sits in several examples (k >= 2). Counted independently from the prompts' text."""
    cfg = FinetuneConfig().updated(PRESETS["cpu"], "preset cpu")
    rows = build_dataset(cfg)
    assert len(rows) == 224
    counts = {}
    for r in rows:
        system = r["prompt"][0]["content"]
        in_context = {e for e in company.by_id if f"id: {e};" in system}
        assert len(in_context) == 6  # the target and five others
        assert in_context <= set(r["persons"]) <= set(company.by_id)
        assert len(set(r["persons"]) - in_context) <= 1  # besides the context, only the asker
        for e in r["persons"]:
            counts[e] = counts.get(e, 0) + 1
    assert group_size(rows) == max(counts.values()) >= 2


def test_person_guarantee_against_dp_accounting_and_group_privacy():
    """σ calibrated so that the person, in k examples, gets ε <= target: the per-example point (ε₁, δ₁) read from
    dp-accounting's replace-one PLD directly satisfies k·ε₁ = ε and δ₁·Σ_{j<k} e^{jε₁} <= δ (closed form), and it is
    the smallest such ε₁ (a 0.1% smaller one breaks δ)."""
    import dp_accounting
    from dp_accounting import pld

    rows = [{"persons": [f"p{i % 10}", "x" if i < 3 else f"q{i}"]} for i in range(40)]  # "x" is in 3 rows: k = 4
    cfg = FinetuneConfig().updated({"per_device_train_batch_size": 8, "gradient_accumulation_steps": 1,
                                    "num_train_epochs": 5.0}, "test")
    p = plan(cfg, DpConfig(delta=1e-5, target_epsilon=4.0), rows)
    k = p["group_size"]
    assert (k, p["privacy_unit"], p["steps"], p["sampling_rate"]) == (4, "person", 25, 0.2)
    acc = pld.PLDAccountant(dp_accounting.NeighboringRelation.REPLACE_ONE, value_discretization_interval=1e-4)
    acc.compose(dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(0.2, dp_accounting.GaussianDpEvent(p["noise_multiplier"])), 25))
    e1 = p["example_epsilon"]

    def group_delta(e):
        return acc.get_delta(e) * math.fsum(math.exp(j * e) for j in range(k))

    assert p["epsilon"] == pytest.approx(k * e1, rel=1e-12)
    assert group_delta(e1) <= 1e-5
    assert group_delta(e1 * 0.999) > 1e-5
    assert 0.9 * 4.0 <= p["epsilon"] <= 4.0  # calibrated to the target, not far below it
    assert p["example_delta"] == pytest.approx(acc.get_delta(e1))
    # the unit's SA bound is weaker than one example's (the per-example profile at the same σ)
    one = plan(cfg, DpConfig(delta=1e-5, noise_multiplier=p["noise_multiplier"], privacy_unit="example"), rows)
    assert one["group_size"] == 1 and one["epsilon"] < p["epsilon"]
    assert 1 / 7 < one["sa_bound"]["success_bound"] < p["sa_bound"]["success_bound"] <= 1


def test_person_guarantee_at_the_edges():
    """A large target for k = 2 is reached (group δ falls then rises in ε₁: the search scans upward from small ε₁);
    a target out of reach names the σ it needs; a σ too small for any resolvable ε says so, never a deep error."""
    cfg = FinetuneConfig().updated({"per_device_train_batch_size": 8, "gradient_accumulation_steps": 1,
                                    "num_train_epochs": 1.0}, "test")
    two = [{"persons": ["x" if i < 2 else f"p{i}"]} for i in range(40)]
    p = plan(cfg, DpConfig(delta=1e-5, target_epsilon=40.0), two)
    assert p["group_size"] == 2 and 0 < p["epsilon"] <= 40.0
    assert p["example_delta"] * (1 + math.exp(p["example_epsilon"])) <= 1e-5 * (1 + 1e-9)
    fifty = [{"persons": ["x" if i < 50 else f"p{i}"]} for i in range(60)]
    with pytest.raises(ValueError, match=r"unit in 50 examples is out of reach .* needs σ ≈"):
        plan(cfg, DpConfig(delta=1e-5, target_epsilon=1.0), fifty)
    with pytest.raises(ValueError, match="no epsilon for a unit in `group_size` = 50 examples"):
        plan(cfg, DpConfig(delta=1e-5, noise_multiplier=0.5), fifty)


def test_cpu_preset_dp_model_card_states_the_person(tiny, tmp_path):
    """`--preset cpu --dp`: the card states privacy unit person and k >= 2, and ε is the person's."""
    out = tmp_path / "cpu"
    rc = main(["finetune", "--preset", "cpu", "--model", str(tiny), "--set", "quantize=false", "--set", "max_steps=1",
               "--set", "lora_r=1", "--dp", "--target-epsilon", "8", "--out", str(out)])
    assert rc == 0
    p = json.loads((out / "sensaware_finetune.json").read_text())["dp"]
    assert p["privacy_unit"] == "person" and p["group_size"] >= 2
    assert p["delta"] == 1e-5  # min(1/(n ln n), 1e-5) at n = 224
    assert p["epsilon"] == pytest.approx(p["group_size"] * p["example_epsilon"]) and p["epsilon"] <= 8.0
    card = (out / "README.md").read_text()
    assert "privacy unit one **person**" in card and f"k = {p['group_size']}" in card


def test_default_delta():
    for n in (14, 224, 10**4):
        assert default_delta(n) == 1e-5
    assert default_delta(10**6) == pytest.approx(1 / (10**6 * math.log(10**6)))
    assert default_delta(10**6) * 10**6 < 0.1


def test_privacy_unit_refused_when_unknown(tiny, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["finetune", "--preset", "tiny", "--model", str(tiny), "--out", str(tmp_path / "o"), "--dp",
              "--noise-multiplier", "1", "--privacy-unit", "household"])
    assert exc.value.code == 2 and "--privacy-unit" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    rc = main(["finetune", "--preset", "tiny", "--model", str(tiny), "--out", str(tmp_path / "o"),
               "--privacy-unit", "example"])
    assert rc == 2 and "--privacy-unit need(s) --dp" in capsys.readouterr().err


def test_learning_rate_follows_the_recipe(tiny, tmp_path, monkeypatch):
    """A DP run honours lr_scheduler_type: constant keeps the rate at every step, linear decays it to lr/T."""
    seen = []
    step = torch.optim.AdamW.step

    def recording(self, *a, **k):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *a, **k)

    monkeypatch.setattr(torch.optim.AdamW, "step", recording)
    base = FinetuneConfig().updated({**PRESETS["tiny"], "model": str(tiny), "quantize": False, "max_steps": 4,
                                     "examples": 8, "lora_r": 1, "warmup_steps": 0, "learning_rate": 1e-2}, "test")
    for kind, expected in (("constant", [1e-2] * 4), ("linear", [1e-2, 7.5e-3, 5e-3, 2.5e-3])):
        seen.clear()
        dp_finetune(replace(base, lr_scheduler_type=kind), DpConfig(delta=1e-3, noise_multiplier=1.0,
                                                                     privacy_unit="example"), tmp_path / kind)
        assert seen == pytest.approx(expected)
