"""One table of the theory's results: each theorem's name ties its numeric and symbolic functions,
its property tests and (where the statement is a real inequality) its Coq proof together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theorem:
    """A result of the theory (arXiv 2601.20901 and ours) and where each of its forms lives."""

    name: str
    result: str
    statement: str
    numeric: tuple[str, ...]
    symbolic: tuple[str, ...]
    tests: str
    proof: tuple[str, ...] = ()  # "File.v:theorem" in proofs/
    certificates: tuple[str, ...] = ()  # names in theory.certificates
    #: "proven" only when the statement about the game itself is proven in proofs/; otherwise "tested"
    status: str = "tested"


THEOREMS: tuple[Theorem, ...] = (
    Theorem(
        "advantage",
        "normalisation",
        "Adv = (G·Succ − 1)/(G − 1) ∈ [−1/(G−1), 1]; inverse; G = 2 ⇒ 2·Succ − 1",
        ("theory.advantage.advantage", "theory.advantage.success_from_advantage"),
        ("theory.advantage.advantage_symbolic", "theory.advantage.success_from_advantage_symbolic"),
        "tests/theory/test_advantage.py",
        proof=("Advantage.v:advantage_range", "Advantage.v:advantage_inverse", "Advantage.v:advantage_binary"),
        certificates=("advantage_inverse",),
        status="proven",
    ),
    Theorem(
        "post_processing",
        "1",
        "TV(PK, QK) ≤ TV(P, Q); Succ*_SA ≤ Succ*_AI; A∘Guard has equal success",
        ("theory.post_processing.post_processing_tv", "theory.post_processing.sa_optimal_success_le_ai"),
        ("theory.post_processing.post_processing_tv_symbolic",),
        "tests/theory/test_post_processing.py",
        proof=(
            "PostProcessing.v:post_processing",
            "PostProcessing.v:dp_post_processing",
            "PostProcessing.v:sa_is_post_processing",
            "PostProcessing.v:sa_le_ai",
            "PostProcessing.v:post_processing_refuse_all",
        ),
        certificates=(),
        status="proven",
    ),
    Theorem(
        "correlation_floor",
        "2",
        "L = (G·B − 1)/(G − 1), B = Σ_φ max_g Pr(φ, g); Adv* ≥ L",
        ("theory.correlation_floor.correlation_floor", "theory.correlation_floor.bayes_success_context"),
        ("theory.correlation_floor.correlation_floor_symbolic",),
        "tests/theory/test_correlation_floor.py",
        proof=("Sandwich.v:correlation_floor_attained", "Sandwich.v:sandwich_lower", "Sandwich.v:correlation_floor_range"),
        status="proven",
        certificates=(),
    ),
    Theorem(
        "dp_to_tv",
        "3",
        "(ε,δ)-DP ⇒ TV ≤ η(ε,δ) = (e^ε − 1 + 2δ)/(e^ε + 1), tight",
        ("theory.dp_to_tv.eta", "theory.dp_to_tv.eta_witness"),
        ("theory.dp_to_tv.eta_symbolic", "theory.dp_to_tv.eta_witness_symbolic"),
        "tests/theory/test_dp_to_tv.py",
        proof=("DpToTv.v:dp_to_tv", "DpToTv.v:eta_witness_dp", "DpToTv.v:eta_witness_tight", "DpToTv.v:eta_zero_delta"),
        certificates=("dp_to_tv_identity", "eta_tanh", "eta_special_cases", "eta_monotone", "eta_witness", "hypothesis_testing_crossing"),
        status="proven",
    ),
    Theorem(
        "dp_chain",
        "4",
        "Adv_SA ≤ Adv_AI ≤ max TV(P_g, P_h) ≤ η(ε,δ) (uniform prior)",
        ("theory.dp_chain.dp_chain_advantage", "theory.dp_chain.tv_chain_success"),
        ("theory.dp_chain.dp_chain_advantage_symbolic", "theory.dp_chain.tv_chain_success_symbolic"),
        "tests/theory/test_dp_chain.py",
        proof=("Chain.v:dp_chain", "Chain.v:adv_ai_le_tv", "Chain.v:dp_chain_guarded"),
        certificates=(),
        status="proven",
    ),
    Theorem(
        "sandwich",
        "5",
        "B ≤ Succ* ≤ B + (1 − B)η, L ≤ Adv* ≤ L + (1 − L)η",
        ("theory.sandwich.sandwich_success", "theory.sandwich.sandwich_advantage"),
        ("theory.sandwich.sandwich_success_symbolic", "theory.sandwich.sandwich_advantage_symbolic"),
        "tests/theory/test_sandwich.py",
        proof=(
            "Sandwich.v:sandwich_upper",
            "Sandwich.v:sandwich_lower",
            "Sandwich.v:sandwich_upper_advantage",
            "Sandwich.v:sandwich_dp",
            "Sandwich.v:sandwich_dp_advantage",
        ),
        certificates=("sandwich_forms",),
        status="proven",
    ),
    Theorem(
        "tight_gary",
        "6",
        "Succ* = (e^ε + (G−1)δ)/(e^ε + G − 1) under pairwise (ε,δ)-DP, uniform prior",
        ("theory.tight_gary.tight_gary_success", "theory.tight_gary.tight_gary_advantage", "theory.tight_gary.tight_gary_witness"),
        ("theory.tight_gary.tight_gary_success_symbolic", "theory.tight_gary.tight_gary_advantage_symbolic"),
        "tests/theory/test_tight_gary.py",
        proof=("TightGary.v:tight_gary", "TightGary.v:tight_gary_attained", "TightGary.v:tight_gary_optimum",
               "TightGary.v:tight_gary_advantage_form"),
        certificates=("tight_gary_forms", "tight_gary_summation"),
        status="proven",
    ),
    Theorem(
        "prior_aware",
        "7",
        "ε-DP, any prior: Succ* = max_k e^ε/(e^ε + k − 1)·Σ_{i≤k} w_(i); δ > 0: exact LP; its inversion (ε from a success)",
        ("theory.prior_aware.prior_aware_success", "theory.optimal_lp.optimal_success_lp",
         "theory.inversion.epsilon_lower_bound_success"),
        ("theory.prior_aware.prior_aware_success_symbolic",),
        "tests/theory/test_prior_aware.py",
        proof=(),
        certificates=(),
    ),
    Theorem(
        "composition",
        "8",
        "(kε, min(1,kδ)); TV(P^⊗k, Q^⊗k) ≤ min(1, k·TV); DP-SGD",
        (
            "theory.composition.basic_composition",
            "theory.composition.tv_tensorisation",
            "theory.dpsgd.dpsgd_sa_bound",
        ),
        (
            "theory.composition.basic_composition_symbolic",
            "theory.composition.tv_tensorisation_symbolic",
        ),
        "tests/theory/test_composition.py",
        proof=(),
        certificates=(),
    ),
    Theorem(
        "group_privacy",
        "8",
        "group: k add/remove steps ⇒ (kε, δΣ_{i<k}e^{iε}); replace-one ⇒ (2ε, (1 + e^ε)δ); k replacements ⇒ (2kε, δΣ_{i<2k}e^{iε})",
        ("theory.composition.group_privacy",),
        ("theory.composition.group_privacy_symbolic",),
        "tests/theory/test_composition.py",
        proof=("GroupPrivacy.v:group_privacy", "GroupPrivacy.v:replace_one_from_add_remove",
               "GroupPrivacy.v:group_privacy_replace_one"),
        certificates=("group_privacy_replacement",),
        status="proven",
    ),
    Theorem(
        "policy_scoped",
        "9",
        "(ε,δ)-SA-privacy over D ≃_r D'; standard DP implies it for every policy",
        ("theory.policy_scoped.sa_private_epsilon", "theory.policy_scoped.sa_private_delta"),
        ("theory.total_variation.tv_distance_symbolic",),
        "tests/theory/test_policy_scoped.py",
        proof=(),
        certificates=(),
    ),
    Theorem(
        "inversion",
        "inverting bounds",
        "advantage ≥ a (uniform prior) ⇒ ε ≥ ε_lb = ln((1 + (G−1)a − Gδ)/(1 − a)), increasing in a; G = 2: ln((1 + a − 2δ)/(1 − a))",
        ("theory.inversion.epsilon_lower_bound",),
        ("theory.inversion.epsilon_lower_bound_symbolic", "theory.inversion.epsilon_lower_bound_eta_symbolic"),
        "tests/theory/test_inversion.py",
        proof=("Inversion.v:inversion_lower_bound", "Inversion.v:eps_lb_monotone", "Inversion.v:gary_adv_strict",
               "Inversion.v:inversion_round_trip", "Inversion.v:inversion_round_trip_back"),
        certificates=("inversion",),
        status="proven",
    ),
)


def markdown_table() -> str:
    """The theorem table of proofs/README.md, generated from :data:`THEOREMS` (a test keeps them equal)."""

    def cell(items) -> str:
        return "<br>".join(f"`{x}`" for x in items) if items else "—"

    rows = [
        "| theorem | result | statement | status | Coq proof (proofs/) | sympy certificate | numeric | property tests |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in THEOREMS:
        rows.append(
            f"| `{t.name}` | {t.result} | {t.statement} | {t.status} | {cell(t.proof)} | {cell(t.certificates)} | "
            f"{cell(x.removeprefix('theory.') for x in t.numeric)} | `{t.tests}` |"
        )
    return "\n".join(rows)


def by_name(name: str) -> Theorem:
    """The theorem called ``name``."""
    for t in THEOREMS:
        if t.name == name:
            return t
    raise ValueError(f"`name` must be one of {[t.name for t in THEOREMS]}. Found {name!r}.")
