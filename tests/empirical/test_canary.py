"""Canary data and the two adversaries: uniform independent values, k copies in the training text, the AI
adversary's log-likelihoods against transformers' own loss, the SA adversary's decoding (refusal → the prior's
guess), the audit entry, and bad input."""

import numpy as np
import pytest

from empirical.audit.canary import (
    ai_adversary,
    canary_audit,
    facts,
    make_canaries,
    read_canaries,
    sa_adversary,
    streams,
    training_rows,
    write_canaries,
)
from empirical.audit.one_run import one_run_epsilon_lb
from empirical.benchmark.company import build_company
from empirical.benchmark.vocabulary import REFUSAL


@pytest.fixture(scope="module")
def company():
    return build_company(0)


def test_canaries_uniform_independent_and_new(company):
    from scipy.stats import chisquare

    cs = make_canaries(company, 2100, seed=5)
    again = make_canaries(company, 2100, seed=5)
    # hosts and names follow the seed; the values do not (OS entropy): 2,100 values equal by chance with p = 7^-2100
    assert [(c.record["id"], c.record["first_name"], c.record["department"]) for c in cs] == \
        [(c.record["id"], c.record["first_name"], c.record["department"]) for c in again]
    assert [c.value for c in cs] != [c.value for c in again]
    assert not {c.record["id"] for c in cs} & set(company.by_id)
    counts = np.bincount([c.value for c in cs], minlength=7)
    assert chisquare(counts).pvalue > 1e-3  # uniform on the G = 7 values
    assert all(c.record["marital-status"] in facts(c.record)[-1] for c in cs[:20])


def test_canary_values_ignore_every_seed(company):
    """Seeding numpy's and torch's global generators and passing the same seed does not repeat the values."""
    import random

    draws = []
    for _ in range(2):
        np.random.seed(0)
        random.seed(0)
        draws.append([c.value for c in make_canaries(company, 40, seed=0)])
    assert draws[0] != draws[1]  # equal by chance with p = 7^-40


def test_streams_are_separate(company):
    """Hosts, names and rows come from separate streams: the rows' employees do not change with the number of
    canaries drawn before them, and the streams' first draws differ."""
    s = streams(0)
    assert len({int(g.integers(2**62)) for g in s.values()}) == 3
    few, many = make_canaries(company, 2, seed=0), make_canaries(company, 30, seed=0)
    employees = sorted(r["id"] for r in training_rows(company, few, repeats=1, employees=10, seed=0)
                       if not r["id"].startswith("CN"))
    assert employees == sorted(r["id"] for r in training_rows(company, many, repeats=1, employees=10, seed=0)
                               if not r["id"].startswith("CN"))


def test_canaries_repeated_k_times(company):
    cs = make_canaries(company, 5, seed=1)
    rows = training_rows(company, cs, repeats=3, employees=10, seed=0)
    texts = [(r["id"], r["completion"][0]["content"]) for r in rows]
    for c in cs:
        assert texts.count((c.record["id"], " ".join(facts(c.record)))) == 3
    assert len(rows) == 10 + 5 * 3  # one row per employee, k rows per canary
    assert all(r["persons"] == [r["id"]] for r in rows)
    sensitive = training_rows(company, cs, repeats=3, employees=10, seed=0, canary_facts="sensitive")
    assert len(sensitive) == 10 + 5 * 3  # the canaries' marital statements only, k times each
    assert sum(r["completion"][0]["content"].startswith("Marital status:") for r in sensitive if r["id"].startswith("CN")) == 15
    with pytest.raises(ValueError, match="canary_facts"):
        training_rows(company, cs, repeats=1, employees=0, seed=0, canary_facts="some")


def test_canaries_file_round_trip(company, tmp_path):
    import stat

    cs = make_canaries(company, 4, seed=0)
    run_id = write_canaries(tmp_path / "canaries.json", cs, seed=0, company_seed=0)
    assert stat.S_IMODE((tmp_path / "canaries.json").stat().st_mode) == 0o600  # a secret: its owner only
    back, rid = read_canaries(tmp_path / "canaries.json", 4, seed=0, company_seed=0)
    assert rid == run_id and len(run_id) == 32
    assert [(c.record, c.value) for c in back] == [(c.record, c.value) for c in cs]
    # drawn for another count, seed or company: not this run's canaries
    for m, seed, cseed in ((5, 0, 0), (4, 1, 0), (4, 0, 3)):
        assert read_canaries(tmp_path / "canaries.json", m, seed=seed, company_seed=cseed) is None
    assert read_canaries(tmp_path / "none.json", 4, seed=0, company_seed=0) is None


