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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

ACTION_GROUP = "read"
EMPLOYEE = "Employee"


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


_LEX = re.compile(r'\s+|//[^\n]*|"(?:\\.|[^"\\\n])*"?|[A-Za-z_][A-Za-z0-9_]*|\d+|::|==|!=|<=|>=|&&|\|\||.', re.S)
_END = "unexpected end of input"
_NAMED = re.compile(r"`([^`]+)`|'([^']+)'")


def _tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each Cedar token of ``text`` (comments and white space left out; a rough lexer: enough to cut
    the text only between tokens)."""
    return [(m.start(), m.end()) for m in _LEX.finditer(text) if not m.group().isspace() and not m.group().startswith("//")]


def locate(text: str, message: str) -> tuple[int, int]:
    """(line, column), 1-based, of the parse error ``message`` in ``text``.

    Cedar's messages carry no position, so the parser is asked again: first each statement alone (up to its ``;``),
    to find the one that fails, then that statement's prefixes cut between tokens, where the first prefix that
    fails for another reason than "unexpected end of input" ends at the token the parser stopped on. "Unexpected
    token `x`" points at that token (or the last `x` before it: the parser may read one token further); a message
    that names a word (`foo` is not a valid function, an invalid variable …, found once a whole statement is read)
    points at the first token of the statement holding the word; "unexpected end of input" just past the last
    character."""
    toks = _tokens(text)
    tok = [text[a:b] for a, b in toks]
    pos = len(text.rstrip())  # 0-based: just past the last character
    first = 0
    for k in range(len(toks)):
        if tok[k] != ";" and k != len(toks) - 1:
            continue
        base = toks[first][0]
        if _parse_error(text[base:toks[k][1]]) is None:
            first = k + 1
            continue
        lo = next((j for j in range(first, k + 1) if _parse_error(text[base:toks[j][1]]) not in (None, _END)), None)
        if lo is None:  # the statement is only cut short (no `;`): the error is at its end
            break
        pos = toks[lo][0]
        m = _NAMED.search(message)
        word = (m.group(1) or m.group(2)) if m else (message.rsplit(": ", 1)[-1] if ": " in message else "")
        if message.startswith("unexpected token") and tok[lo] != word:
            # the parser may read one token past the culprit before it gives up: the last such token before
            pos = next((toks[j][0] for j in range(lo, first - 1, -1) if tok[j] == word), pos)
        elif "integer" in message:
            pos = next((toks[j][0] for j in range(first, lo + 1) if tok[j].isdigit() and len(tok[j]) > 18), pos)
        elif word and not message.startswith("unexpected"):
            pos = next((toks[j][0] for j in range(first, k + 1) if word in tok[j]), pos)
        break
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _walk(node, attrs: set[str], uids: set[tuple[str, str]]) -> None:
    """Collect the attribute names read (``x.attr``, ``x has attr``) and the entity literals of a policy's JSON."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in (".", "has") and isinstance(v, dict) and isinstance(v.get("attr"), str) \
                    and v.get("left") != {"Var": "context"}:
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
        if not self.statements and not self._json.get("templates"):
            raise PolicyError(f"{self.source}: empty policy, no permit or forbid (it would refuse every request)")
        problems = self.problems()
        if problems:
            raise PolicyError(f"{self.source}: {'; '.join(problems)}")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Policy:
        """Read a ``.cedar`` file (UTF-8)."""
        p = Path(path)
        if not p.is_file():
            raise PolicyError(f"`--policy` {p}: no such file")
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PolicyError(f"{p}: not valid UTF-8 ({exc.reason})") from None
        return cls(text, str(p))

    @classmethod
    def bundled(cls, name: str = "access_denied_inc") -> Policy:
        """A policy shipped with sensaware (``empirical/data/policies/<name>.cedar``)."""
        return cls(policy_path(name).read_text(encoding="utf-8"), f"{name}.cedar (bundled)")

    @cached_property
    def _json(self) -> dict:
        return json.loads(_cedar().policies_to_json_str(self.text))

    @cached_property
    def statements(self) -> list[dict]:
        """The policies in Cedar's JSON form (effect, scope, conditions, annotations), in file order."""
        return list(self._json.get("staticPolicies", {}).values())

    def problems(self) -> list[str]:
        """What makes a policy decide something other than its author meant, given the requests sensaware makes:
        templates (never linked here), entity types other than Employee, Department, Role and Action, an action
        that is not ``read`` or ``read_<attribute>``, ``action == Action::"read"`` (the group: no request is it),
        and ``context`` (the requests carry none)."""
        out = []
        if self._json.get("templates"):
            out.append("templates (?principal, ?resource) are not supported; write static policies")
        types: set[str] = set()
        for st in self.statements:
            for part in ("principal", "resource"):
                sc = st.get(part, {})
                if "entity_type" in sc:
                    types.add(sc["entity_type"])
                    if sc["entity_type"] != EMPLOYEE:
                        out.append(f"`{part} is {sc['entity_type']}` matches no request (the {part} is always an "
                                   f"{EMPLOYEE})")
                if sc.get("op") == "==" and sc.get("entity", {}).get("type") not in (None, EMPLOYEE):
                    out.append(f"`{part} == {sc['entity']['type']}::…` matches no request (the {part} is always an "
                               f"{EMPLOYEE}); write `{part} in …`")
            act = st.get("action", {})
            if act.get("op") == "==" and act.get("entity", {}).get("id") == ACTION_GROUP:
                out.append(f'`action == Action::"{ACTION_GROUP}"` matches no request (each is Action::"read_<attribute>", '
                           f'a member of Action::"{ACTION_GROUP}"); write `action in Action::"{ACTION_GROUP}"`')
        uids: set[tuple[str, str]] = set()
        _walk(self.statements, set(), uids)
        types |= {t for t, _ in uids}
        actions = {i for t, i in uids if t == "Action"}
        bad_types = sorted(types - {EMPLOYEE, "Department", "Role", "Action"})
        if bad_types:
            out.append(f"entity type(s) {', '.join(bad_types)}: the requests know Employee (principal and resource), "
                       "Department, Role and Action")
        bad_actions = sorted(a for a in actions if a != ACTION_GROUP and not a.startswith(action_id("")))
        if bad_actions:
            out.append(f"action(s) {', '.join(bad_actions)}: the requests are Action::\"read_<attribute>\", members of "
                       f"Action::\"{ACTION_GROUP}\"")
        if '"Var": "context"' in json.dumps(self.statements):
            out.append("`context`: the requests carry no context (write conditions on principal and resource)")
        return out

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


def decide_rows(policy: Policy, rows: Sequence[dict], entities_of: Callable[[list[str]], list[dict]]) -> list[bool]:
    """:meth:`Policy.decide` on query rows (``asker_id`` reads ``attribute`` of ``target_id``); ``entities_of`` gives
    the Cedar entities of a list of employee ids."""
    return policy.decide([(r["asker_id"], r["attribute"], r["target_id"]) for r in rows],
                         entities_of([i for r in rows for i in (r["asker_id"], r["target_id"])]))


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
    """A ``--policy`` argument: a file (an existing path, or any name ending in .cedar or holding a path separator),
    else the name of a bundled policy."""
    is_file = Path(spec).is_file() or spec.lower().endswith(".cedar") or "/" in spec or os.sep in spec
    return Policy.load(spec) if is_file else Policy.bundled(spec)
