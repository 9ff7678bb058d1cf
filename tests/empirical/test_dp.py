"""DP-SGD on the LoRA parameters of the tiny 4-bit model: Opacus' per-example gradients against single-example
backward passes (the Opacus #820 trap), clipping, the noise's standard deviation on a zero-loss batch, the
certified ε against dp-accounting called directly, calibration, the adapter's DP record, and bad input."""

import json
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")
pytest.importorskip("opacus")
pytest.importorskip("bitsandbytes")

from empirical.benchmark.company import build_company  # noqa: E402
from empirical.benchmark.questionnaire import generate  # noqa: E402
from empirical.cli.main import main  # noqa: E402
from empirical.model.dp import (  # noqa: E402
    DpConfig,
    dp_finetune,
    per_example_loss,
    private_gradient,
    wrap,
)
from empirical.model.finetune import PRESETS, FinetuneConfig, PadCollator, lora_config  # noqa: E402
from empirical.model.loading import build_tiny_model, load_model  # noqa: E402
from theory import dpsgd_calibrate, dpsgd_unit_guarantee  # noqa: E402


def _accountant_epsilon(sigma: float, q: float, steps: int, delta: float) -> float:
    """dp-accounting's own PLD accountant, called directly (replace-one, its default interval 1e-4)."""
    import dp_accounting
    from dp_accounting import pld

    acc = pld.PLDAccountant(dp_accounting.NeighboringRelation.REPLACE_ONE, value_discretization_interval=1e-4)
    acc.compose(dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps))
    return acc.get_epsilon(delta)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    corpus = []
    for q in generate(build_company(0), 0, "compact", per_block=4):
        corpus += [m["content"] for m in q["messages"]] + [q["expected"]]
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


@pytest.fixture(scope="module")
def lora4bit(tiny):
    """The tiny model in 4-bit NF4 with LoRA on all seven projections, lora_B randomised (at its zero
    initialisation lora_A's gradients vanish and would compare trivially)."""
    from peft import get_peft_model

    cfg = FinetuneConfig().updated({**PRESETS["tiny"], "model": str(tiny), "quantize": True}, "test")
    model, tok = load_model(str(tiny), quantize=True)
    model = get_peft_model(model, lora_config(cfg))
    torch.manual_seed(0)
    for n, p in model.named_parameters():
        if "lora_B" in n:
            torch.nn.init.normal_(p, std=0.05)
    model.train()
    texts = ["name: Ann Lee; marital status: Divorced", "salary: 50000; age: 33", "who supervises A0001? Please answer."]
    feats = []
    for t in texts:
        ids = tok(t)["input_ids"]
        feats.append({"input_ids": ids, "labels": list(ids)})
    return model, wrap(model), PadCollator(tok.pad_token_id), feats


def _single_gradients(model, params, collate, feats):
    out = []
    for f in feats:
        loss = per_example_loss(model, collate([f])).sum()
        out.append(torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)]))
    return torch.stack(out)


def test_per_example_gradients_equal_single_backward_passes(lora4bit):
    model, gsm, collate, feats = lora4bit
    params = [p for p in model.parameters() if p.requires_grad]
    assert len(params) == 2 * 7 * 2  # two layers × seven projections × (A, B): every LoRA tensor has a gradient sample
    step = private_gradient(gsm, params, collate(feats), max_grad_norm=1e6, noise_multiplier=0.0, expected_batch_size=3)
    single = _single_gradients(model, params, collate, feats)
    assert step.per_example.shape == single.shape
    assert single.abs().max() > 1e-3  # not trivially zero
    assert torch.allclose(step.per_example, single, rtol=1e-4, atol=1e-6)
    # with no clipping and no noise the step's gradient is the mean of the single-example gradients
    assert torch.allclose(step.gradient, single.sum(0) / 3, rtol=1e-4, atol=1e-7)


def test_clipping(lora4bit):
    model, gsm, collate, feats = lora4bit
    params = [p for p in model.parameters() if p.requires_grad]
    single = _single_gradients(model, params, collate, feats)
    c = float(single.norm(dim=1).median())  # clips some examples, not all
    step = private_gradient(gsm, params, collate(feats), max_grad_norm=c, noise_multiplier=0.0, expected_batch_size=4)
    assert torch.all(step.clipped_norms <= c * (1 + 1e-5))
    expected = sum(g * min(1.0, c / float(g.norm())) for g in single) / 4
    assert torch.allclose(step.gradient, expected, rtol=1e-4, atol=1e-8)
    written = torch.cat([p.grad.reshape(-1) for p in params])
    assert torch.allclose(written, step.gradient)


