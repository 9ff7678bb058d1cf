"""Result 8: composition, group privacy, TV tensorisation and the DP-SGD bridge."""

import itertools
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from tests.theory.strategies import deltas, stochastic_matrices
from theory.composition import (
    basic_composition,
    basic_composition_symbolic,
    group_privacy,
    group_privacy_symbolic,
    tv_tensorisation,
)
from theory.dp_to_tv import eta
from theory.dpsgd import dpsgd_epsilon, dpsgd_sa_bound
from theory.symbols import DELTA, EPS, K
from theory.total_variation import dp_delta, tv_distance


@given(st.floats(0, 5), deltas, st.integers(1, 20))
def test_basic_composition(e, d, k):
    ek, dk = basic_composition(e, d, k)
    assert ek == pytest.approx(k * e) and dk == pytest.approx(min(1.0, k * d))
    se, sd = basic_composition_symbolic()
    assert float(se.subs({K: k, EPS: e})) == pytest.approx(ek)
    assert float(sd.subs({K: k, DELTA: d})) == pytest.approx(dk)


def test_group_privacy_replacement_closed_form():
    assert group_privacy(1.0, 1e-5, 2) == (2.0, pytest.approx((1 + math.e) * 1e-5))
    se, sd = group_privacy_symbolic()
    assert sp.simplify(sd.subs(K, 2).doit() - DELTA * (1 + sp.exp(EPS))) == 0


@given(st.floats(0, 3), st.floats(0, 1e-3), st.integers(1, 6))
def test_group_privacy_symbolic_equals_numeric(e, d, k):
    se, sd = group_privacy_symbolic()
    assert group_privacy(e, d, k)[1] == pytest.approx(min(1.0, float(sd.subs({K: k, EPS: e, DELTA: d}).doit())),
                                                      rel=1e-12, abs=1e-15)


def test_composition_by_enumeration():
    # two uses of an (ε, δ) pair: the product laws must be (2ε, 2δ)-DP (basic composition)
    p, q = np.array([0.05, 0.6, 0.35]), np.array([0.0, 0.35, 0.65])
    e = float(np.log(0.6 / 0.35))
    d = dp_delta(p, q, e)
    pp = np.outer(p, p).ravel()
    qq = np.outer(q, q).ravel()
    ek, dk = basic_composition(e, d, 2)
    assert dp_delta(pp, qq, ek) <= dk + 1e-12


@given(stochastic_matrices(2, 3), st.integers(1, 3))
def test_tv_tensorisation_by_enumeration(pq, k):
    p, q = pq
    pk = np.array([np.prod(c) for c in itertools.product(p, repeat=k)])
    qk = np.array([np.prod(c) for c in itertools.product(q, repeat=k)])
    assert tv_distance(pk, qk) <= tv_tensorisation(tv_distance(p, q), k) + 1e-12


def test_dpsgd_matches_dp_accounting_directly():
    import dp_accounting
    from dp_accounting import pld, rdp

    ev = dp_accounting.SelfComposedDpEvent(dp_accounting.PoissonSampledDpEvent(0.01, dp_accounting.GaussianDpEvent(1.1)),
                                           1000)
    for acc, name in ((rdp.RdpAccountant(), "rdp"), (pld.PLDAccountant(), "pld")):
        acc.compose(ev)
        assert dpsgd_epsilon(1.1, 0.01, 1000, 1e-5, name) == pytest.approx(acc.get_epsilon(1e-5), rel=1e-12)


def test_dpsgd_sa_bound_chain():
    g = dpsgd_sa_bound(1.1, 0.01, 1000, 1e-5, 10)
    assert g.replace_epsilon == pytest.approx(2 * g.epsilon)
    assert g.replace_delta == pytest.approx((1 + math.exp(g.epsilon)) * 1e-5)
    assert g.tv_bound == pytest.approx(eta(g.replace_epsilon, g.replace_delta))
    assert g.advantage_bound < g.tv_bound
    # more noise -> smaller ε
    assert dpsgd_epsilon(2.0, 0.01, 1000, 1e-5) < g.epsilon


@pytest.mark.parametrize("kw,name", [({"noise_multiplier": 0}, "noise_multiplier"), ({"sampling_rate": 0}, "sampling_rate"),
                                     ({"steps": 0}, "steps"), ({"delta": 0}, "delta"), ({"accountant": "x"}, "accountant")])
def test_dpsgd_bad_input(kw, name):
    args = {"noise_multiplier": 1.0, "sampling_rate": 0.01, "steps": 10, "delta": 1e-5, **kw}
    with pytest.raises(ValueError, match=f"`{name}`"):
        dpsgd_epsilon(**args)
