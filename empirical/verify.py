"""``sensaware verify``: check the Coq proofs, run the sympy certificates and the property tests, and report
the theorem table with a status per column.

The proof check is built so that a source cannot pass it by cheating:

1. **Source scan.** Outside comments and strings — lexed exactly as Coq does: comments nest, a ``"`` opens a
   string in code and inside a comment alike (``(* "(*" *)`` is one whole comment), ``""`` escapes a quote —
   no source may contain a vernacular that assumes instead of proves or that weakens the kernel: ``Axiom(s)``,
   ``Parameter(s)``, ``Hypothesis``/``Hypotheses``, ``Variable(s)``, ``Context``, ``Conjecture``,
   ``Admitted``, ``Admit Obligations``, ``admit``/``give_up``, ``Abort``, any ``Unset`` (``Unset Guard Checking``,
   ``Unset Positivity Checking``, ``Unset Universe Checking``, …), any ``Set`` option but the implicit-argument
   ones (``Set Definitional UIP``, ``Set Warnings``, …), any ``Declare`` (``Declare Instance``, ``Declare
   Module``, ``Declare ML Module``), the ``bypass_check`` attribute, ``Primitive``, ``Register``, ``Reset``, and
   loading code or paths from outside (``Load``, ``LoadPath``, ``ML Path``, ``From … Require``). ``Require`` may
   load only :data:`ALLOWED_REQUIRES` and the library's own ``SensAware.*`` modules, so no other standard-library
   axiom can be loaded (what makes the quick ``coqchk`` mode sound). Section variables are forbidden too, so
   every theorem states all of its hypotheses itself.
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
5. **No warning** in the compile (``comment-terminator-in-string`` flags a comment/string trick,
   ``notation-overridden`` a redefined notation).
6. **Pinned statements.** :data:`STATEMENTS` (``proofs/STATEMENTS``, committed) holds the fully elaborated
   (``Set Printing All``) type of every ``Theorem`` and of every theorem :data:`theory.theorems.THEOREMS` lists,
   and the body and type of every definition, fixpoint and inductive; the compiled library must reproduce every
   line, with no pinned name missing or added and the same modules. A notation that changes what a statement's
   text means, a section hypothesis that becomes a premise, a changed definition or a weakened statement fail.
   The golden file is the checkout's whichever folder is checked; rewrite it after a deliberate change with
   ``sensaware verify --write-statements`` (and review its diff).
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
    r"|Unset|bypass_check|Primitive|Declare|Register|Reset|From|Load|LoadPath|ML\s+Path)\b"
    # a `Set` vernacular (kernel flags such as Definitional UIP, Warnings, …); the sort `Set` is never followed
    # by a capitalised word, and only the implicit-argument options are allowed
    r"|\bSet\s+(?!(?:Implicit\s+Arguments|Strict\s+Implicit|Contextual\s+Implicit|Maximal\s+Implicit\s+Insertion)\b)"
    r"[A-Z]\w*")
#: What a source may ``Require`` besides the library's own ``SensAware.<file>`` modules: the standard-library
#: modules the proofs use (none brings an axiom beyond the reals' four).
ALLOWED_REQUIRES = frozenset({"Reals", "Lra", "Lia", "List"})
_REQUIRE = re.compile(r"(?:(?P<from>\bFrom\s+\S+)\s+)?\bRequire\b(?P<targets>.*?)\.(?=\s|$)", re.S)
#: Vernaculars that declare a constant whose assumptions are printed.
_DECLARATION = re.compile(
    r"(?:^|(?<=[.\s]))(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Polymorphic|Monomorphic|Program)\s+)*"
    r"(Theorem|Lemma|Corollary|Proposition|Fact|Remark|Example|Property|Definition|Fixpoint|CoFixpoint"
    r"|Instance|Function|Equations|Inductive|CoInductive|Variant|Record|Structure|Class)\s+([^\W\d][\w']*)")
#: Declarations whose full text (``Print``: body and type) is pinned in :data:`STATEMENTS`; every ``Theorem``
#: and every theorem of :data:`~theory.theorems.THEOREMS` is pinned by its type (``Check``).
_DEFINITION_KINDS = frozenset({"Definition", "Fixpoint", "CoFixpoint", "Instance", "Function", "Equations",
                               "Inductive", "CoInductive", "Variant", "Record", "Structure", "Class"})
#: The committed golden file of fully elaborated statements (see :func:`statement_problems`); always the
#: checkout's, whichever folder is checked, so a changed copy is compared with the committed statements.
STATEMENTS = Path(__file__).resolve().parents[1] / "proofs" / "STATEMENTS"
WRITE_STATEMENTS = "sensaware verify --write-statements"


def source_root() -> Path:
    """The checkout holding ``proofs/`` and ``tests/`` (verification needs the source tree)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "proofs").is_dir():
        raise ValueError(f"`proofs/` not found beside the installed package ({root}); run `sensaware verify` from a "
                         "source checkout installed with `pip install -e .`.")
    return root


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def strip_comments(text: str) -> str:
    """``text`` with Coq comments and string literals blanked out, line breaks kept, lexed exactly as Coq's lexer
    does: comments nest; a ``"`` opens a string both in code *and inside a comment* (so ``(* "*)" *)`` is one
    comment and ``(* "(*" *)`` closes at its ``*)``); ``""`` inside a string is an escaped quote and ``(*``/``*)``
    inside a string do not count. An unterminated comment or string runs to the end (Coq rejects the file)."""
    out = []
    i, depth, n = 0, 0, len(text)
    while i < n:
        if text[i] == '"':  # a string literal, in code or inside a comment; "" inside is an escaped quote
            j = i + 1
            while j < n:
                if text[j] == '"':
                    if text.startswith('""', j):
                        j += 2
                        continue
                    break
                j += 1
            out.append(_blank(text[i:j + 1]))
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


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def require_problems(proofs: Path) -> list[str]:
    """'file:line: sentence' for every ``Require`` (or ``From … Require``) target outside :data:`ALLOWED_REQUIRES`
    and the library's own ``SensAware.<file>`` modules: no source can load another library (an axiom such as
    ``ClassicalEpsilon``, a plugin), so the quick check's ``Coq.*`` modules are exactly the proofs' own."""
    own = {f"SensAware.{f.stem}" for f in proofs.glob("*.v")}
    hits = []
    for f in sorted(proofs.glob("*.v")):
        code = strip_comments(f.read_text())
        for m in _REQUIRE.finditer(code):
            targets = [t for t in re.split(r"[\s()]+", m.group("targets")) if t and t not in ("Import", "Export")]
            bad = [t for t in targets if t not in ALLOWED_REQUIRES and t not in own]
            if m.group("from") or bad or not targets:
                hits.append(f"{f.name}:{_line(code, m.start())}: {' '.join(m.group(0).split())}")
    return hits


