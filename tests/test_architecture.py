"""The package's shape: data flows one way between the sub-packages, and no module imports its way into a cycle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: what each part may import from the project (itself included); the order is the data flow
ALLOWED = {
    "theory": {"theory"},
    "empirical.policy": {"empirical.policy"},
    "empirical.benchmark": {"theory", "empirical.policy", "empirical.benchmark"},
    "empirical.model": {"theory", "empirical.policy", "empirical.benchmark", "empirical.model"},
    "empirical.audit": {"theory", "empirical.policy", "empirical.benchmark", "empirical.model", "empirical.audit"},
    "empirical.verify": {"theory"},
    "empirical.pipeline": {"theory", "empirical.policy", "empirical.benchmark", "empirical.model", "empirical.audit",
                           "empirical.pipeline"},
    "empirical.cli": {"theory", "empirical.policy", "empirical.benchmark", "empirical.model", "empirical.audit",
                      "empirical.pipeline", "empirical.verify", "empirical.cli"},
    "empirical.__main__": {"empirical.cli"},
}
#: packages slow to import or optional: imported where used, so `import theory` and the CLI start fast
HEAVY = {"torch", "transformers", "peft", "bitsandbytes", "accelerate", "trl", "lm_eval", "matplotlib", "sympy", "scipy",
         "openai", "httpx", "opacus", "safetensors", "gguf", "datasets", "tokenizers", "dp_accounting", "tomllib", "tomli",
         "yaml", "aiohttp", "uvicorn", "fastapi", "tqdm", "importlib.metadata", "cedarpy"}


def _modules():
    for pkg in ("theory", "empirical"):
        for f in sorted((ROOT / pkg).rglob("*.py")):
            if "data" in f.relative_to(ROOT / pkg).parts:
                continue  # bundled task helpers for lm-eval, not part of the import graph
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), ast.parse(f.read_text(encoding="utf-8"))


def _known() -> set[str]:
    return {m for m, _ in _modules()}


def _imports(tree):
    """(module imported, at module top?) for every import in the file; ``from pkg import mod`` counts as importing
    ``pkg.mod`` when that is a module of the project."""
    top = {id(n) for n in tree.body}
    known = _KNOWN
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, id(node) in top
            for a in node.names:
                if f"{node.module}.{a.name}" in known:
                    yield f"{node.module}.{a.name}", id(node) in top


_KNOWN: set[str] = set()
_KNOWN |= _known()


def test_no_relative_imports():
    rel = [m for m, tree in _modules() for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
    assert rel == []


def _part(mod: str) -> str:
    for p in sorted(ALLOWED, key=len, reverse=True):
        if mod == p or mod.startswith(p + "."):
            return p
    return mod


def test_one_way_data_flow():
    bad = []
    for mod, tree in _modules():
        own = _part(mod)
        if own not in ALLOWED:
            continue
        for imp, _ in _imports(tree):
            if imp.split(".")[0] in ("theory", "empirical") and _part(imp) not in ALLOWED[own]:
                bad.append(f"{mod} imports {imp}")
    assert bad == []


def _heavy_modules(trees: dict) -> set[str]:
    """Project modules that import a heavy package at their top, directly or through another project module."""
    heavy: set[str] = set()
    changed = True
    while changed:
        changed = False
        for mod, tree in trees.items():
            if mod in heavy:
                continue
            for imp, at_top in _imports(tree):
                if at_top and (imp.split(".")[0] in HEAVY or imp in HEAVY or imp in heavy):
                    heavy.add(mod)
                    changed = True
                    break
    return heavy


def test_project_imports_at_module_top_and_no_cycle():
    # library modules import the project's modules at their top; a function-local import is kept for heavy packages
    # (and project modules that load them), and in the CLI, which loads a command's implementation when it runs
    trees = dict(_modules())
    heavy = _heavy_modules(trees)
    graph: dict[str, set[str]] = {}
    local = []
    for mod, tree in trees.items():
        graph[mod] = set()
        for imp, at_top in _imports(tree):
            if at_top or mod.startswith("empirical.cli"):
                if imp.split(".")[0] in ("theory", "empirical"):
                    graph[mod].add(imp)
                continue
            if imp.split(".")[0] not in HEAVY and imp not in HEAVY and imp not in heavy:
                local.append(f"{mod} imports {imp} inside a function")
    assert local == []
    seen: dict[str, int] = {}

    def visit(m, stack):
        seen[m] = 1
        for n in graph.get(m, ()):
            if n not in graph:
                continue
            assert seen.get(n) != 1, "import cycle: " + " -> ".join([*stack, m, n])
            if n not in seen:
                visit(n, [*stack, m])
        seen[m] = 2

    for m in graph:
        if m not in seen:
            visit(m, [])
