"""Result 9: policy-scoped DP on a three-person company."""

import numpy as np
import pytest

from theory.dp_to_tv import eta
from theory.policy_scoped import Policy, sa_private_delta, sa_private_epsilon
from theory.tight_gary import randomized_response
from theory.total_variation import tv_distance


def company(salary_bob: int, dept_bob: str = "IT"):
    return [
        {"id": "A0001", "name": "Ann", "department": "HR", "supervisor_id": "A0001", "salary": 1},
        {"id": "B0002", "name": "Bob", "department": dept_bob, "supervisor_id": "C0003", "salary": salary_bob},
        {"id": "C0003", "name": "Cy", "department": "IT", "supervisor_id": "C0003", "salary": 0},
    ]


def rr_salary(db, role, query):
    """Answers Bob's salary bit through binary randomised response with ε = 1."""
    return randomized_response(1.0, 2)[db[1]["salary"]]


def leaky_salary(db, role, query):
    return np.eye(2)[db[1]["salary"]]


POLICY = Policy.access_denied_inc(confidential=frozenset({"salary"}))
DBS = [company(0), company(1)]


def test_neighbours_follow_the_policy():
    # Colleague Cy supervises Bob, HR's Ann sees everything: not neighbours for them; Bob's peer with no rights: yes
    dbs = DBS + [company(0, "Legal")]
    assert POLICY.neighbours("Z9999", dbs[0], dbs[1])
    assert not POLICY.neighbours("C0003", dbs[0], dbs[1])
    assert not POLICY.neighbours("A0001", dbs[0], dbs[1])
    assert not POLICY.neighbours("Z9999", dbs[0], dbs[2])  # department is public


def test_rr_is_sa_private_with_its_epsilon():
    eps = sa_private_epsilon(rr_salary, DBS, POLICY, ["Z9999", "B0002"], ["salary?"])
    assert eps == pytest.approx(1.0, abs=1e-9)
    assert sa_private_delta(rr_salary, DBS, POLICY, ["Z9999"], ["q"], 1.0) == pytest.approx(0.0, abs=1e-12)
    # and the SA game against the unauthorised role obeys result 3
    assert tv_distance(rr_salary(DBS[0], "Z9999", "q"), rr_salary(DBS[1], "Z9999", "q")) <= eta(1.0, 0.0) + 1e-12


def test_leaky_mechanism_is_not_private_but_authorised_roles_are_out_of_scope():
    assert sa_private_epsilon(leaky_salary, DBS, POLICY, ["Z9999"], ["q"]) == float("inf")
    assert sa_private_delta(leaky_salary, DBS, POLICY, ["Z9999"], ["q"], 5.0) == pytest.approx(1.0)
    # only authorised roles asked: no neighbouring pair exists, the leak is allowed by the policy
    assert sa_private_epsilon(leaky_salary, DBS, POLICY, ["B0002", "C0003", "A0001"], ["q"]) == 0.0
