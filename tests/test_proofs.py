"""proofs/: the Coq library passes the proof check (only the standard real-number axioms, every constant
checked), every planted cheat fails it, the theorem table is current and honest, and the sympy certificates
hold (and can fail).

The check itself is empirical.verify.check_proofs; these tests plant each cheat in a copy of proofs/ and
assert that the check fails, and which of its layers caught it."""

import os
import re
import shutil
from pathlib import Path

import pytest
import sympy as sp

from empirical.verify import (
    STATEMENTS,
    assumption_problems,
    check_proofs,
    coqchk_problems,
    declared_names,
    forbidden_in_sources,
    parse_assumptions,
    pinned,
    read_statements,
    strip_comments,
    verify,
)
from theory import certificates
from theory.symbols import DELTA, EPS
from theory.theorems import THEOREMS, markdown_table

ROOT = Path(__file__).resolve().parents[1]
PROOFS = ROOT / "proofs"
#: The axioms of the standard library's classical Dedekind reals (Coq 8.16), typed here independently of
#: empirical.verify: the compiled library must use exactly these.
EXPECTED_AXIOMS = {"ClassicalDedekindReals.sig_forall_dec", "ClassicalDedekindReals.sig_not_dec",
                   "FunctionalExtensionality.functional_extensionality_dep", "Classical_Prop.classic"}
#: CI (the env var CI set) re-checks the standard library too with coqchk; elsewhere only SensAware.*.
FULL_COQCHK = bool(os.environ.get("CI")) or bool(os.environ.get("SENSAWARE_FULL_COQCHK"))


def _need_coq():
    if any(shutil.which(t) is None for t in ("coqc", "coqdep", "coqchk")):
        if os.environ.get("CI"):
            pytest.fail("Coq missing in CI: .ci/run must install it (apt-get install coq libcoq-stdlib)")
        pytest.skip("Coq not installed (apt-get install coq libcoq-stdlib); CI fails here instead of skipping")


# ---------------------------------------------------------------- the layers, without Coq


def test_sources_have_no_forbidden_vernacular():
    assert forbidden_in_sources(PROOFS) == []


def test_the_scan_reads_comments_and_strings_as_coq_does(tmp_path):
    (tmp_path / "Bad.v").write_text(
        "(* Admitted in a comment is fine (* nested: Axiom *) still a comment: Parameter *)\n"
        "Definition s := \"(*\". Axiom cheat : False. (* *)\n"   # the string does not open a comment
        "Definition t := \"Axiom \"\" Admitted\".\n"               # inside a string (with an escaped quote): fine
        "Lemma x : True. Admitted.\n"
        "Local Unset Guard Checking.\n"
        "#[bypass_check(guard)] Fixpoint f (n : nat) : nat := f n.\n"
        "Admit Obligations.\n")
    assert forbidden_in_sources(tmp_path) == [
        "Bad.v:2: Axiom", "Bad.v:4: Admitted", "Bad.v:5: Unset", "Bad.v:6: bypass_check", "Bad.v:7: Admit"]
    (tmp_path / "Bad.v").write_text("Lemma \u03b5_cheat : True. Proof. exact I. Qed.\n")
    assert declared_names(tmp_path) == ["SensAware.Bad.\u03b5_cheat"]


