"""``sensaware verify``: check the Coq proofs, run the sympy certificates and the property tests, and report
the theorem table with a status per column.

The proof check is built so that a source cannot pass it by cheating:

1. **Source scan.** Outside comments and strings (nested comments handled as Coq lexes them), no source may
   contain a vernacular that assumes instead of proves or that weakens the kernel: ``Axiom(s)``,
   ``Parameter(s)``, ``Hypothesis``/``Hypotheses``, ``Variable(s)``, ``Context``, ``Conjecture``,
   ``Admitted``, ``Admit Obligations``, ``admit``/``give_up``, ``Abort``, any ``Unset`` (``Unset Guard Checking``, ``Unset Positivity
   Checking``, ``Unset Universe Checking``, …), the ``bypass_check`` attribute, ``Primitive``, and loading
   code or paths from outside (``Declare ML Module``, ``Load``, ``LoadPath``, ``ML Path``). Section variables
   are forbidden too, so every theorem states all of its hypotheses itself.
2. **Fresh compile.** Every ``*.v`` in ``proofs/`` is copied to a temporary directory and compiled there with
   ``coqc -R . SensAware`` in ``coqdep -sort`` order (no stale ``.vo``, no Makefile flags such as
   ``-type-in-type``).
3. **``Print Assumptions`` on every constant** the sources declare (``Theorem``, ``Lemma``, ``Definition``,
   ``Fixpoint``, …, found by scanning the sources, not from a hand-kept list), all at once as the components of
   one tuple (the union of their assumptions; one traversal of the standard library). Every line must
   be ``Closed under the global context``, ``Axioms:``, one of the four axioms of the standard library's real
   numbers (:data:`STANDARD_REAL_AXIOMS`) or the indented type of such an axiom; anything else (a user axiom
   ``cheat : False``, ``loop is assumed to be guarded.``, …) fails. A name that does not resolve fails too.
4. **``coqchk``**, Coq's independent kernel checker, on the compiled library: its context summary may list no
   axiom beyond :data:`COQCHK_REAL_AXIOMS` and nothing relying on type-in-type, unsafe (co)fixpoints or
   assumed positivity. ``full_coqchk=False`` re-checks only ``SensAware.*`` (``-norec``; the standard library
   is then taken as compiled, so its module-level opaque fields are listed and only ``SensAware.*`` axioms
   fail) — the quick mode the planted-cheat tests use; ``sensaware verify`` checks in full.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from theory.theorems import THEOREMS

COQ_INSTALL = "apt-get install -y coq libcoq-stdlib"
#: The axioms of the Coq standard library's real numbers (Coq 8.16) as ``Print Assumptions`` names them;
#: nothing else may appear.
STANDARD_REAL_AXIOMS = frozenset({
    "ClassicalDedekindReals.sig_forall_dec", "ClassicalDedekindReals.sig_not_dec",
    "FunctionalExtensionality.functional_extensionality_dep", "Classical_Prop.classic",
})
#: The same four, fully qualified, as ``coqchk -o`` names them.
COQCHK_REAL_AXIOMS = frozenset({
    "Coq.Reals.ClassicalDedekindReals.sig_forall_dec", "Coq.Reals.ClassicalDedekindReals.sig_not_dec",
    "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep", "Coq.Logic.Classical_Prop.classic",
})
FORBIDDEN = re.compile(
    r"\b(Admitted|Admit|admit|give_up|Abort|Axioms?|Parameters?|Hypothesis|Hypotheses|Variables?|Context|Conjecture"
    r"|Unset|bypass_check|Primitive|Declare\s+ML\s+Module|Load|LoadPath|ML\s+Path)\b")
#: Vernaculars that declare a constant whose assumptions are printed.
_DECLARATION = re.compile(
    r"(?:^|(?<=[.\s]))(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Polymorphic|Monomorphic|Program)\s+)*"
    r"(Theorem|Lemma|Corollary|Proposition|Fact|Remark|Example|Property|Definition|Fixpoint|CoFixpoint"
    r"|Instance|Function|Equations)\s+([^\W\d][\w']*)")


def source_root() -> Path:
    """The checkout holding ``proofs/`` and ``tests/`` (verification needs the source tree)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "proofs").is_dir():
        raise ValueError(f"`proofs/` not found beside the installed package ({root}); run `sensaware verify` from a "
                         "source checkout installed with `pip install -e .`.")
    return root


