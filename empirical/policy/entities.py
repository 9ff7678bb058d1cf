"""Employee records as Cedar entities: ``Employee::"<id>"`` with attributes ``department`` and ``role`` (strings) and
``supervisor`` (an ``Employee``), and parents ``Department::"<department>"`` and ``Role::"<role>"`` (so a policy can
say ``principal in Department::"HR"``)."""

from __future__ import annotations

from empirical.policy.cedar import EMPLOYEE


def employee_entity(eid: str, department: str | None = None, role: str | None = None,
                    supervisor: str | None = None) -> dict:
    """One employee in Cedar's JSON entity form; absent fields are left out (``resource has supervisor`` is false)."""
    attrs: dict = {}
    parents = []
    if department is not None:
        attrs["department"] = department
        parents.append({"type": "Department", "id": department})
    if role is not None:
        attrs["role"] = role
        parents.append({"type": "Role", "id": role})
    if supervisor is not None:
        attrs["supervisor"] = {"__entity": {"type": EMPLOYEE, "id": supervisor}}
    return {"uid": {"type": EMPLOYEE, "id": eid}, "attrs": attrs, "parents": parents}