def test_too_many_canaries(company):
    with pytest.raises(ValueError, match="more than the company can host"):
        make_canaries(company, len(company.employees) + 1, seed=0)


class _Backend:
    name = model_id = "stub"
    adapter = None

    def __init__(self, answers):
        self.answers = list(answers)

    def generate_batch(self, messages, max_new_tokens):
        out, self.answers = self.answers[:len(messages)], self.answers[len(messages):]
        return out


def test_sa_adversary_decodes_and_refusal_is_the_prior_guess(company):
    cs = make_canaries(company, 3, seed=2)
    guesses, conf, refusals = sa_adversary(_Backend(["Denied. {{Divorced}}", "Denied. {{" + REFUSAL + "}}", "no idea"]),
                                           company, cs, batch_size=2)
    assert guesses.tolist() == [2, 0, 0] and conf.tolist() == [1.0, 0.0, 0.0] and refusals == pytest.approx(2 / 3)


def test_audit_entry():
    rng = np.random.default_rng(0)
    truths = rng.integers(0, 7, 60)
    scores = rng.normal(size=(60, 7))
    scores[np.arange(60), truths] += 10  # every guess right
    guesses, conf = ai_adversary(scores)
    e = canary_audit("ai", guesses, conf, truths, delta=1e-5, epsilon=2.0)
    assert e["success"] == 1.0 and e["correct"] == e["guesses"] == 60
    assert e["epsilon_lower_bound"] == pytest.approx(one_run_epsilon_lb(canaries=60, guesses=60, correct=60, delta=1e-5,
                                                                        groups=7), abs=1e-9)
    assert e["verdict"] == "violated"  # 60/60 at G = 7 is impossible for ε = 2
    assert {"epsilon", "delta", "groups", "canaries", "adversary", "guesses", "correct", "epsilon_lower_bound"} <= set(e)


def test_centred_adversary_removes_the_shared_prior():
    """A model that prefers one value for every canary (a prior of 5 nats on value 3) and 1 nat more for each canary's
    own value: the raw argmax guesses 3 everywhere (right only where the value is 3); the centred scores find every
    value, and are a permutation-equivariant function of the scores (no value is read from elsewhere)."""
    rng = np.random.default_rng(1)
    truths = np.tile(np.arange(7), 4)
    rng.shuffle(truths)
    scores = np.full((28, 7), -20.0)
    scores[:, 3] += 5.0
    scores[np.arange(28), truths] += 1.0
    raw, _ = ai_adversary(scores)
    assert set(raw.tolist()) == {3} and (raw == truths).sum() == 4
    centred, conf = ai_adversary(scores, centred=True)
    assert (centred == truths).all()
    # centred margin: own value 1 − 1/7·(4 canaries' +1 over 28) … every canary's margin is the same 1.0 here
    assert conf == pytest.approx(np.ones(28))
    perm = rng.permutation(28)
    assert (ai_adversary(scores[perm], centred=True)[0] == centred[perm]).all()


def test_ai_scores_equal_transformers_loss(company, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from empirical.audit.canary import PROMPT, SYSTEM, ai_scores
    from empirical.benchmark.company import full_name
    from empirical.model.loading import build_tiny_model, load

    cs = make_canaries(company, 2, seed=3)
    corpus = [f for c in cs for f in facts(c.record)] + [PROMPT, SYSTEM] * 3
    lm = load(str(build_tiny_model(tmp_path / "tiny", corpus, vocab_size=300, hidden=32, layers=1)), quantize=False)
    s = ai_scores(lm, cs, batch_size=5)
    assert s.shape == (2, 7)
    tok, c, v = lm.tokenizer, cs[1], 4
    lab = "Widowed"
    assert lab == ["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed", "Married-spouse-absent",
                   "Married-AF-spouse"][v]
    prompt = [{"role": "system", "content": SYSTEM},
              {"role": "user", "content": PROMPT.format(name=full_name(c.record), id=c.record["id"])}]
    stmt = facts({**c.record, "marital-status": lab})[-1]
    p_ids = tok.apply_chat_template(prompt, tokenize=True, add_generation_prompt=True, return_dict=True)["input_ids"]
    f_ids = tok.apply_chat_template(prompt + [{"role": "assistant", "content": stmt}], tokenize=True,
                                    return_dict=True)["input_ids"]
    ids = torch.tensor([list(f_ids)])
    labels = ids.clone()
    labels[0, :len(p_ids)] = -100
    with torch.no_grad():
        loss = lm.model(input_ids=ids, labels=labels).loss  # mean over the completion tokens
    assert s[1, v] == pytest.approx(-float(loss) * (len(f_ids) - len(p_ids)), rel=1e-4)