def strip_comments(text: str) -> str:
    """``text`` with Coq comments (nested) and string literals blanked out, line breaks kept."""
    out = []
    i, depth, n = 0, 0, len(text)
    while i < n:
        if depth == 0 and text[i] == '"':  # a string literal; "" inside is an escaped quote
            j = i + 1
            while j < n and not (text[j] == '"' and not text.startswith('""', j)):
                j += 2 if text.startswith('""', j) else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1]))
            i = j + 1
        elif text.startswith("(*", i):
            depth += 1
            out.append("  ")
            i += 2
        elif depth and text.startswith("*)", i):
            depth -= 1
            out.append("  ")
            i += 2
        else:
            out.append(text[i] if depth == 0 or text[i] == "\n" else " ")
            i += 1
    return "".join(out)


def forbidden_in_sources(proofs: Path) -> list[str]:
    """'file:line: word' for every forbidden vernacular (see the module docstring) outside comments and strings."""
    hits = []
    for f in sorted(proofs.glob("*.v")):
        for i, line in enumerate(strip_comments(f.read_text()).splitlines(), 1):
            for m in FORBIDDEN.finditer(line):
                hits.append(f"{f.name}:{i}: {' '.join(m.group(0).split())}")
    return hits


def declared_names(proofs: Path) -> list[str]:
    """``SensAware.File.name`` for every constant the sources declare, in file order."""
    names = []
    for f in sorted(proofs.glob("*.v")):
        for m in _DECLARATION.finditer(strip_comments(f.read_text())):
            names.append(f"SensAware.{f.stem}.{m.group(2)}")
    return names


def assumption_problems(output: str, expected_blocks: int | None = None) -> list[str]:
    """Every line of ``Print Assumptions`` output that is not a standard real-number axiom (or its type);
    with ``expected_blocks``, also a mismatch in the number of blocks."""
    problems: list[str] = []
    blocks = 0
    in_axiom = False  # the previous entry was a standard axiom: indented lines are its type
    for line in output.splitlines():
        if not line.strip():
            continue
        if line.startswith("Closed under the global context") or line.strip() == "Axioms:":
            blocks += 1
            in_axiom = False
        elif line[0].isspace():
            if not in_axiom:
                problems.append(line.strip())
        else:
            name = line.split(" ", 1)[0]
            in_axiom = blocks > 0 and name in STANDARD_REAL_AXIOMS and (line == name or line[len(name):].startswith(" :"))
            if not in_axiom:
                problems.append(line.strip())
    if expected_blocks is not None and blocks != expected_blocks:
        problems.append(f"{blocks} Print Assumptions blocks for {expected_blocks} names")
    return problems


def parse_assumptions(output: str) -> dict[int, set[str]]:
    """Axiom names per ``Print Assumptions`` block (blocks numbered in order; 'Closed under the global context' → ∅).
    Every non-indented line inside a block counts (an axiom ``cheat : False`` gives ``cheat``,
    ``loop is assumed to be guarded.`` gives ``loop``)."""
    blocks: dict[int, set[str]] = {}
    idx = -1
    for line in output.splitlines():
        if line.startswith("Axioms:") or line.startswith("Closed under the global context"):
            idx += 1
            blocks[idx] = set()
        elif idx >= 0 and line.strip() and not line[0].isspace():
            blocks[idx].add(line.split(" ", 1)[0])
    return blocks