def forbidden_in_sources(proofs: Path) -> list[str]:
    """'file:line: word' for every forbidden vernacular (see the module docstring) outside comments and strings."""
    hits = []
    for f in sorted(proofs.glob("*.v")):
        for i, line in enumerate(strip_comments(f.read_text()).splitlines(), 1):
            for m in FORBIDDEN.finditer(line):
                hits.append(f"{f.name}:{i}: {' '.join(m.group(0).split())}")
    return hits + require_problems(proofs)


def _declarations(proofs: Path) -> list[tuple[str, str]]:
    """(vernacular, ``SensAware.File.name``) for every constant the sources declare, in file order."""
    out = []
    for f in sorted(proofs.glob("*.v")):
        for m in _DECLARATION.finditer(strip_comments(f.read_text())):
            out.append((m.group(1), f"SensAware.{f.stem}.{m.group(2)}"))
    return out


def declared_names(proofs: Path) -> list[str]:
    """``SensAware.File.name`` for every constant the sources declare, in file order."""
    return [name for _, name in _declarations(proofs)]


def pinned(proofs: Path) -> dict[str, str]:
    """name → the command whose output :data:`STATEMENTS` pins: ``Print`` for every definition, fixpoint and
    inductive (body and type: what the statements mean), ``Check`` for every ``Theorem`` and every theorem
    :data:`~theory.theorems.THEOREMS` lists (its type, the statement)."""
    out = {}
    for kind, name in _declarations(proofs):
        if kind in _DEFINITION_KINDS:
            out[name] = "Print"
        elif kind == "Theorem":
            out[name] = "Check"
    for t in THEOREMS:
        for ref in t.proof:
            fname, thm = ref.split(":")
            out.setdefault(f"SensAware.{fname.removesuffix('.v')}.{thm}", "Check")
    return out