def test_noise_std_on_zero_loss_batch(lora4bit):
    model, gsm, collate, feats = lora4bit
    params = [p for p in model.parameters() if p.requires_grad]
    batch = collate(feats)
    batch["labels"][:] = -100  # every token ignored: loss 0, gradient 0, the update is the noise alone
    sigma, c, b = 1.3, 0.7, 5
    step = private_gradient(gsm, params, batch, max_grad_norm=c, noise_multiplier=sigma, expected_batch_size=b)
    assert float(step.norms.max()) == 0.0
    n = step.gradient.numel()
    assert n > 5000
    # sample std of n iid normals: relative standard error ≈ 1/sqrt(2n) < 1%
    assert float(step.gradient.std()) == pytest.approx(sigma * c / b, rel=0.04)
    assert abs(float(step.gradient.mean())) < 4 * sigma * c / b / math.sqrt(n)


@pytest.mark.parametrize("sigma,q,steps,delta", [(1.1, 0.01, 100, 1e-5), (0.8, 0.25, 12, 1e-3), (2.0, 0.5, 40, 1e-4)])
def test_certified_epsilon_equals_dp_accounting(sigma, q, steps, delta):
    """One PLD (theory.dpsgd_pld) against dp-accounting's accountant: the same construction up to the FFT truncation
    (within 1e-7 relative at these settings; where theory's grid is coarser, its ε is the larger)."""
    got = dpsgd_unit_guarantee(noise_multiplier=sigma, sampling_rate=q, steps=steps, delta=delta).epsilon
    assert got == pytest.approx(_accountant_epsilon(sigma, q, steps, delta), rel=1e-6)


def test_calibration_reaches_target_with_the_smallest_sigma():
    sigma = dpsgd_calibrate(target_epsilon=2.0, sampling_rate=0.25, steps=12, delta=1e-3)
    assert _accountant_epsilon(sigma, 0.25, 12, 1e-3) <= 2.0 * (1 + 1e-6)
    assert _accountant_epsilon(sigma - 0.01, 0.25, 12, 1e-3) > 2.0


def test_dp_finetune_writes_the_guarantee(tiny, tmp_path):
    """Privacy unit 'example': the accountant's per-example ε, k = 1; the LoRA learning rate follows the recipe's
    scheduler (constant here, where the old loop always decayed linearly)."""
    cfg = FinetuneConfig().updated({**PRESETS["tiny"], "model": str(tiny), "quantize": True, "max_steps": 3,
                                    "examples": 8, "per_device_train_batch_size": 2,
                                    "lr_scheduler_type": "constant"}, "test")
    summary = dp_finetune(cfg, DpConfig(delta=1e-2, noise_multiplier=1.0, max_grad_norm=0.5, privacy_unit="example"),
                          tmp_path / "a")
    p = summary["dp"]
    assert (p["steps"], p["sampling_rate"], p["noise_multiplier"], p["max_grad_norm"]) == (3, 0.25, 1.0, 0.5)
    assert (p["privacy_unit"], p["group_size"]) == ("example", 1)
    assert p["epsilon"] == pytest.approx(_accountant_epsilon(1.0, 0.25, 3, 1e-2), rel=1e-6)
    assert "mean_batch_size" not in summary and "os.urandom" in p["randomness"]
    out = tmp_path / "a"
    assert (out / "adapter_config.json").is_file()
    stored = json.loads((out / "sensaware_finetune.json").read_text())
    assert stored["dp"]["epsilon"] == p["epsilon"] and 0 < stored["dp"]["sa_bound"]["success_bound"] <= 1
    card = (out / "README.md").read_text()
    assert "Differential privacy" in card and f"{p['epsilon']:.4g}" in card and "σ = 1" in card
    assert "privacy unit one training **example**" in card


@pytest.mark.parametrize("extra,needle", [
    (["--target-epsilon", "0.001", "--delta", "1e-3"], "needs σ ≈"),
    (["--noise-multiplier", "1.0", "--delta", "0.2"], "1/n"),
    (["--noise-multiplier", "1.0", "--delta", "1e-3", "--max-grad-norm", "0"], "max-grad-norm"),
    (["--delta", "1e-3"], "exactly one of"),
])
def test_bad_dp_input_exits_2_without_adapter(tiny, tmp_path, capsys, extra, needle):
    out = tmp_path / "out"
    rc = main(["finetune", "--preset", "tiny", "--model", str(tiny), "--out", str(out), "--set", "examples=8", "--dp", *extra])
    assert rc == 2
    assert needle in capsys.readouterr().err
    assert not (out / "adapter_config.json").exists()


def test_dp_flags_without_dp_are_refused(tiny, tmp_path, capsys):
    rc = main(["finetune", "--preset", "tiny", "--model", str(tiny), "--out", str(tmp_path / "o"), "--target-epsilon", "1"])
    assert rc == 2 and "need(s) --dp" in capsys.readouterr().err