def coqchk_problems(output: str, full: bool = True) -> list[str]:
    """What ``coqchk -o`` reports beyond the standard real-number axioms (see the module docstring)."""
    if "CONTEXT SUMMARY" not in output:
        return ["coqchk printed no context summary"]
    summary = output.split("CONTEXT SUMMARY", 1)[1]
    problems = []
    seen = set()
    for sec in re.split(r"^\* ", summary, flags=re.M)[1:]:
        head, _, body = sec.partition(":")
        head, items = head.strip(), [x.strip() for x in body.splitlines() if x.strip()]
        seen.add(head)
        if head == "Theory":
            if items != ["Set is predicative"]:
                problems.append(f"theory: {' '.join(items)}")
        elif head == "Axioms":
            for ax in items:
                if ax != "<none>" and (ax not in COQCHK_REAL_AXIOMS if full else not ax.startswith("Coq.")):
                    problems.append(f"axiom {ax}")
        elif items != ["<none>"]:
            problems.append(f"{head}: {', '.join(items)}")
    for need in ("Theory", "Axioms", "Constants/Inductives relying on type-in-type",
                 "Constants/Inductives relying on unsafe (co)fixpoints", "Inductives whose positivity is assumed"):
        if need not in seen:
            problems.append(f"coqchk summary lacks '{need}'")
    return problems


@dataclass
class ProofCheck:
    """The result of :func:`check_proofs`; ``ok`` only when every layer passed."""

    forbidden: list[str] = field(default_factory=list)
    compiled: bool = False
    names: list[str] = field(default_factory=list)
    assumption_problems: list[str] = field(default_factory=list)
    coqchk_problems: list[str] = field(default_factory=list)
    axioms: set[str] = field(default_factory=set)
    log: str = ""

    @property
    def ok(self) -> bool:
        return (self.compiled and not self.forbidden and bool(self.names) and not self.assumption_problems
                and not self.coqchk_problems)


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def check_proofs(proofs: Path, full_coqchk: bool = True) -> ProofCheck:
    """Run every layer of the check on the ``*.v`` files of ``proofs`` (see the module docstring)."""
    for tool in ("coqc", "coqdep", "coqchk"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"{tool} not found: install Coq first ({COQ_INSTALL})")
    chk = ProofCheck(forbidden=forbidden_in_sources(proofs), names=declared_names(proofs))
    logs = []
    with tempfile.TemporaryDirectory(prefix="sensaware-proofs-") as tmp:
        build = Path(tmp)
        sources = sorted(p.name for p in proofs.glob("*.v"))
        for name in sources:
            shutil.copyfile(proofs / name, build / name)
        order = _run(["coqdep", "-R", ".", "SensAware", "-sort", *sources], build)
        ordered = order.stdout.split() if order.returncode == 0 else []
        if sorted(ordered) != sources:
            chk.log = f"coqdep -sort failed:\n{order.stdout}{order.stderr}"
            return chk
        chk.compiled = True
        for name in ordered:
            res = _run(["coqc", "-q", "-R", ".", "SensAware", name], build)
            logs.append(f"$ coqc {name}\n{res.stdout}{res.stderr}")
            if res.returncode != 0:
                chk.compiled = False
                break
        if chk.compiled:
            modules = [f"SensAware.{Path(s).stem}" for s in ordered]
            # one Print Assumptions on a tuple of every declared constant: the union of their assumptions
            # (one traversal of the standard library instead of one per name)
            script = "".join(f"Require {m}.\n" for m in modules) + (
                "Definition sensaware_every_constant := (" + ", ".join(f"@{n}" for n in chk.names) + ").\n"
                "Print Assumptions sensaware_every_constant.\n")
            (build / "_PrintAssumptions.v").write_text(script)
            res = _run(["coqc", "-q", "-R", ".", "SensAware", "_PrintAssumptions.v"], build)
            logs.append(f"$ Print Assumptions (a tuple of {len(chk.names)} constants)\n{res.stdout}{res.stderr}")
            chk.assumption_problems = assumption_problems(res.stdout, 1)
            if res.returncode != 0:
                chk.assumption_problems.append(f"Print Assumptions failed: {res.stderr.strip()[-500:]}")
            for names in parse_assumptions(res.stdout).values():
                chk.axioms |= names
            cmd = ["coqchk", "-silent", "-o", "-R", ".", "SensAware"]
            cmd += modules if full_coqchk else [x for m in modules for x in ("-norec", m)]
            res = _run(cmd, build)
            logs.append(f"$ {' '.join(cmd)}\n{res.stdout}{res.stderr}")
            chk.coqchk_problems = coqchk_problems(res.stdout + res.stderr, full=full_coqchk)
            if res.returncode != 0:
                chk.coqchk_problems.append(f"coqchk exited with {res.returncode}")
    chk.log = "\n".join(logs)
    return chk