def read_statements(path: Path) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The golden file: its ``files:`` line (module stems) and name → (command, elaborated text)."""
    files: list[str] = []
    entries: dict[str, tuple[str, str]] = {}
    for line in path.read_text().splitlines():
        if line.startswith("files:"):
            files = line.split()[1:]
        elif line.strip() and not line.startswith("#"):
            cmd, name, text = line.split("\t", 2)
            entries[name] = (cmd, text)
    return files, entries


def _statements_script(entries: dict[str, str]) -> tuple[str, list[str]]:
    """Vernacular that writes each entry's ``Check``/``Print`` output, fully elaborated (``Set Printing All``,
    one line), to ``_stmt_<i>.out``; the entries' names in order."""
    names = list(entries)
    lines = ["Set Printing All.", "Set Printing Width 100000."]
    lines += [f'Redirect "_stmt_{i}" {entries[n]} {"@" if entries[n] == "Check" else ""}{n}.'
              for i, n in enumerate(names)]
    lines += ["Unset Printing All.", "Unset Printing Width."]
    return "\n".join(lines) + "\n", names


def _statement_outputs(build: Path, names: list[str]) -> dict[str, str]:
    out = {}
    for i, n in enumerate(names):
        f = build / f"_stmt_{i}.out"
        if f.exists():
            out[n] = " ".join(f.read_text().split())
    return out


def statement_problems(golden: tuple[list[str], dict[str, tuple[str, str]]], stems: list[str], declared: set[str],
                       current: dict[str, str], outputs: dict[str, str]) -> list[str]:
    """Differences between the compiled library and the golden statements: a module added or removed, a pinned
    name (``current``: :func:`pinned` of the sources) missing from the sources (``declared``) or from the golden
    file, an elaborated statement or definition (``outputs``) changed."""
    files, entries = golden
    problems = []
    if sorted(files) != sorted(stems):
        problems.append(f"modules {' '.join(sorted(stems))} differ from STATEMENTS' {' '.join(sorted(files))}")
    for name in current:
        if name not in declared:
            problems.append(f"{name}: listed in theory.theorems.THEOREMS but not declared")
    for name, (cmd, text) in entries.items():
        if name not in declared:
            problems.append(f"{name}: pinned in STATEMENTS but not declared")
        elif name not in outputs:
            problems.append(f"{name}: {cmd} gave no output")
        elif outputs[name] != text:
            problems.append(f"{name}: differs from STATEMENTS (compiled: {outputs[name][:300]})")
    for name in current:
        if name in declared and name not in entries:
            problems.append(f"{name}: not in STATEMENTS (after a deliberate change: {WRITE_STATEMENTS})")
    return problems


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
    #: warnings of the compile (any: e.g. ``comment-terminator-in-string`` flags a comment/string trick)
    warnings: list[str] = field(default_factory=list)
    #: differences from the committed :data:`STATEMENTS`
    statement_problems: list[str] = field(default_factory=list)
    axioms: set[str] = field(default_factory=set)
    log: str = ""
    #: name → the compiled, fully elaborated output of its pinned command (what ``--write-statements`` writes)
    statements: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (self.compiled and not self.forbidden and bool(self.names) and not self.assumption_problems
                and not self.coqchk_problems and not self.warnings and not self.statement_problems)

    def problems(self) -> list[str]:
        """Every problem found, layer by layer."""
        return (self.forbidden + self.warnings + self.assumption_problems + self.coqchk_problems
                + self.statement_problems)


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def _warnings(log: str) -> list[str]:
    """One line per ``Warning:`` of a coqc log, with its name (``[comment-terminator-in-string,parsing]``)."""
    out = []
    for block in re.split(r"\n(?=File )", log):
        if "Warning:" in block:
            out.append(" ".join(block.split())[:300])
    return out