def test_the_scan_lexes_strings_inside_comments_as_coq_does(tmp_path):
    """Coq lexes a string inside a comment too: `(* "(*" *)` is one whole comment (the string hides its `(*`)
    and `(* "*)" *)` another (the string hides its `*)`), so the code between them is code."""
    assert strip_comments('(* "(*" *) Hypothesis cheat : False. (* "*)" *)').strip() == "Hypothesis cheat : False."
    assert strip_comments('(* "a""*)" *) Axiom x.').strip() == "Axiom x."  # "" escapes a quote in a comment's string
    assert strip_comments('(* (* "*)" *) Axiom x. *) Lemma y.').strip() == "Lemma y."  # nested, with a string
    assert strip_comments('Definition s := "a"" (* Axiom". Lemma y.').split() == ["Definition", "s", ":=", ".", "Lemma", "y."]
    (tmp_path / "Bad.v").write_text(
        'Section Cheat.\n(* "(*" *) Hypothesis cheat : False. (* "*)" *)\n'
        "Theorem t : False. Proof. destruct cheat. Qed.\nEnd Cheat.\n"
        '(* "*)" *) Axiom other : False.\n'
        '(* "a""*)" *) Parameter p : False.\n'
        '(* "(*" "" *) Conjecture c : False. (* " *)\n'
        '" *)\n')
    assert forbidden_in_sources(tmp_path) == [
        "Bad.v:2: Hypothesis", "Bad.v:5: Axiom", "Bad.v:6: Parameter", "Bad.v:7: Conjecture"]


def test_the_scan_allows_only_the_proofs_requires_and_no_kernel_flags(tmp_path):
    (tmp_path / "Model.v").write_text("Definition T : Set := nat.\n")
    (tmp_path / "Bad.v").write_text(
        "Require Import Reals Lra Lia.\nRequire Import SensAware.Model.\nRequire Import List.\n"  # allowed
        "Set Implicit Arguments.\nInductive t : Set := A | B.\nDefinition u : Set\n  := nat.\n"     # allowed
        "Require Import Coq.Logic.ClassicalEpsilon.\n"       # line 8: an axiom the proofs do not use
        "From Coq Require Import Classical.\n"              # line 9
        "Require Export Reals\n  ClassicalEpsilon.\n"        # line 10: one bad target among good ones
        "Require SensAware.Other.\n"                        # line 12: not a module of this library
        "Set Definitional UIP.\n"                           # line 13: a kernel flag
        "Local Set Warnings \"-all\".\n"                    # line 14
        "Class Cheat := cheat : False.\nDeclare Instance c : Cheat.\n"  # line 16
        "Declare Module M : Cheat.\n")                      # line 17
    assert forbidden_in_sources(tmp_path) == [
        "Bad.v:9: From", "Bad.v:13: Set Definitional", "Bad.v:14: Set Warnings", "Bad.v:16: Declare",
        "Bad.v:17: Declare",
        "Bad.v:8: Require Import Coq.Logic.ClassicalEpsilon.", "Bad.v:9: From Coq Require Import Classical.",
        "Bad.v:10: Require Export Reals ClassicalEpsilon.", "Bad.v:12: Require SensAware.Other."]
    assert forbidden_in_sources(PROOFS) == []


def test_every_declared_constant_is_found():
    names = declared_names(PROOFS)
    assert len(names) == len(set(names)) > 50
    for must in ("SensAware.TightGary.tight_gary", "SensAware.Model.dp_test", "SensAware.Sums.argmax",
                 "SensAware.GroupPrivacy.geom", "SensAware.Model.law"):
        assert must in names


STANDARD_BLOCK = """Axioms:
ClassicalDedekindReals.sig_not_dec : forall P : Prop, {~ ~ P} + {~ P}
ClassicalDedekindReals.sig_forall_dec
  : forall P : nat -> Prop,
    {n : nat | ~ P n} + {forall n : nat, P n}
FunctionalExtensionality.functional_extensionality_dep
  : forall (A : Type) (B : A -> Type) (f g : forall x : A, B x),
    (forall x : A, f x = g x) -> f = g
Classical_Prop.classic : forall P : Prop, P \\/ ~ P
"""