@dataclass
class Report:
    coq_ok: bool | None = None
    coq_log: str = ""
    proofs: ProofCheck = field(default_factory=ProofCheck)
    certificates: dict[str, bool] = field(default_factory=dict)
    tests: dict[str, bool | None] = field(default_factory=dict)

    @property
    def forbidden(self) -> list[str]:
        return self.proofs.forbidden

    @property
    def axioms(self) -> set[str]:
        return self.proofs.axioms

    @property
    def ok(self) -> bool:
        return bool(self.coq_ok) and self.proofs.ok and all(self.certificates.values()) and all(
            v is not False for v in self.tests.values())


def run_tests(root: Path, files: list[str]) -> dict[str, bool]:
    """Run each property-test file with pytest; file → passed."""
    out = {}
    for f in files:
        res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / f)],
                             capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        out[f] = res.returncode == 0
    return out


def verify(run_property_tests: bool = True, proofs: Path | None = None, full_coqchk: bool = True) -> Report:
    """The full check: proofs (``proofs`` defaults to the checkout's ``proofs/``), certificates, property tests."""
    from theory.certificates import run_all
    root = source_root()
    rep = Report()
    rep.proofs = check_proofs(proofs if proofs is not None else root / "proofs", full_coqchk=full_coqchk)
    rep.coq_ok, rep.coq_log = rep.proofs.ok, rep.proofs.log
    rep.certificates = run_all()
    files = sorted({t.tests for t in THEOREMS})
    rep.tests = run_tests(root, files) if run_property_tests else {f: None for f in files}
    return rep


def format_report(rep: Report) -> str:
    from theory.certificates import CERTIFICATES
    def mark(v) -> str:
        return {True: "ok", False: "FAIL", None: "skipped"}[v]

    lines = [f"{'theorem':<18} {'result':<17} {'status':<14} {'Coq proof':<10} {'certificates':<13} {'property tests':<14}"]
    for t in THEOREMS:
        coq = ("ok" if rep.coq_ok else "FAIL") if t.proof else "—"
        certs = [rep.certificates[c.name] for c in CERTIFICATES if c.theorem == t.name]
        cert = "—" if not certs else ("ok" if all(certs) else "FAIL")
        lines.append(f"{t.name:<18} {t.result:<17} {t.status:<14} {coq:<10} {cert:<13} {mark(rep.tests.get(t.tests)):<14}")
    lines.append("")
    p = rep.proofs
    lines.append(f"Coq: {'compiled' if p.compiled else 'FAILED'}; {len(p.names)} constants checked with Print Assumptions; "
                 f"axioms used: {', '.join(sorted(p.axioms)) or 'none'}")
    if p.forbidden:
        lines.append("FORBIDDEN in sources: " + "; ".join(p.forbidden))
    if p.assumption_problems:
        lines.append("NON-STANDARD ASSUMPTIONS: " + "; ".join(p.assumption_problems))
    if p.coqchk_problems:
        lines.append("COQCHK: " + "; ".join(p.coqchk_problems))
    lines.append("verified" if rep.ok else "NOT verified")
    return "\n".join(lines)
