"""sensaware.theory — sensitivity awareness (SA) and attribute inference (AI) as privacy games,
with numeric (numpy) and symbolic (sympy) DP bounds on the adversary's advantage.

Never imports torch or :mod:`empirical`.

>>> from theory import eta, tight_gary_advantage
>>> round(eta(1.0, 0.0), 6), round(tight_gary_advantage(1.0, 0.0, 10), 6)
(0.462117, 0.146633)
"""

from theory.advantage import advantage, success_from_advantage
from theory.composition import basic_composition, group_privacy, tv_tensorisation
from theory.correlation_floor import bayes_success_context, correlation_floor
from theory.dp_chain import dp_chain_advantage
from theory.dp_to_tv import eta, eta_symbolic, eta_witness
from theory.dpsgd import (
    DpSgdBound,
    PrivacyProfile,
    ProfileBound,
    UnitGuarantee,
    dpsgd_calibrate,
    dpsgd_epsilon,
    dpsgd_pld,
    dpsgd_privacy_profile,
    dpsgd_sa_bound,
    dpsgd_unit_guarantee,
    profile_sa_bound,
)
from theory.games import Adversary, AIGame, Guard, Mechanism, Prior, SAGame
from theory.inversion import epsilon_lower_bound, epsilon_lower_bound_eta, epsilon_lower_bound_success
from theory.optimal_lp import optimal_success_lp, optimal_success_lp_conditional
from theory.policy_scoped import Policy, sa_private_delta, sa_private_epsilon
from theory.post_processing import post_processing_tv
from theory.prior_aware import optimal_mechanism, optimal_success, prior_aware_success
from theory.sandwich import sandwich_advantage, sandwich_dp, sandwich_success
from theory.summary import SaBound, sa_bound
from theory.theorems import THEOREMS
from theory.tight_gary import randomized_response, tight_gary_advantage, tight_gary_success, tight_gary_witness
from theory.total_variation import dp_delta, dp_epsilon, hockey_stick, is_dp_pair, tv_distance

__all__ = [
    "advantage", "success_from_advantage", "basic_composition", "group_privacy", "tv_tensorisation",
    "bayes_success_context", "correlation_floor", "dp_chain_advantage", "eta", "eta_symbolic", "eta_witness",
    "dpsgd_epsilon", "dpsgd_sa_bound", "dpsgd_privacy_profile", "profile_sa_bound", "DpSgdBound", "PrivacyProfile",
    "ProfileBound", "dpsgd_pld", "dpsgd_unit_guarantee", "dpsgd_calibrate", "UnitGuarantee", "optimal_success",
    "optimal_mechanism", "SaBound", "Adversary", "AIGame", "Guard", "Mechanism", "Prior", "SAGame",
    "epsilon_lower_bound", "epsilon_lower_bound_eta", "epsilon_lower_bound_success", "optimal_success_lp",
    "optimal_success_lp_conditional", "Policy", "sa_private_delta", "sa_private_epsilon", "post_processing_tv",
    "prior_aware_success", "sandwich_advantage", "sandwich_dp", "sandwich_success", "sa_bound", "THEOREMS",
    "randomized_response", "tight_gary_advantage", "tight_gary_success", "tight_gary_witness", "dp_delta",
    "dp_epsilon", "hockey_stick", "is_dp_pair", "tv_distance",
]