@pytest.mark.parametrize("extra", [
    "cheat : False",                                   # a top-level Hypothesis/Variable/Context
    "SensAware.DpToTv.cheat : False",                  # an Axiom/Parameter/Conjecture
    "loop is assumed to be guarded.",                  # Unset Guard Checking
    "ClassicalEpsilon.constructive_indefinite_description\n  : forall (A : Type) (P : A -> Prop), "
    "(exists x : A, P x) -> {x : A | P x}",            # a standard-library axiom that is not the reals'
])
def test_assumption_check_rejects_anything_else(extra):
    assert assumption_problems(STANDARD_BLOCK, 1) == []
    assert assumption_problems("Closed under the global context\n", 1) == []
    assert assumption_problems(STANDARD_BLOCK + extra + "\n", 1) != []
    assert assumption_problems(STANDARD_BLOCK, 2) != []  # a missing block fails too
    assert assumption_problems("Axioms:\n  : False\n", 1) != []  # a type with no standard axiom above it
    assert parse_assumptions(STANDARD_BLOCK) == {0: EXPECTED_AXIOMS}


SUMMARY = """
CONTEXT SUMMARY
===============

* Theory: Set is predicative

* Axioms:
    Coq.Logic.FunctionalExtensionality.functional_extensionality_dep
    Coq.Reals.ClassicalDedekindReals.sig_not_dec
    Coq.Reals.ClassicalDedekindReals.sig_forall_dec
    Coq.Logic.Classical_Prop.classic

* Constants/Inductives relying on type-in-type: <none>

* Constants/Inductives relying on unsafe (co)fixpoints: <none>

* Inductives whose positivity is assumed: <none>
"""


def test_coqchk_summary_check_rejects_anything_else():
    assert coqchk_problems(SUMMARY) == []
    assert coqchk_problems(SUMMARY.replace("<none>\n\n* Inductives", "\n    SensAware.DpToTv.loop\n\n* Inductives")) != []
    assert coqchk_problems(SUMMARY.replace("Classical_Prop.classic", "Classical_Prop.classic\n    SensAware.X.cheat")) != []
    assert coqchk_problems(SUMMARY.replace("Classical_Prop.classic", "ClassicalEpsilon.epsilon")) != []
    assert coqchk_problems(SUMMARY.replace("Set is predicative", "Set is impredicative")) != []
    assert coqchk_problems("") != []
    # quick mode (-norec): the standard library's own opaque module fields may appear, SensAware.* may not
    quick = SUMMARY.replace("Classical_Prop.classic", "Classical_Prop.classic\n    Coq.Reals.Rdefinitions.RbaseSymbolsImpl.R")
    assert coqchk_problems(quick, full=False) == [] and coqchk_problems(quick, full=True) != []
    assert coqchk_problems(SUMMARY.replace("Classical_Prop.classic", "Classical_Prop.classic\n    SensAware.X.cheat"),
                           full=False) != []


# ---------------------------------------------------------------- the library itself


def test_proofs_pass_the_check_with_exactly_the_standard_axioms():
    _need_coq()
    chk = check_proofs(str(PROOFS), full_coqchk=FULL_COQCHK)  # a str path works too
    assert chk.compiled, chk.log[-3000:]
    assert chk.forbidden == [] and chk.assumption_problems == [] and chk.coqchk_problems == [], chk.log[-3000:]
    assert chk.warnings == [] and chk.statement_problems == [], chk.problems()
    assert chk.axioms == EXPECTED_AXIOMS  # the library does use the reals' axioms, and no other
    assert chk.ok and len(chk.names) == len(declared_names(PROOFS))


def test_the_golden_statements_pin_every_theorem_and_definition():
    """proofs/STATEMENTS (written by `sensaware verify --write-statements`) holds the elaborated
    type of every Theorem and of every theorem the table lists, and the full text of every definition."""
    files, entries = read_statements(STATEMENTS)
    assert files == sorted(p.stem for p in PROOFS.glob("*.v"))
    assert {n: cmd for n, (cmd, _) in entries.items()} == pinned(PROOFS)
    for t in THEOREMS:
        for ref in t.proof:
            assert entries[f"SensAware.{ref.split(':')[0][:-2]}.{ref.split(':')[1]}"][0] == "Check", ref
    assert entries["SensAware.DpToTv.eta"][0] == "Print" and entries["SensAware.GroupPrivacy.steps"][0] == "Print"
    # fully elaborated: no notation, every constant named
    assert "@eq Rdefinitions.RbaseSymbolsImpl.R (DpToTv.eta eps (Rdefinitions.IZR BinNums.Z0))" in \
        entries["SensAware.DpToTv.eta_zero_delta"][1]


