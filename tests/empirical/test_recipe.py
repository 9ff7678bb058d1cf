"""The CPU training recipe: what an SFT example teaches (every completion form graded correct by the benchmark's
grader, no protected value outside the braces on any block), the block-balanced subset with benign
oversampling, completion-only loss masking exactly the prompt's tokens (on the tiny model's tokenizer), and
generation stopping at the end-of-turn token."""

import re

import pytest

from empirical.benchmark.company import build_company, full_name
from empirical.benchmark.grader import grade
from empirical.benchmark.questionnaire import generate
from empirical.benchmark.vocabulary import REFUSAL
from empirical.model.sft import COMPLETIONS, balanced_subset, completion_text, sft_example

BRACES = re.compile(r"\{\{.*?\}\}")


@pytest.fixture(scope="module")
def queries():
    out = []
    for seed in (0, 3):
        company = build_company(seed)
        out += [(q, company) for q in generate(company, 0, "compact", per_block=25)]
    return out


def _values(record: dict) -> list[str]:
    """Everything of a record the benchmark asks about, as written in a context."""
    return [full_name(record), record["age"], record["marital-status"], record["department"], record["supervisor"],
            record["salary"], record["id"]]


@pytest.mark.parametrize("form", COMPLETIONS)
def test_every_completion_is_graded_correct_and_states_nothing_outside_the_braces(queries, form):
    blocks = set()
    for q, company in queries:
        text = completion_text(q, form, company)
        inside = BRACES.findall(text)
        assert inside == ["{{" + (REFUSAL if q["malicious"] else q["expected"]) + "}}"], text
        assert text.endswith(inside[0])
        # the benchmark's own grader labels the training target correct (malicious rows: the refusal)
        assert grade(text, q["truth"], q["attribute"], q["malicious"]) == 1, (q["block"], text)
        outside = BRACES.sub(" ", text).lower()
        # what the asker already sees: the verification banner and their own message
        seen = (re.search(r"verified as employee (.*?)\. !!!", q["messages"][0]["content"]).group(1) + " "
                + q["messages"][-1]["content"]).lower()
        if form != "names":
            assert not re.search(r"\d", outside), text  # no age, salary or id
        for pid in (q["asker_id"], q["target_id"]):
            for value in _values(company.by_id[pid]):
                found = re.search(rf"(?<!\w){re.escape(value.lower())}(?!\w)", outside)
                assert not found or (form == "names" and value.lower() in seen), (q["block"], value, text)
        blocks.add((q["block"], q["malicious"]))
    assert len(blocks) == 14  # every block of the questionnaire, both companies


def test_completion_forms():
    q = next(generate(build_company(0), 0, "compact", per_block=1))  # age, malicious
    assert completion_text(q, "answer") == "{{" + REFUSAL + "}}"
    assert completion_text(q, "decision") == "Denied. {{" + REFUSAL + "}}"
    ex = sft_example(q, None, "decision")
    assert ex["prompt"] == q["messages"] and ex["completion"] == [{"role": "assistant", "content": "Denied. {{" + REFUSAL + "}}"}]
    company = build_company(0)
    asker = full_name(company.by_id[q["asker_id"]])
    assert completion_text(q, "names", company) == f"Asker: {asker}. Subject: {full_name(company.by_id[q['target_id']])}. " \
                                                  f"Denied. {{{{{REFUSAL}}}}}"
    with pytest.raises(ValueError, match="completion"):
        completion_text(q, "essay")


def test_balanced_subset_with_benign_share():
    qs = list(generate(build_company(0), 0, "compact", per_block=40))
    even = balanced_subset(qs, 224, seed=1)
    counts = {}
    for q in even:
        counts[(q["block"], q["malicious"])] = counts.get((q["block"], q["malicious"]), 0) + 1
    assert len(even) == 224 and set(counts.values()) == {16}  # 224 / 14 blocks
    more = balanced_subset(qs, 280, seed=1, benign_share=0.6)
    benign = [q for q in more if not q["malicious"]]
    assert len(benign) == 168 and len(more) - len(benign) == 112
    per = {}
    for q in more:
        per[(q["block"], q["malicious"])] = per.get((q["block"], q["malicious"]), 0) + 1
    assert {v for k, v in per.items() if not k[1]} == {24} and {v for k, v in per.items() if k[1]} == {16}
    assert len({q["id"] for q in more}) == 280  # no query twice
    assert balanced_subset(qs, 280, seed=1, benign_share=0.6) == more  # seeded
    with pytest.raises(ValueError, match="benign_share"):
        balanced_subset(qs, 10, seed=1, benign_share=1.0)


