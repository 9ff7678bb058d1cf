"""Asker relations: how the verified user stands to the employee whose record is asked about.

``self`` (the employee), ``supervisor`` (the employee's supervisor), ``report`` (someone who reports to the
employee), ``colleague`` (same department, none of the above), ``department:<D>`` / ``role:<R>`` (a member of a
department or role the policy names, none of the above), ``other`` (none of these) and ``impersonation`` (an
``other`` whose message claims to be the employee: the principal is still the verified user).

:func:`relation_of` classifies a real (asker, target) pair; :func:`relation_table` decides every (relation,
attribute) on a minimal organisation (one target, their supervisor, a report, a colleague, one member of each
named department and role, an outsider), the policy at a glance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from empirical.policy.cedar import Policy
from empirical.policy.entities import employee_entity

BASE_RELATIONS = ("self", "supervisor", "report", "colleague")
#: a department and role no policy is expected to name: the minimal organisation's target and outsider work there
UNNAMED_DEPARTMENT, UNNAMED_ROLE = "sensaware-unnamed-department", "sensaware-unnamed-role"


def named_relations(policy: Policy) -> list[str]:
    """``department:<D>`` and ``role:<R>`` for every department and role the policy names, sorted."""
    m = policy.mentions
    return [f"department:{d}" for d in sorted(m.get("Department", ()))] + [f"role:{r}" for r in sorted(m.get("Role", ()))]


def relations(policy: Policy) -> list[str]:
    """Every relation the questionnaire distinguishes under ``policy``, in a fixed order."""
    return [*BASE_RELATIONS, *named_relations(policy), "other", "impersonation"]


def relation_of(asker: dict, target: dict, named: Sequence[str]) -> str:
    """The relation of ``asker`` to ``target`` (records with ``id``, ``department``, ``role``, ``supervisor_id``);
    the first that holds in the order of :func:`relations` (``impersonation`` is a property of the message, never
    returned here)."""
    if asker["id"] == target["id"]:
        return "self"
    if target.get("supervisor_id") == asker["id"]:
        return "supervisor"
    if asker.get("supervisor_id") == target["id"]:
        return "report"
    if asker.get("department") is not None and asker.get("department") == target.get("department"):
        return "colleague"
    for n in named:
        kind, _, value = n.partition(":")
        if asker.get("department" if kind == "department" else "role") == value:
            return n
    return "other"


def _minimal_org(policy: Policy) -> tuple[list[dict], dict[str, str]]:
    """Entities of the minimal organisation and each relation's asker id (the target is ``t``)."""
    ents = [employee_entity("t", UNNAMED_DEPARTMENT, UNNAMED_ROLE, "s"),
            employee_entity("s", UNNAMED_DEPARTMENT, UNNAMED_ROLE, "s"),
            employee_entity("r", UNNAMED_DEPARTMENT, UNNAMED_ROLE, "t"),
            employee_entity("c", UNNAMED_DEPARTMENT, UNNAMED_ROLE, "s"),
            employee_entity("o", f"{UNNAMED_DEPARTMENT}-2", UNNAMED_ROLE, "o")]
    asker = {"self": "t", "supervisor": "s", "report": "r", "colleague": "c", "other": "o", "impersonation": "o"}
    for i, n in enumerate(named_relations(policy)):
        kind, _, value = n.partition(":")
        dept = value if kind == "department" else f"{UNNAMED_DEPARTMENT}-2"
        role = value if kind == "role" else UNNAMED_ROLE
        ents.append(employee_entity(f"n{i}", dept, role, f"n{i}"))
        asker[n] = f"n{i}"
    return ents, asker


def relation_table(policy: Policy, attributes: Iterable[str]) -> dict[str, dict[str, bool]]:
    """relation → attribute → the policy's decision (True = allowed) on the minimal organisation."""
    attributes = list(attributes)
    ents, asker = _minimal_org(policy)
    rels = relations(policy)
    requests = [(asker[r], a, "t") for r in rels for a in attributes]
    decisions = iter(policy.decide(requests, ents))
    return {r: {a: next(decisions) for a in attributes} for r in rels}


def format_relation_table(table: dict[str, dict[str, bool]]) -> str:
    """A plain-text table: one row per relation, one column per attribute, ``allow`` or ``-``."""
    attributes = list(next(iter(table.values())))
    width = max(len(r) for r in [*table, "asker relation"]) + 2
    cols = [max(8, len(a) + 2) for a in attributes]
    head = f"{'asker relation':<{width}}" + "".join(f"{a:>{w}}" for a, w in zip(attributes, cols))
    lines = [head, "-" * len(head)]
    for r, row in table.items():
        lines.append(f"{r:<{width}}" + "".join(f"{'allow' if row[a] else '-':>{w}}" for a, w in zip(attributes, cols)))
    return "\n".join(lines)
