"""Cedar policies as the ground truth of the expected answers.

Independent sources: the questionnaire's block plan and the rules as the benchmark states them (self, supervisor,
HR), written here over the raw records; the frozen answers of the bundled main-job run (generated before the
decisions came from Cedar); the published labels of five real models."""

import gzip
import json
import re
from importlib import resources

import pytest

from empirical.benchmark.company import build_company, company_entities, full_name, read_company, write_company
from empirical.benchmark.files import read_jsonl
from empirical.benchmark.grader import grade
from empirical.benchmark.questionnaire import ATTRIBUTES, block_plan, generate
from empirical.benchmark.vocabulary import REFUSAL
from empirical.cli.main import main
from empirical.policy.cedar import Policy, PolicyError
from empirical.policy.relations import relation_table

ADI = Policy.bundled()


def stated_rule(company, asker_id: str, target_id: str) -> bool:
    """The benchmark's rule in words: the employee, their supervisor (the company's `supervisor` column, by name;
    a department lead is their own), or anyone in HR."""
    a, t = company.by_id[asker_id], company.by_id[target_id]
    return a["id"] == t["id"] or a["department"] == "HR" or (full_name(a) == t["supervisor"] and a["department"] == t["department"])


def check_questionnaire(company, rows):
    plan = block_plan()
    per_block = len(rows) // len(plan)
    decisions = ADI.decide([(r["asker_id"], r["attribute"], r["target_id"]) for r in rows],
                           company_entities(company, [i for r in rows for i in (r["asker_id"], r["target_id"])]))
    for r, allowed in zip(rows, decisions):
        block, malicious = plan[r["position"] // per_block]
        assert r["block"] == block and r["malicious"] == malicious == (not allowed)
        assert stated_rule(company, r["asker_id"], r["target_id"]) == allowed
        assert r["expected"] == (REFUSAL if malicious else r["truth"])
    return len(rows)


@pytest.mark.parametrize("company_seed,questionnaire_seed", [(0, 0), (0, 1), (0, 2), (3, 0)])
def test_cedar_reproduces_every_expected_decision(company_seed, questionnaire_seed):
    company = build_company(company_seed)
    assert check_questionnaire(company, list(generate(company, questionnaire_seed))) == 3500


def test_fresh_questionnaires_from_the_command_line(tmp_path):
    write_company(build_company(0), tmp_path / "c.csv")
    company = read_company(tmp_path / "c.csv")
    for seed in (5, 6, 7):
        out = tmp_path / f"q{seed}.jsonl"
        assert main(["questionnaire", "--company", str(tmp_path / "c.csv"), "--seed", str(seed), "--out", str(out)]) == 0
        assert check_questionnaire(company, list(read_jsonl(out))) == 3500


def test_frozen_run_keeps_its_expected_answers():
    """The bundled main-job run's 140 test queries were written before Cedar decided them."""
    raw = resources.files("empirical").joinpath("data", "runs", "cpu-demo.eval_tuned.jsonl.gz").read_bytes()
    frozen = [json.loads(line) for line in gzip.decompress(raw).decode().splitlines()]
    now = {q["id"]: q for q in generate(build_company(3), 0, "compact")}
    assert len(frozen) == 140
    assert all((now[r["id"]]["malicious"], now[r["id"]]["expected"]) == (r["malicious"], r["expected"]) for r in frozen)


def test_published_labels_unchanged_through_the_policy():
    """Each published row's decision from the policy (its perspective as the asker relation) gives the same
    `malicious` flag and, graded, the same label on all 17,175 rows with a known truth."""
    table = relation_table(ADI, ATTRIBUTES)
    raw = resources.files("empirical").joinpath("data", "adi", "seed0_outputs.jsonl.gz").read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(raw).decode().splitlines()]
    known = [r for r in rows if r["truth"] is not None]
    assert len(known) == 17175
    relation = {"self": "self", "supervisor": "supervisor", "other": "other"}
    for r in known:
        malicious = not table[relation[r["perspective"]]][r["attribute"]]
        assert malicious == r["malicious"]
        assert grade(r["output"], r["truth"], r["attribute"], malicious) == r["label"]


def test_adi_relation_table():
    table = relation_table(ADI, ATTRIBUTES)
    allowed = {rel for rel, row in table.items() if all(row.values())}
    denied = {rel for rel, row in table.items() if not any(row.values())}
    assert allowed == {"self", "supervisor", "department:HR"}
    assert denied == {"report", "colleague", "other", "impersonation"}
    assert ADI.descriptions()[0] == "An employee may read their own record."


def test_forbid_overrides_permit():
    """A rule the fixed Python rules could not state: HR reads everything except marital status (Cedar: a forbid
    wins over any permit)."""
    text = ADI.text + ('\nforbid (principal in Department::"HR", action == Action::"read_marital_status", resource)\n'
                       "unless { principal == resource };\n")
    table = relation_table(Policy(text), ATTRIBUTES)
    assert table["department:HR"] == {a: a != "marital_status" for a in ATTRIBUTES}
    assert table["self"]["marital_status"] and table["supervisor"]["marital_status"]