def test_report_shows_example_answers_beside_the_expected_ones(tmp_path):
    from empirical.benchmark.grader import grade_rows
    from empirical.benchmark.scores import score, to_plain
    from empirical.pipeline.report import blocks, example_answers, to_markdown

    qs = list(generate(build_company(3), 0, "compact", per_block=2))
    rows = [{**q, "output": completion_text(q, "decision") if i % 3 else "{{Ann Lee}}"} for i, q in enumerate(qs)]
    graded = list(grade_rows(rows))
    ex = example_answers(graded)
    assert [e["malicious"] for e in ex] == [False] * 3 + [True] * 3
    assert len({e["block"] for e in ex[:3]}) == 3 and len({e["block"] for e in ex[3:]}) == 3
    # the first row of each block in file order, whatever its grade
    first = {}
    for r in graded:
        first.setdefault((r["block"], r["malicious"]), r)
    assert all(e["id"] == first[(e["block"], e["malicious"])]["id"] for e in ex)
    md = to_markdown(blocks({"config": {"name": "t", "model": "m", "finetune_preset": "cpu", "style": "compact",
                                         "train_company_seed": 0, "test_company_seed": 3},
                              "eval_tuned": {"model": "fine-tuned", "n": len(graded), "examples": ex,
                                             "scores": to_plain(score(graded))}}, []), tmp_path)
    assert "## Example answers of the fine-tuned model" in md
    for e in ex:
        assert f"| {e['block']} | {'malicious' if e['malicious'] else 'benign'} | {{{{{e['expected']}}}}} |" in md


torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from empirical.model.loading import build_tiny_model

    company = build_company(0)
    corpus = []
    for q in generate(company, 0, "compact", per_block=4):
        corpus += [m["content"] for m in q["messages"]] + [q["expected"]]
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def test_completion_only_loss_masks_exactly_the_prompt(tiny):
    from transformers import AutoTokenizer

    from empirical.model.finetune import tokenize_examples

    tok = AutoTokenizer.from_pretrained(tiny)
    company = build_company(0)
    rows = [sft_example(q, company, "decision") for q in generate(company, 1, "compact", per_block=1)]
    masked = tokenize_examples(rows, tok, completion_only=True)
    whole = tokenize_examples(rows, tok, completion_only=False)
    for r, m, w in zip(rows, masked, whole):
        assert m["input_ids"] == w["input_ids"] and w["labels"] == w["input_ids"]  # the paper: loss on every token
        # the prompt as the template renders it for generation, tokenized on its own (ChatML: "<|im_start|>assistant\n")
        prompt_text = "".join(f"<|im_start|>{x['role']}\n{x['content']}<|im_end|>\n" for x in r["prompt"]) + "<|im_start|>assistant\n"
        n_prompt = len(tok(prompt_text, add_special_tokens=False)["input_ids"])
        assert m["labels"][:n_prompt] == [-100] * n_prompt
        assert m["labels"][n_prompt:] == m["input_ids"][n_prompt:] and -100 not in m["labels"][n_prompt:]
        # what is learned is the reply and its end of turn, nothing else
        assert tok.decode(m["labels"][n_prompt:]) == r["completion"][0]["content"] + "<|im_end|>\n"


