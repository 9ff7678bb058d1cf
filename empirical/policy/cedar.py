"""A Cedar access policy: parsed once, decided in batches, its errors located by file, line and column.

A query "may user *u* read attribute *a* of employee *t*'s record?" is the Cedar request

    principal = Employee::"<u's id>",  action = Action::"read_<a>" (a member of Action::"read"),
    resource  = Employee::"<t's id>",

decided by Cedar's ``is_authorized`` over the entities of :mod:`empirical.policy.entities` (default deny: a query
no ``permit`` covers, or one a ``forbid`` covers, is refused).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

ACTION_GROUP = "read"
EMPLOYEE = "Employee"
_TOKEN = re.compile(r"unexpected token `(.*)`")


class PolicyError(ValueError):
    """A policy that cannot be parsed, or a decision Cedar could not evaluate (the CLI prints it on one line)."""


def action_id(attribute: str) -> str:
    """The Cedar action of reading ``attribute``: ``read_<attribute>``."""
    return f"{ACTION_GROUP}_{attribute}"


def _cedar():
    try:
        import cedarpy
    except ModuleNotFoundError:  # a core dependency; only a broken install lacks it
        raise PolicyError("cedarpy is not installed (a dependency of sensaware: pip install cedarpy)") from None
    return cedarpy


def _parse_error(text: str) -> str | None:
    """Cedar's message for ``text``, or None when it parses."""
    try:
        _cedar().PolicySet.from_str(text)
    except ValueError as exc:
        return str(exc)
    return None


def locate(text: str, message: str) -> tuple[int, int]:
    """(line, column), 1-based, of the parse error ``message`` in ``text``: where the shortest prefix of ``text``
    that fails with that same message ends (at the start of the offending token when Cedar names it; just past the
    last character for "unexpected end of input")."""
    end = len(text.rstrip()) + 1  # just past the last character
    if "end of input" not in message:
        # a prefix that stops inside a statement fails with "unexpected end of input"; the first prefix with the
        # full text's message ends at the offending token
        cuts = [i + 1 for i, ch in enumerate(text) if not ch.isspace()]
        first = next((c for c in cuts if _parse_error(text[:c]) == message), cuts[-1])
        m = _TOKEN.search(message)
        word = message.rsplit(": ", 1)[-1] if ": " in message else ""
        if m:
            end = first - len(m.group(1)) + 1
        elif word and text.rfind(word, 0, first) >= 0:  # e.g. "invalid policy effect: permitt"
            end = text.rfind(word, 0, first) + 1
        else:
            end = first
    end = max(end, 1)
    line = text.count("\n", 0, end - 1) + 1
    col = end - (text.rfind("\n", 0, end - 1) + 1)
    return line, col