# ---------------------------------------------------------------- planted cheats

TARGET = "DpToTv.v"
#: The cheat goes into DpToTv.v; the per-cheat tests copy it with what it imports (compiling the whole library
#: a dozen times would take minutes); test_verify_fails_on_a_planted_cheat copies all of proofs/.
TARGET_CLOSURE = ("Sums.v", "Model.v", "DpToTv.v")
STATEMENT = "Theorem eta_zero_delta : forall eps, eta eps 0 = tanh_ (eps / 2).\n"


def _cheated_proof(text: str, before: str, proof: str | None, after: str = "", statement: str = STATEMENT) -> str:
    """Replace the proof of eta_zero_delta by ``proof`` (None: keep it), with ``before`` the statement and ``after``
    it, and the statement by ``statement``."""
    start = text.index(STATEMENT)
    end = text.index("Qed.", start) + len("Qed.")
    proof = text[start + len(STATEMENT):end] if proof is None else proof
    return text[:start] + before + statement + proof + after + text[end:]


def _closure_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "proofs"
    copy.mkdir()
    for name in TARGET_CLOSURE:
        shutil.copyfile(PROOFS / name, copy / name)
    return copy


def _statement_changed(chk, name: str = "SensAware.DpToTv.eta_zero_delta") -> bool:
    return any(p.startswith(f"{name}: differs from STATEMENTS") for p in chk.statement_problems)


# (name, declaration before the theorem, its proof, text after it, visible to the kernel checks)
CHEATS = [
    ("Axiom", "Axiom cheat : False.\n", "Proof. destruct cheat. Qed.", "", True),
    ("Parameter", "Parameter cheat : False.\n", "Proof. destruct cheat. Qed.", "", True),
    ("Hypothesis", "Hypothesis cheat : False.\n", "Proof. destruct cheat. Qed.", "", True),
    ("Variable", "Variable cheat : False.\n", "Proof. destruct cheat. Qed.", "", True),
    ("Variables", "Variables (cheat : False) (other : nat).\n", "Proof. destruct cheat. Qed.", "", True),
    ("Context", "Context (cheat : False).\n", "Proof. destruct cheat. Qed.", "", True),
    ("Conjecture", "Conjecture cheat : False.\n", "Proof. destruct cheat. Qed.", "", True),
    ("Admitted", "", "Proof. Admitted.", "", True),
    ("admit", "", "Proof. intros eps. admit. Admitted.", "", True),
    ("Unset Guard Checking", "Unset Guard Checking.\nFixpoint loop (n : nat) : False := loop n.\nSet Guard Checking.\n",
     "Proof. destruct (loop 0). Qed.", "", True),
    ("bypass_check", "#[bypass_check(guard)] Fixpoint loop (n : nat) : False := loop n.\n",
     "Proof. destruct (loop 0). Qed.", "", True),
    # discharged when the section closes (the theorem gains a premise False): the scan and the golden
    # statements see it
    ("Hypothesis in a Section", "Section Cheat.\nHypothesis cheat : False.\n", "Proof. destruct cheat. Qed.",
     "\nEnd Cheat.", False),
    # the same, hidden from a scanner that does not lex strings inside comments as Coq does
    ("comment/string trick", 'Section Cheat.\n(* "(*" *) Hypothesis cheat : False. (* "*)" *)\n',
     "Proof. destruct cheat. Qed.", "\nEnd Cheat.", False),
    # an extra standard-library module (its axioms, unused here) would pass quick coqchk: the Require allowlist
    ("Require ClassicalEpsilon", "Require Import Coq.Logic.ClassicalEpsilon.\n", None, "", False),
    ("From … Require", "From Coq Require Import ClassicalEpsilon.\n", None, "", False),
    ("Set Definitional UIP", "Set Definitional UIP.\n", None, "", False),
    ("Declare Instance", "Class Cheat := cheat : False.\n#[global] Declare Instance c : Cheat.\n",
     "Proof. destruct c. Qed.", "", True),
]
#: The layers that catch a cheat besides the scan: (statement changed, a compile warning)
OTHER_LAYERS = {"Hypothesis in a Section": (True, False), "comment/string trick": (True, True)}


