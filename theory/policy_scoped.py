"""Result 9 — policy-scoped DP (SA-privacy).

Databases ``D ≃_r D'`` if they agree on every field in ``Acc(r)``. A mechanism M is
(ε, δ)-SA-private if for every role r, query q and ``D ≃_r D'`` the output laws are
(ε, δ)-indistinguishable. Then every SA game against r satisfies results 5–7. Standard DP (all
neighbours) implies SA-privacy for every policy; not conversely.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from theory.total_variation import dp_delta, dp_epsilon
from theory.validate import check_delta

Record = Mapping[str, Hashable]
Database = Sequence[Record]


@dataclass(frozen=True)
class Policy:
    """Role-based access: ``access(role, database, index) -> set of visible field names`` of record ``index``.

    :meth:`access_denied_inc` builds the ACCESS DENIED INC policy: confidential fields of a record are
    visible to the employee, their supervisor and HR only.
    """

    access: Callable[[Hashable, Database, int], frozenset]

    def visible(self, role: Hashable, db: Database, index: int) -> frozenset:
        return frozenset(self.access(role, db, index))

    def neighbours(self, role: Hashable, db: Database, other: Database) -> bool:
        """D ≃_r D': same size and equal on every field r may see (as judged on D)."""
        if len(db) != len(other):
            return False
        for i, (a, b) in enumerate(zip(db, other)):
            for f in self.visible(role, db, i) | self.visible(role, other, i):
                if a.get(f) != b.get(f):
                    return False
        return True

    @classmethod
    def access_denied_inc(cls, confidential: frozenset = frozenset({"salary", "age", "marital_status", "supervisor"}),
                          hr_department: str = "HR") -> "Policy":
        """Role = an employee id. Public fields of every record are visible; confidential ones only to the
        record's own employee, its supervisor (by id) and members of ``hr_department``."""

        def access(role, db, index):
            rec = db[index]
            fields = set(rec)
            asker = next((r for r in db if r.get("id") == role), None)
            allowed = role == rec.get("id") or role == rec.get("supervisor_id") or (
                asker is not None and asker.get("department") == hr_department)
            return frozenset(fields if allowed else fields - confidential)

        return cls(access)


def neighbouring_laws(mechanism: Callable[[Database, Hashable, Hashable], np.ndarray], databases: Sequence[Database],
                      policy: Policy, roles: Sequence[Hashable], queries: Sequence[Hashable]):
    """Yield the output-law pairs (M(D, r, q), M(D', r, q)) over roles, queries and policy-neighbouring pairs D ≃_r D'."""
    for r in roles:
        for q in queries:
            for a, b in combinations(range(len(databases)), 2):
                if policy.neighbours(r, databases[a], databases[b]):
                    yield mechanism(databases[a], r, q), mechanism(databases[b], r, q)


def sa_private_delta(mechanism, databases, policy: Policy, roles, queries, epsilon: float) -> float:
    """The smallest δ for which ``mechanism`` (D, r, q) ↦ output law is (ε, δ)-SA-private over the given finite
    family of databases: max over roles, queries and policy-neighbouring pairs of the hockey-stick divergence."""
    return max((dp_delta(p, q, epsilon) for p, q in neighbouring_laws(mechanism, databases, policy, roles, queries)),
               default=0.0)


def sa_private_epsilon(mechanism, databases, policy: Policy, roles, queries, delta: float = 0.0) -> float:
    """The smallest ε for which the mechanism is (ε, δ)-SA-private over the given family (``inf`` if none)."""
    d = float(check_delta(delta))
    return max((dp_epsilon(p, q, d) for p, q in neighbouring_laws(mechanism, databases, policy, roles, queries)),
               default=0.0)