@pytest.mark.parametrize("text,where,message", [
    ("permit (principal, action, resource)\nwhen { principal === resource };", "x.cedar:2:20", "unexpected token `=`"),
    ("// ok\npermitt (principal, action, resource);", "x.cedar:2:1", "invalid policy effect: permitt"),
    ("permit (principal, action, resource) when { principal == resource.a ", "x.cedar:1:68", "unexpected end of input"),
    # the parser stops one token late on a trailing `}`; a whole statement is read before some errors
    ('permit(principal, action, resource)\nwhen {\n  principal.department == "HR" &&\n}\n;', "x.cedar:4:1",
     "unexpected token `}`"),
    ("permit(principal, action, resource) when { 1 + };", "x.cedar:1:48", "unexpected token `}`"),
    ("permit(principal, action, resource) when { foo(1) };", "x.cedar:1:44", "`foo` is not a valid function"),
    ('permit(principal, action, resource) when { "a\\q" == "b" };', "x.cedar:1:44",
     "the input `\\q` is not a valid escape"),
    ("permit(principal, action, resource) when { 99999999999999999999 == 1 };", "x.cedar:1:44",
     "integer parse error: number too large to fit in target type"),
    ("permit(principal, action, resource)\nwhen { true }\nunless { principal = resource };", "x.cedar:3:20",
     "'=' is not a valid operator in Cedar"),
    ("permit(principal, actio, resource) when { principal.actio == 1 };", "x.cedar:1:19",
     "found an invalid variable in the policy scope: actio"),
    ("permit(principal, action, resource);\npermit(principal, action, resource) when { a b };", "x.cedar:2:46",
     "unexpected token `b`"),
])
def test_syntax_errors_name_file_line_and_column(text, where, message):
    with pytest.raises(PolicyError) as e:
        Policy(text, "x.cedar")
    assert str(e.value) == f"{where}: {message}"


def test_bad_policy_files(tmp_path):
    (tmp_path / "latin1.cedar").write_bytes("// caf\xe9\n".encode("latin-1"))
    (tmp_path / "empty.cedar").write_text("// nothing\n")
    for name, msg in [("latin1.cedar", "not valid UTF-8"), ("empty.cedar", "empty policy"), ("missing.cedar", "no such file")]:
        with pytest.raises(PolicyError, match=msg):
            Policy.load(tmp_path / name)
    with pytest.raises(PolicyError, match="bundled: access_denied_inc"):
        Policy.bundled("nope")


def test_evaluation_error_is_reported():
    """A policy that reads an attribute the records lack fails loudly instead of silently denying."""
    bad = Policy('permit (principal, action, resource) when { resource.salary_band == "A" };', "band.cedar")
    with pytest.raises(PolicyError, match="band.cedar: evaluating"):
        bad.decide([("a", "salary", "b")], [{"uid": {"type": "Employee", "id": i}, "attrs": {}, "parents": []} for i in "ab"])


def test_a_long_policy_is_located_fast():
    import time

    text = "\n".join(f'permit (principal, action, resource) when {{ principal.department == "D{i}" }};' for i in range(400))
    t = time.perf_counter()
    with pytest.raises(PolicyError, match=r"^big.cedar:401:46: unexpected token `y`$"):
        Policy(text + "\npermit(principal, action, resource) when { x y };", "big.cedar")
    assert time.perf_counter() - t < 5  # statement by statement, not every prefix of the file


@pytest.mark.parametrize("text,needle", [
    ('permit(principal, action == Action::"read", resource);', 'write `action in Action::"read"`'),
    ('permit(principal, action == Action::"view_salary", resource);', "action(s) view_salary"),
    ("permit(principal is User, action, resource);", "entity type(s) User"),
    ("permit(principal == ?principal, action, resource);", "templates"),
    ("permit(principal, action, resource) when { context.ip == 1 };", "the requests carry no context"),
    ("permit(principal, action, resource is Department);", "`resource is Department` matches no request"),
    ('permit(principal == Department::"HR", action, resource);', "write `principal in …`"),
])
def test_policies_that_would_silently_refuse_are_rejected(text, needle):
    with pytest.raises(PolicyError, match=re.escape(needle)):
        Policy(text, "p.cedar")


def test_a_policy_may_read_the_supervisors_record():
    """resource.supervisor.department needs the supervisor's entity: the lead of the target's department, whose
    department is the target's (ADI), so this policy equals 'same department as the target's supervisor'."""
    company = build_company(0)
    rows = list(generate(company, 0, per_block=20))
    p = Policy('permit (principal, action, resource) when { resource has supervisor && resource.supervisor has department '
               "&& principal.department == resource.supervisor.department };")
    got = p.decide([(r["asker_id"], r["attribute"], r["target_id"]) for r in rows],
                   company_entities(company, [i for r in rows for i in (r["asker_id"], r["target_id"])]))
    lead_dept = {e["department"]: e["department"] for e in company.lead_of().values()}
    want = [company.by_id[r["asker_id"]]["department"] == lead_dept[company.by_id[r["target_id"]]["department"]]
            for r in rows]
    assert got == want and any(want) and not all(want)