@pytest.mark.parametrize("name,before,proof,after,kernel_visible", CHEATS, ids=[c[0] for c in CHEATS])
def test_a_planted_cheat_fails_the_check(tmp_path, name, before, proof, after, kernel_visible):
    _need_coq()
    copy = _closure_copy(tmp_path)
    f = copy / TARGET
    f.write_text(_cheated_proof(f.read_text(), before, proof, after))
    chk = check_proofs(copy, full_coqchk=False)
    assert chk.compiled, chk.log[-3000:]  # the cheat compiles: only the check stops it
    assert not chk.ok
    assert chk.forbidden, "the source scan missed it"
    if kernel_visible:  # and the compiled-library checks catch it on their own
        assert chk.assumption_problems, chk.log[-3000:]
        assert chk.coqchk_problems, chk.log[-3000:]
    statement, warning = OTHER_LAYERS.get(name, (False, False))
    assert not statement or _statement_changed(chk), chk.statement_problems
    assert not warning or any("comment-terminator-in-string" in w for w in chk.warnings), chk.warnings


# (name, declaration before the theorem, the statement, its proof, text after it)
CHANGED_STATEMENTS = [
    # a local notation makes `eta eps 0 = tanh_ (eps / 2)` read `eta eps 0 = eta eps 0`: the source text is
    # unchanged, its compiled statement is not
    ("Notation", 'Section Cheat.\nLocal Notation "x = y" := (@eq R x x) : type_scope.\n', STATEMENT,
     "Proof. intros; reflexivity. Qed.", "\nEnd Cheat."),
    # an honest edit of a pinned statement (a weaker theorem) fails until STATEMENTS is rewritten
    ("weaker statement", "", "Theorem eta_zero_delta : forall eps, eta eps 0 = eta eps 0.\n",
     "Proof. reflexivity. Qed.", ""),
]


@pytest.mark.parametrize("name,before,statement,proof,after", CHANGED_STATEMENTS, ids=[c[0] for c in CHANGED_STATEMENTS])
def test_a_changed_statement_fails_the_check(tmp_path, name, before, statement, proof, after):
    _need_coq()
    copy = _closure_copy(tmp_path)
    f = copy / TARGET
    f.write_text(_cheated_proof(f.read_text(), before, proof, after, statement=statement))
    chk = check_proofs(copy, full_coqchk=False)
    assert chk.compiled, chk.log[-3000:]
    assert chk.forbidden == [] and chk.assumption_problems == [] and chk.coqchk_problems == [], chk.problems()
    assert not chk.ok and _statement_changed(chk), chk.statement_problems
    assert "@eq Rdefinitions.RbaseSymbolsImpl.R (DpToTv.eta eps (Rdefinitions.IZR BinNums.Z0)) (DpToTv.eta eps" in \
        " ".join(chk.statement_problems)