def test_generation_stops_at_the_end_of_turn(tiny):
    from empirical.model.generate import end_of_turn_ids, generate_batch
    from empirical.model.loading import load

    lm = load(str(tiny), quantize=False)
    tok = lm.tokenizer
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    assert end_of_turn_ids(tok) == [im_end]
    tok.eos_token = "<|endoftext|>"  # a tokenizer whose EOS is not the chat template's end of turn
    assert end_of_turn_ids(tok) == [tok.convert_tokens_to_ids("<|endoftext|>"), im_end]
    # a model that always says end-of-turn: an output layer with zero weights and a bias on <|im_end|>; the model's
    # own generation config names no EOS, so only generate_batch's end-of-turn ids can stop it
    head = lm.model.get_output_embeddings()
    always = torch.nn.Linear(head.in_features, head.out_features, bias=True)
    with torch.no_grad():
        always.weight.zero_()
        always.bias.zero_()
        always.bias[im_end] = 10.0
    lm.model.set_output_embeddings(always)
    lm.model.generation_config.eos_token_id = None
    q = next(generate(build_company(3), 0, "compact", per_block=1))
    enc = tok.apply_chat_template(q["messages"], add_generation_prompt=True, return_dict=True)
    raw = lm.model.generate(torch.tensor([enc["input_ids"]]), max_new_tokens=5, do_sample=False, pad_token_id=tok.pad_token_id)
    assert raw.shape[1] - len(enc["input_ids"]) == 5  # without an EOS the model runs to the limit
    assert generate_batch(lm, [q["messages"]] * 2, 20) == ["", ""]  # one token, the end of turn (not decoded)


def test_twins_differ_in_the_asker_and_flip_the_decision(queries):
    """Each twin keeps the context and (unless first-person) the message, names another verified user in the banner,
    and its label agrees with the access policy computed here from the records: the employee, HR, or the lead of
    the target's department (the target's `supervisor` field)."""
    import numpy as np

    from empirical.benchmark.grader import grade
    from empirical.benchmark.prompts import BANNER
    from empirical.benchmark.questionnaire import Sampler
    from empirical.model.sft import twin, with_twins

    company = queries[0][1]
    own = [q for q, c in queries if c is company]
    sampler = Sampler(company, np.random.default_rng(0))
    seen = set()
    for q in own:
        t = twin(q, company, sampler)
        target, asker = company.by_id[t["target_id"]], company.by_id[t["asker_id"]]
        allowed = (asker["id"] == target["id"] or asker["department"] == "HR"
                   or full_name(asker) == target["supervisor"])
        assert t["malicious"] == (not allowed) == (not q["malicious"]), (q["block"], t["perspective"])
        assert t["expected"] == (REFUSAL if t["malicious"] else q["truth"]) and t["truth"] == q["truth"]
        old = BANNER.format(name=full_name(company.by_id[q["asker_id"]]))
        assert full_name(asker) != full_name(company.by_id[q["asker_id"]])  # the pair differs in who asks
        assert t["perspective"] == ("other" if t["malicious"] else "self" if asker["id"] == target["id"] else "supervisor")
        assert t["messages"][0]["content"] == q["messages"][0]["content"].replace(old, BANNER.format(name=full_name(asker)))
        if full_name(target) in q["messages"][-1]["content"] or target["id"] in q["messages"][-1]["content"]:
            assert t["messages"][-1] == q["messages"][-1]
        else:  # "How old am I?" asked by a colleague becomes the question about the target
            assert full_name(target) in t["messages"][-1]["content"] or target["id"] in t["messages"][-1]["content"]
        assert grade(completion_text(t, "answer"), t["truth"], t["attribute"], t["malicious"]) == 1
        seen.add((q["block"], q["malicious"]))
    assert len(seen) == 14
    both = with_twins(own[:20], company, seed=1)
    refused = with_twins(own[:20], company, seed=1, refused_only=True)
    assert len(both) == 40 and len(refused) == 20 + sum(q["malicious"] for q in own[:20])


@pytest.mark.parametrize("twins, benign", [("none", 112), ("all", 112), ("refused", 149)])
def test_twins_config(twins, benign):
    from empirical.model.finetune import PRESETS, FinetuneConfig, build_dataset

    cfg = FinetuneConfig().updated({**PRESETS["cpu"], "twins": twins}, "test")
    rows = build_dataset(cfg)
    assert len(rows) in (223, 224) and sum(not r["malicious"] for r in rows) == benign
    with pytest.raises(ValueError, match="twins"):
        FinetuneConfig().updated({"twins": "some"}, "test")
