"""proofs/: every Coq proof compiles with only the standard real-number axioms, no proof is admitted, the
theorem table is current, and the sympy certificates hold (and can fail)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from empirical.verify import STANDARD_REAL_AXIOMS, forbidden_in_sources, parse_assumptions
from theory import certificates
from theory.theorems import THEOREMS, markdown_table

ROOT = Path(__file__).resolve().parents[1]
PROOFS = ROOT / "proofs"
#: Recorded `Print Assumptions` result (Coq 8.16): the stdlib's classical Dedekind reals.
EXPECTED_AXIOMS = {"ClassicalDedekindReals.sig_forall_dec", "ClassicalDedekindReals.sig_not_dec",
                   "FunctionalExtensionality.functional_extensionality_dep", "Classical_Prop.classic"}


def _need_coqc():
    if shutil.which("coqc") is None:
        if os.environ.get("CI"):
            pytest.fail("coqc missing in CI: .ci/run must install Coq (apt-get install coq libcoq-stdlib)")
        pytest.skip("coqc not installed (apt-get install coq libcoq-stdlib)")


def test_no_admitted_or_axioms_in_sources(tmp_path):
    assert forbidden_in_sources(PROOFS) == []
    res = subprocess.run(["grep", "-rE", r"Admitted|admit\.", str(PROOFS)], capture_output=True, text=True)
    assert res.stdout == ""
    (tmp_path / "Bad.v").write_text("(* Admitted in a comment is fine *)\nAxiom cheat : False.\nLemma x : True. Admitted.\n")
    assert forbidden_in_sources(tmp_path) == ["Bad.v:2: Axiom", "Bad.v:3: Admitted"]


def test_expected_axioms_are_the_standard_ones():
    assert EXPECTED_AXIOMS == set(STANDARD_REAL_AXIOMS)


def test_proofs_compile_and_use_only_standard_axioms():
    _need_coqc()
    res = subprocess.run(["make", "-s", "-C", str(PROOFS), "clean", "all", "assumptions"], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    blocks = parse_assumptions(res.stdout)
    printed = re.findall(r"^Print Assumptions (\w+)\.", (PROOFS / "Assumptions.v").read_text(), flags=re.M)
    assert len(blocks) == len(printed) > 0
    used = set().union(*blocks.values())
    assert used == EXPECTED_AXIOMS


def test_theorem_table_names_real_coq_theorems():
    printed = set(re.findall(r"^Print Assumptions (\w+)\.", (PROOFS / "Assumptions.v").read_text(), flags=re.M))
    named = set()
    for t in THEOREMS:
        for ref in t.proof:
            fname, thm = ref.split(":")
            assert re.search(rf"^\s*(Theorem|Lemma) {thm}\b", (PROOFS / fname).read_text(), flags=re.M), ref
            named.add(thm)
    assert printed == named


def test_readme_table_is_current():
    text = (PROOFS / "README.md").read_text()
    block = text.split("<!-- BEGIN THEOREM TABLE", 1)[1].split("-->", 1)[1].split("<!-- END THEOREM TABLE -->")[0]
    assert block.strip() == markdown_table().strip()


def test_certificates_hold():
    results = certificates.run_all()
    assert results and all(results.values()), results
    assert {c.theorem for c in certificates.CERTIFICATES} <= {t.name for t in THEOREMS}


def test_a_wrong_formula_fails_its_certificate(monkeypatch):
    import sympy as sp

    from theory import dp_to_tv
    from theory.symbols import DELTA, EPS

    monkeypatch.setattr(dp_to_tv, "eta_symbolic", lambda: (sp.exp(EPS) - 1 + DELTA) / (sp.exp(EPS) + 1))
    assert certificates.eta_special_cases() is False
    assert certificates.hypothesis_testing_crossing() is False


def test_verify_without_coqc_says_how_to_install(monkeypatch, capsys):
    from empirical.cli.main import main

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["verify", "--no-tests"]) == 2
    assert "apt-get install" in capsys.readouterr().err