def test_verify_fails_on_the_comment_string_trick(tmp_path):
    """The review's exploit, planted verbatim around inversion_lower_bound in a full copy of proofs/: the old
    scanner stayed one comment level deep over the Hypothesis and `verify` said "verified"."""
    _need_coq()
    copy = tmp_path / "proofs"
    shutil.copytree(PROOFS, copy, ignore=shutil.ignore_patterns("*.vo", "*.vok", "*.vos", "*.glob", ".*"))
    f = copy / "Inversion.v"
    text = f.read_text()
    start = text.index("Theorem inversion_lower_bound :")
    proof = text.index("Proof.", start)
    end = text.index("Qed.", proof) + len("Qed.")
    f.write_text(text[:start] + 'Section Cheat.\n(* "(*" *) Hypothesis cheat : False. (* "*)" *)\n'
                 + text[start:proof] + "Proof. destruct cheat. Qed.\nEnd Cheat." + text[end:])
    rep = verify(run_property_tests=False, proofs=copy, full_coqchk=FULL_COQCHK)
    assert rep.proofs.compiled, rep.coq_log[-3000:]
    assert not rep.ok and not rep.coq_ok
    assert "Inversion.v:" in " ".join(rep.proofs.forbidden) and "Hypothesis" in " ".join(rep.proofs.forbidden)
    assert any("comment-terminator-in-string" in w for w in rep.proofs.warnings)
    assert _statement_changed(rep.proofs, "SensAware.Inversion.inversion_lower_bound")
    # the statements of the rest of the library are unchanged
    assert len(rep.proofs.statement_problems) == 1, rep.proofs.statement_problems


def test_verify_fails_on_a_planted_cheat(tmp_path):
    """The same through ``verify`` (what ``sensaware verify`` runs): not verified."""
    _need_coq()
    copy = tmp_path / "proofs"
    shutil.copytree(PROOFS, copy, ignore=shutil.ignore_patterns("*.vo", "*.vok", "*.vos", "*.glob", ".*"))
    (copy / "Cheat.v").write_text("Require Import Reals SensAware.Model.\nAxiom cheat : forall P Q n, tv P Q n = 0%R.\n")
    rep = verify(run_property_tests=False, proofs=copy, full_coqchk=False)
    assert not rep.ok and not rep.coq_ok
    assert "SensAware.Cheat.cheat" in " ".join(rep.proofs.coqchk_problems)


def test_verify_without_coqc_says_how_to_install(monkeypatch, capsys):
    from empirical.cli.main import main

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["verify", "--no-tests"]) == 2
    assert "apt-get install" in capsys.readouterr().err


# ---------------------------------------------------------------- the theorem table


def test_theorem_table_names_real_coq_theorems():
    for t in THEOREMS:
        for ref in t.proof:
            fname, thm = ref.split(":")
            assert re.search(rf"^\s*(Theorem|Lemma) {thm}\b", (PROOFS / fname).read_text(), flags=re.M), ref
            assert f"SensAware.{fname[:-2]}.{thm}" in declared_names(PROOFS)


def test_proven_means_a_game_level_coq_theorem():
    assert {t.status for t in THEOREMS} <= {"proven", "tested"}
    for t in THEOREMS:
        assert (t.status == "proven") == bool(t.proof), t.name
    # not proven in Coq: the prior-aware closed form, composition/tensorisation/DP-SGD, policy-scoped DP
    assert {t.name for t in THEOREMS if t.status == "tested"} >= {"prior_aware", "composition", "policy_scoped"}


def test_readme_tables_are_current():
    text = (PROOFS / "README.md").read_text()
    block = text.split("<!-- BEGIN THEOREM TABLE", 1)[1].split("-->", 1)[1].split("<!-- END THEOREM TABLE -->")[0]
    assert block.strip() == markdown_table().strip()
    # every theorem the table names is quoted with its statement in proofs/README.md
    for t in THEOREMS:
        for ref in t.proof:
            assert f"`{ref.split(':')[1]}`" in text.split("<!-- BEGIN THEOREM TABLE")[0], ref


def test_certificates_hold():
    results = certificates.run_all()
    assert results and all(results.values()), results
    assert {c.theorem for c in certificates.CERTIFICATES} <= {t.name for t in THEOREMS}


def test_a_wrong_formula_fails_its_certificate(monkeypatch):
    # certificates imports eta_symbolic at its top: patch the name where the certificates look it up
    assert certificates.eta_special_cases() is True and certificates.hypothesis_testing_crossing() is True
    monkeypatch.setattr(certificates, "eta_symbolic", lambda: (sp.exp(EPS) - 1 + DELTA) / (sp.exp(EPS) + 1))
    assert certificates.eta_special_cases() is False
    assert certificates.hypothesis_testing_crossing() is False
