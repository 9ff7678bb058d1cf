"""``sensaware verify``: compile the Coq proofs, run the sympy certificates and the property tests, and
report the theorem table with a status per column."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

COQ_INSTALL = "apt-get install -y coq libcoq-stdlib"
#: The axioms of the Coq standard library's real numbers (Coq 8.16); nothing else may appear.
STANDARD_REAL_AXIOMS = frozenset({
    "ClassicalDedekindReals.sig_forall_dec", "ClassicalDedekindReals.sig_not_dec",
    "FunctionalExtensionality.functional_extensionality_dep", "Classical_Prop.classic",
})
FORBIDDEN = re.compile(r"\b(Admitted|admit|Abort|Axiom|Axioms|Parameter|Parameters|Conjecture|Hypotheses)\b")


def source_root() -> Path:
    """The checkout holding ``proofs/`` and ``tests/`` (verification needs the source tree)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "proofs").is_dir():
        raise ValueError(f"`proofs/` not found beside the installed package ({root}); run `sensaware verify` from a "
                         "source checkout installed with `pip install -e .`.")
    return root


def forbidden_in_sources(proofs: Path) -> list[str]:
    """'file:line: word' for every Admitted/admit/Abort/Axiom/Parameter outside comments."""
    hits = []
    for f in sorted(proofs.glob("*.v")):
        text = re.sub(r"\(\*.*?\*\)", lambda m: " " * len(m.group(0)), f.read_text(), flags=re.S)
        for i, line in enumerate(text.splitlines(), 1):
            for m in FORBIDDEN.finditer(line):
                hits.append(f"{f.name}:{i}: {m.group(0)}")
    return hits


_AXIOM_LINE = re.compile(r"^([A-Za-z_][\w']*(?:\.[\w']+)+)(?:\s|$)")


def parse_assumptions(output: str) -> dict[int, set[str]]:
    """Axiom names per ``Print Assumptions`` block (blocks numbered in order; 'Closed under the global context' → ∅)."""
    blocks: dict[int, set[str]] = {}
    idx = -1
    for line in output.splitlines():
        if line.startswith("Axioms:") or line.startswith("Closed under the global context"):
            idx += 1
            blocks[idx] = set()
        elif idx >= 0 and (m := _AXIOM_LINE.match(line)):
            blocks[idx].add(m.group(1))
    return blocks


def compile_proofs(proofs: Path) -> tuple[bool, str]:
    """``make -C proofs all assumptions``; returns (ok, output)."""
    if shutil.which("coqc") is None:
        raise FileNotFoundError(f"coqc not found: install Coq first ({COQ_INSTALL})")
    res = subprocess.run(["make", "-s", "-C", str(proofs), "all", "assumptions"], capture_output=True, text=True)
    return res.returncode == 0, res.stdout + res.stderr


@dataclass
class Report:
    coq_ok: bool | None = None
    coq_log: str = ""
    forbidden: list[str] = field(default_factory=list)
    axioms: set[str] = field(default_factory=set)
    certificates: dict[str, bool] = field(default_factory=dict)
    tests: dict[str, bool | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.coq_ok) and not self.forbidden and self.axioms <= STANDARD_REAL_AXIOMS and all(
            self.certificates.values()) and all(v is not False for v in self.tests.values())


def run_tests(root: Path, files: list[str]) -> dict[str, bool]:
    """Run each property-test file with pytest; file → passed."""
    out = {}
    for f in files:
        res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / f)],
                             capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        out[f] = res.returncode == 0
    return out


def verify(run_property_tests: bool = True) -> Report:
    from theory.certificates import run_all
    from theory.theorems import THEOREMS

    root = source_root()
    rep = Report()
    rep.forbidden = forbidden_in_sources(root / "proofs")
    rep.coq_ok, rep.coq_log = compile_proofs(root / "proofs")
    for names in parse_assumptions(rep.coq_log).values():
        rep.axioms |= names
    rep.certificates = run_all()
    files = sorted({t.tests for t in THEOREMS})
    rep.tests = run_tests(root, files) if run_property_tests else {f: None for f in files}
    return rep


def format_report(rep: Report) -> str:
    from theory.certificates import CERTIFICATES
    from theory.theorems import THEOREMS

    def mark(v) -> str:
        return {True: "ok", False: "FAIL", None: "skipped"}[v]

    lines = [f"{'theorem':<18} {'result':<17} {'Coq proof':<10} {'certificates':<13} {'property tests':<14}"]
    for t in THEOREMS:
        coq = ("ok" if rep.coq_ok else "FAIL") if t.proof else "—"
        certs = [rep.certificates[c.name] for c in CERTIFICATES if c.theorem == t.name]
        cert = "—" if not certs else ("ok" if all(certs) else "FAIL")
        lines.append(f"{t.name:<18} {t.result:<17} {coq:<10} {cert:<13} {mark(rep.tests.get(t.tests)):<14}")
    lines.append("")
    lines.append(f"Coq: {'compiled' if rep.coq_ok else 'FAILED'}; axioms used: {', '.join(sorted(rep.axioms)) or 'none'}")
    extra = rep.axioms - STANDARD_REAL_AXIOMS
    if extra:
        lines.append(f"NON-STANDARD AXIOMS: {', '.join(sorted(extra))}")
    if rep.forbidden:
        lines.append("FORBIDDEN in sources: " + "; ".join(rep.forbidden))
    lines.append("verified" if rep.ok else "NOT verified")
    return "\n".join(lines)