def check_proofs(proofs: Path | str, full_coqchk: bool = True, statements: Path | str | None = STATEMENTS) -> ProofCheck:
    """Run every layer of the check on the ``*.v`` files of ``proofs`` (see the module docstring); ``statements``
    is the golden file (default: the checkout's committed :data:`STATEMENTS`; ``None`` skips that layer, only
    for writing it)."""
    proofs = Path(proofs)
    for tool in ("coqc", "coqdep", "coqchk"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"{tool} not found: install Coq first ({COQ_INSTALL})")
    chk = ProofCheck(forbidden=forbidden_in_sources(proofs), names=declared_names(proofs))
    current = pinned(proofs)
    golden = None
    if statements is not None:
        if Path(statements).is_file():
            golden = read_statements(Path(statements))
        else:
            chk.statement_problems.append(f"{statements}: no golden statements file ({WRITE_STATEMENTS})")
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
            chk.warnings += [f"{name}: {w}" for w in _warnings(res.stdout + res.stderr)]
            if res.returncode != 0:
                chk.compiled = False
                break
        if chk.compiled:
            modules = [f"SensAware.{Path(s).stem}" for s in ordered]
            # the pinned names the sources declare, printed fully elaborated (each to its own file), then one
            # Print Assumptions on a tuple of every declared constant: the union of their assumptions (one
            # traversal of the standard library instead of one per name)
            declared = set(chk.names)
            entries = {n: cmd for n, cmd in current.items() if n in declared}
            if golden is not None:
                entries.update({n: cmd for n, (cmd, _) in golden[1].items() if n in declared})
            stmt_script, stmt_names = _statements_script(entries)
            script = "".join(f"Require {m}.\n" for m in modules) + stmt_script + (
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
            chk.statements = _statement_outputs(build, stmt_names)
            if golden is not None:
                chk.statement_problems += statement_problems(golden, [Path(s).stem for s in sources], declared,
                                                             current, chk.statements)
            cmd = ["coqchk", "-silent", "-o", "-R", ".", "SensAware"]
            cmd += modules if full_coqchk else [x for m in modules for x in ("-norec", m)]
            res = _run(cmd, build)
            logs.append(f"$ {' '.join(cmd)}\n{res.stdout}{res.stderr}")
            chk.coqchk_problems = coqchk_problems(res.stdout + res.stderr, full=full_coqchk)
            if res.returncode != 0:
                chk.coqchk_problems.append(f"coqchk exited with {res.returncode}")
    chk.log = "\n".join(logs)
    return chk


def write_statements(proofs: Path | str, path: Path | str = STATEMENTS) -> ProofCheck:
    """Compile ``proofs`` and write its pinned statements to the golden file ``path`` (only when every other
    layer passes); the documented command is ``sensaware verify --write-statements``."""
    proofs = Path(proofs)
    chk = check_proofs(proofs, full_coqchk=False, statements=None)
    current = pinned(proofs)
    missing = sorted(set(current) - set(chk.statements))
    if not chk.ok or missing:
        why = "; ".join(chk.problems() + missing) or chk.log[-2000:]
        raise ValueError(f"not writing {path}: the proofs fail the check ({why})")
    lines = [
        "# The statements proofs/ proves and the definitions they use, fully elaborated (Coq 8.16, Set Printing All),",
        f"# one per line: command <TAB> name <TAB> output. Written by `{WRITE_STATEMENTS}`;",
        "# empirical.verify.check_proofs fails when a compiled statement or definition differs from its line here.",
        "files: " + " ".join(sorted(p.stem for p in proofs.glob("*.v"))),
    ]
    lines += [f"{current[n]}\t{n}\t{chk.statements[n]}" for n in sorted(current)]
    Path(path).write_text("\n".join(lines) + "\n")
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


def verify(run_property_tests: bool = True, proofs: Path | str | None = None, full_coqchk: bool = True) -> Report:
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
    if p.warnings:
        lines.append("COQ WARNINGS: " + "; ".join(p.warnings))
    if p.statement_problems:
        lines.append("STATEMENTS CHANGED: " + "; ".join(p.statement_problems[:20])
                     + (f"; … {len(p.statement_problems) - 20} more" if len(p.statement_problems) > 20 else ""))
    lines.append("verified" if rep.ok else "NOT verified")
    return "\n".join(lines)