def _walk(node, attrs: set[str], uids: set[tuple[str, str]]) -> None:
    """Collect the attribute names read (``x.attr``, ``x has attr``) and the entity literals of a policy's JSON."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in (".", "has") and isinstance(v, dict) and isinstance(v.get("attr"), str):
                attrs.add(v["attr"])
            if k in ("__entity", "entity") and isinstance(v, dict) and {"type", "id"} <= v.keys():
                uids.add((v["type"], v["id"]))
            if k == "entities" and isinstance(v, list):
                uids.update((e["type"], e["id"]) for e in v if isinstance(e, dict) and {"type", "id"} <= e.keys())
            _walk(v, attrs, uids)
    elif isinstance(node, list):
        for v in node:
            _walk(v, attrs, uids)


@dataclass(frozen=True)
class Policy:
    """A Cedar policy set read from ``source``; :meth:`decide` answers batches of read requests."""

    text: str
    source: str = "<policy>"
    _parsed: object = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        message = _parse_error(self.text)
        if message is not None:
            line, col = locate(self.text, message)
            raise PolicyError(f"{self.source}:{line}:{col}: {message}")
        object.__setattr__(self, "_parsed", _cedar().PolicySet.from_str(self.text))
        if not self.statements:
            raise PolicyError(f"{self.source}: empty policy, no permit or forbid (it would refuse every request)")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Policy:
        """Read a ``.cedar`` file (UTF-8)."""
        p = Path(path)
        if not p.is_file():
            raise PolicyError(f"`--policy` {p}: no such file")
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError(f"{p}: not valid UTF-8 ({exc.reason})") from None
        return cls(text, str(p))

    @classmethod
    def bundled(cls, name: str = "access_denied_inc") -> Policy:
        """A policy shipped with sensaware (``empirical/data/policies/<name>.cedar``)."""
        return cls(policy_path(name).read_text(encoding="utf-8"), f"{name}.cedar (bundled)")

    @cached_property
    def statements(self) -> list[dict]:
        """The policies in Cedar's JSON form (effect, scope, conditions, annotations), in file order."""
        data = json.loads(_cedar().policies_to_json_str(self.text))
        return list(data.get("staticPolicies", {}).values())

    def descriptions(self) -> list[str]:
        """The ``@description`` annotations, in order: the policy in words (a prompt can quote them)."""
        return [s["annotations"]["description"] for s in self.statements if "description" in s.get("annotations", {})]

    @cached_property
    def mentions(self) -> dict[str, set[str]]:
        """What the policy refers to: ``attributes`` read from an entity (``resource.department``) and, per entity
        type, the ids it names (``Department`` → {"HR"}, ``Action`` → {"read", "read_salary"}, …)."""
        attrs: set[str] = set()
        uids: set[tuple[str, str]] = set()
        _walk(self.statements, attrs, uids)
        out: dict[str, set[str]] = {"attributes": attrs}
        for t, i in uids:
            out.setdefault(t, set()).add(i)
        return out

    def read_attributes(self) -> set[str]:
        """The record attributes the policy names an action for (``Action::"read_salary"`` → "salary")."""
        prefix = action_id("")
        return {a[len(prefix):] for a in self.mentions.get("Action", ()) if a.startswith(prefix)}

    def decide(self, requests: Sequence[tuple[str, str, str]], entities: Iterable[dict]) -> list[bool]:
        """Cedar's decision for each (asker id, attribute, target id): True = allowed. ``entities``: the Cedar JSON
        entities of every asker and target (:func:`empirical.policy.entities.employee_entity`)."""
        if not requests:
            return []
        cedarpy = _cedar()
        attributes = sorted({a for _, a, _ in requests})
        store = [*entities, *action_entities(attributes)]
        try:
            ents = cedarpy.Entities.from_json_str(json.dumps(store))
        except ValueError as exc:
            raise PolicyError(f"{self.source}: the records do not form valid Cedar entities ({exc})") from None
        reqs = [{"principal": {"type": EMPLOYEE, "id": str(u)}, "action": {"type": "Action", "id": action_id(a)},
                 "resource": {"type": EMPLOYEE, "id": str(t)}, "context": {}} for u, a, t in requests]
        results = cedarpy.is_authorized_batch(reqs, self._parsed, ents)
        for (u, a, t), r in zip(requests, results):
            errors = list(r.diagnostics.errors)
            if errors:
                raise PolicyError(f"{self.source}: evaluating ({u} reads {a} of {t}) failed: {'; '.join(map(str, errors))}")
        return [bool(r.allowed) for r in results]


def action_entities(attributes: Iterable[str]) -> list[dict]:
    """The action group ``Action::"read"`` and one member ``Action::"read_<a>"`` per attribute."""
    group = {"type": "Action", "id": ACTION_GROUP}
    return [{"uid": group, "attrs": {}, "parents": []},
            *({"uid": {"type": "Action", "id": action_id(a)}, "attrs": {}, "parents": [group]} for a in attributes)]


def policy_path(name: str) -> Path:
    """The bundled policy file ``name`` (without ``.cedar``); the error lists the bundled ones."""
    root = Path(__file__).resolve().parents[1] / "data" / "policies"
    p = root / f"{name}.cedar"
    if not p.is_file():
        known = sorted(q.stem for q in root.glob("*.cedar"))
        raise PolicyError(f"no bundled policy {name!r}; bundled: {', '.join(known)}")
    return p


def load_policy(spec: str) -> Policy:
    """A ``--policy`` argument: a path to a ``.cedar`` file, or the name of a bundled policy."""
    return Policy.load(spec) if spec.endswith(".cedar") or "/" in spec or os.sep in spec else Policy.bundled(spec)
