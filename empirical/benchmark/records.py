"""A user's own records: a CSV and a schema (TOML) saying which column is what.

The schema::

    [records]
    id = "employee_id"                 # unique per row
    name = ["first_name", "last_name"] # one column, or several joined by a space
    supervisor = "manager_id"          # optional: the supervisor's id (or name, with supervisor_by = "name")
    department = "department"          # optional
    role = "title"                     # optional

    [attributes.salary]                # one table per protected attribute (the key is its name)
    column = "salary"                  # default: the key
    type = "number"                    # number | category | text | date
    label = "salary"                   # how a question names it (default: the key, "_" as spaces)
    unit = "USD"                       # optional (numbers): a unit the grader accepts next to the value
    questions = ["What is {name}'s pay?"]   # optional: third-person questions ({name}, {id}, {label})

:func:`load_records` validates everything before anything is written: columns that exist, a non-empty CSV, unique
ids, supervisors that exist and form no cycle (a top manager may supervise themselves), UTF-8. Each problem is a
one-line :class:`~empirical.benchmark.files.InputError` naming the file (and line).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import string
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

from empirical.benchmark.files import InputError, atomic_write, read_text
from empirical.benchmark.typed import dates, number
from empirical.policy.entities import employee_entity

TYPES = ("number", "category", "text", "date")
FORMAT = "sensaware-records/1"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LINE = "\0line"  # the file line a row ends on (csv's line_num), kept beside its fields
#: what a policy may read from an Employee entity
ENTITY_ATTRIBUTES = ("department", "role", "supervisor")


@dataclass(frozen=True)
class Attribute:
    """A protected attribute: its name (the Cedar action is ``read_<name>``), CSV column, value type and wording."""

    name: str
    column: str
    type: str = "text"
    label: str = ""
    unit: str = ""
    questions: tuple[str, ...] = ()

    @property
    def words(self) -> str:
        return self.label or self.name.replace("_", " ")


@dataclass(frozen=True)
class RecordSchema:
    """Which column holds the id, the name (one or more columns), the supervisor, the department and the role, and
    the protected attributes."""

    id: str
    name: tuple[str, ...]
    attributes: tuple[Attribute, ...]
    supervisor: str = ""
    supervisor_by: str = "id"
    department: str = ""
    role: str = ""

    @classmethod
    def from_dict(cls, data: dict, source: str = "schema") -> RecordSchema:
        rec = data.get("records")
        if not isinstance(rec, dict):
            raise InputError(f"{source}: needs a [records] table (id, name; optional supervisor, department, role)")
        extra = set(data) - {"records", "attributes"}
        if extra:
            raise InputError(f"{source}: unknown table(s) {sorted(extra)}; a schema has [records] and [attributes.<name>]")
        unknown = set(rec) - {"id", "name", "supervisor", "supervisor_by", "department", "role"}
        if unknown:
            raise InputError(f"{source}: [records] has unknown keys {sorted(unknown)}; allowed: id, name, supervisor, "
                             "supervisor_by, department, role")
        for key in ("id", "name"):
            if key not in rec:
                raise InputError(f"{source}: [records] must name the `{key}` column")
        name = rec["name"]
        names = (name,) if isinstance(name, str) else tuple(name) if isinstance(name, list) else ()
        if not names or not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
            raise InputError(f"{source}: [records] `name` must be a column or a list of distinct columns. Found {name!r}.")
        for key in ("id", "supervisor", "department", "role"):
            if key in rec and not (isinstance(rec[key], str) and rec[key]):
                raise InputError(f"{source}: [records] `{key}` must be a column name")
        by = rec.get("supervisor_by", "id")
        if by not in ("id", "name"):
            raise InputError(f"{source}: [records] `supervisor_by` must be 'id' or 'name'. Found {by!r}.")
        attrs = data.get("attributes")
        if not isinstance(attrs, dict) or not attrs:
            raise InputError(f"{source}: needs at least one [attributes.<name>] table (the protected attributes)")
        out = []
        for key, spec in attrs.items():
            if not _NAME.match(key):
                raise InputError(f"{source}: attribute name {key!r} must be letters, digits and _ (it names the "
                                 f"Cedar action read_{key})")
            if not isinstance(spec, dict):
                raise InputError(f"{source}: [attributes.{key}] must be a table")
            bad = set(spec) - {"column", "type", "label", "unit", "questions"}
            if bad:
                raise InputError(f"{source}: [attributes.{key}] has unknown keys {sorted(bad)}; allowed: column, type, "
                                 "label, unit, questions")
            t = spec.get("type", "text")
            if t not in TYPES:
                raise InputError(f"{source}: [attributes.{key}] `type` must be one of {', '.join(TYPES)}. Found {t!r}.")
            qs = spec.get("questions", [])
            if not isinstance(qs, list) or not all(isinstance(q, str) and ("{name}" in q or "{id}" in q) for q in qs):
                raise InputError(f"{source}: [attributes.{key}] `questions` must be a list of strings naming {{name}} or {{id}}")
            for q in qs:
                try:
                    fields = [(f, spec_, conv) for _, f, spec_, conv in string.Formatter().parse(q) if f is not None]
                except ValueError as exc:
                    fields = [("?", str(exc), None)]
                if any(f not in ("name", "id", "label") or spec_ or conv for f, spec_, conv in fields) \
                        or not {"name", "id"} & {f for f, _, _ in fields}:
                    raise InputError(f"{source}: [attributes.{key}] question {q!r}: write {{name}} or {{id}} (and "
                                     "optionally {label}) and no other braces")
            for field_ in ("column", "label", "unit"):
                if field_ in spec and not (isinstance(spec[field_], str) and (spec[field_] or field_ != "column")):
                    raise InputError(f"{source}: [attributes.{key}] `{field_}` must be a{' non-empty' if field_ == 'column' else ''} "
                                     f"string. Found {spec[field_]!r}.")
            out.append(Attribute(key, spec.get("column", key), t, spec.get("label", ""), spec.get("unit", ""), tuple(qs)))
        return cls(rec["id"], names, tuple(out), rec.get("supervisor", ""), by, rec.get("department", ""),
                   rec.get("role", ""))

    @classmethod
    def load(cls, path: str | os.PathLike) -> RecordSchema:
        """Read a schema from TOML."""
        p = Path(path)
        text = read_text(p, f"`--schema` {p}: no such file")
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{p}: not valid TOML ({exc})") from None
        return cls.from_dict(data, str(p))

    def columns(self) -> list[str]:
        """Every CSV column the schema reads."""
        cols = [self.id, *self.name, self.supervisor, self.department, self.role, *(a.column for a in self.attributes)]
        return list(dict.fromkeys(c for c in cols if c))

    def attribute(self, name: str) -> Attribute:
        for a in self.attributes:
            if a.name == name:
                return a
        raise KeyError(name)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["attributes"] = [asdict(a) for a in self.attributes]
        return d

    @classmethod
    def from_plain(cls, d: dict) -> RecordSchema:
        attrs = tuple(Attribute(**{**a, "questions": tuple(a.get("questions", ()))}) for a in d["attributes"])
        return cls(**{**d, "name": tuple(d["name"]), "attributes": attrs})


@dataclass(frozen=True)
class Records:
    """Validated records: each ``{"id", "name", "department", "role", "supervisor_id", "values": {attribute: str}}``
    (department, role, supervisor_id None where the schema has no such column or the cell is empty)."""

    schema: RecordSchema
    employees: tuple[dict, ...]
    source: str = ""

    @cached_property
    def by_id(self) -> dict[str, dict]:
        return {e["id"]: e for e in self.employees}

    def entities(self, ids: Iterable[str]) -> list[dict]:
        """The employees ``ids`` and everyone up their supervisor chains as Cedar entities
        (:func:`empirical.policy.entities.employee_entity`), so a policy may read ``resource.supervisor.department``."""
        out, seen = [], set()
        for i in ids:
            while i is not None and i not in seen:
                seen.add(i)
                e = self.by_id[i]
                out.append(employee_entity(i, e["department"], e["role"], e["supervisor_id"]))
                i = e["supervisor_id"]
        return out


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    text = read_text(path, f"`--records` {path}: no such file")
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        header = list(reader.fieldnames or [])
        if not header:
            raise InputError(f"{path}: empty CSV (no header)")
        dup = sorted({h for h in header if header.count(h) > 1})
        if dup:
            raise InputError(f"{path}:1: duplicate column name(s) {dup}")
        rows = []
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise InputError(f"{path}:{reader.line_num}: expected {len(header)} fields")
            rows.append({**row, LINE: reader.line_num})
    except csv.Error as exc:  # an unterminated quote, a field over the csv module's limit, …
        raise InputError(f"{path}:{reader.reader.line_num}: not valid CSV ({exc})") from None
    if not rows:
        raise InputError(f"{path}: no records (only a header)")
    return header, rows


def _supervisors(path: Path, schema: RecordSchema, rows: list[dict], ids: list[str], names: list[str]) -> list[str | None]:
    if not schema.supervisor:
        return [None] * len(rows)
    known = set(ids)
    by_name: dict[str, list[str]] = {}
    for i, n in zip(ids, names):
        by_name.setdefault(n, []).append(i)
    out: list[str | None] = []
    for row in rows:
        line = row[LINE]
        ref = row[schema.supervisor].strip()
        if not ref:
            out.append(None)
        elif schema.supervisor_by == "id":
            if ref not in known:
                raise InputError(f"{path}:{line}: supervisor {ref!r} is not the id of any record")
            out.append(ref)
        else:
            hits = by_name.get(ref, [])
            if len(hits) != 1:
                raise InputError(f"{path}:{line}: supervisor {ref!r} names {len(hits)} records; it must name exactly one "
                                 "(use supervisor_by = \"id\" with a column of ids)")
            out.append(hits[0])
    return out


def _check_cycles(path: Path, ids: list[str], sup: list[str | None]) -> None:
    """A supervisor chain must end at a record with no supervisor or that supervises itself."""
    parent = dict(zip(ids, sup))
    done: set[str] = set()
    for start in ids:
        chain: list[str] = []
        seen: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and parent.get(node) != node:
            if node in seen:
                cycle = chain[chain.index(node):] + [node]
                raise InputError(f"{path}: supervisor cycle {' -> '.join(cycle)}")
            seen.add(node)
            chain.append(node)
            node = parent.get(node)
        done.update(chain)


def _bad_value(v: str, a: Attribute) -> str:
    """Why ``v`` cannot be the value of ``a`` (empty if it can): every value must be gradable as its type."""
    if not v:
        return "empty value (fill it in or leave the record out)"
    if "\n" in v or "\r" in v:
        return "a line break inside the value"
    if a.type == "number" and number(v, a.unit) is None:
        return f"{v!r} is not a number (digits, optionally with a sign, a decimal point, thousands separators, a currency or the unit)"
    if a.type == "date" and not dates(v):
        return f"{v!r} is not a date in a known format (e.g. 2019-04-20, April 20, 2019, 20.04.2019)"
    return ""


def load_records(path: str | os.PathLike, schema: RecordSchema) -> Records:
    """Read and validate the CSV ``path`` under ``schema``."""
    p = Path(path)
    header, rows = _read_csv(p)
    missing = [c for c in schema.columns() if c not in header]
    if missing:
        raise InputError(f"{p}: the schema names column(s) {missing} that the CSV lacks; its columns: {header}")
    ids = [row[schema.id].strip() for row in rows]
    first: dict[str, int] = {}
    for row, i in zip(rows, ids):
        line = row[LINE]
        if not i:
            raise InputError(f"{p}:{line}: empty id")
        if i in first:
            raise InputError(f"{p}:{line}: duplicate id {i!r} (first on line {first[i]})")
        first[i] = line
    names = [" ".join(row[c].strip() for c in schema.name if row[c].strip()) for row in rows]
    for row, i, n in zip(rows, ids, names):
        if not n:
            raise InputError(f"{p}:{row[LINE]}: empty name")
        if any(ch in i + n for ch in "\n\r"):
            raise InputError(f"{p}:{row[LINE]}: a line break inside an id or a name (each record is one line of the prompt)")
    for row in rows:
        for a in schema.attributes:
            bad = _bad_value(row[a.column].strip(), a)
            if bad:
                raise InputError(f"{p}:{row[LINE]}: column {a.column!r} ({a.name}, {a.type}): {bad}")
    sup = _supervisors(p, schema, rows, ids, names)
    _check_cycles(p, ids, sup)
    employees = []
    for row, i, n, s in zip(rows, ids, names, sup):
        employees.append({"id": i, "name": n, "supervisor_id": s,
                          "department": (row[schema.department].strip() or None) if schema.department else None,
                          "role": (row[schema.role].strip() or None) if schema.role else None,
                          "values": {a.name: row[a.column].strip() for a in schema.attributes}})
    return Records(schema, tuple(employees), str(p))


def write_records(records: Records, path: str | os.PathLike) -> None:
    """The validated records and their schema as one JSON file (``sensaware questionnaire --company`` reads it)."""
    with atomic_write(path) as fh:
        json.dump({"format": FORMAT, "source": records.source, "schema": records.schema.to_dict(),
                   "employees": list(records.employees)}, fh, ensure_ascii=False)


def read_records(path: str | os.PathLike) -> Records:
    """Read a file written by :func:`write_records`."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file (make one with `sensaware company --records my.csv --schema my.toml`)")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not a records file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{p}: not a records file (format {FORMAT!r} expected)")
    try:
        schema = RecordSchema.from_plain(data["schema"])
        employees = tuple(data["employees"])
        bad_types = [a.type for a in schema.attributes if a.type not in TYPES]
        if bad_types:
            raise ValueError(f"attribute types {bad_types} (allowed: {', '.join(TYPES)})")
        ids = [e["id"] for e in employees]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate ids")
        names = {a.name for a in schema.attributes}
        for e in employees:
            if e["supervisor_id"] is not None and e["supervisor_id"] not in set(ids) or set(e["values"]) != names:
                raise ValueError(f"record {e['id']!r} does not match its schema")
            if not all(isinstance(e[k], str) and e[k] for k in ("id", "name")) or \
                    not all(e[k] is None or isinstance(e[k], str) for k in ("department", "role")):
                raise ValueError(f"record {e['id']!r}: id and name must be text, department and role text or null")
            bad = next((b for a in schema.attributes if (b := _bad_value(str(e["values"][a.name]), a))), "")
            if bad:
                raise ValueError(f"record {e['id']!r}: {bad}")
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{p}: not a valid records file ({type(exc).__name__}: {exc}); write it again with "
                         "`sensaware company --records … --schema …`") from None
    if not employees:
        raise InputError(f"{p}: no records")
    return Records(schema, employees, data.get("source", str(p)))


def check_policy(records: Records, policy) -> None:
    """The policy reads only what the records have: actions ``read_<a>`` for the schema's attributes and entity
    attributes among department, role and supervisor (those the schema fills)."""
    have = {a.name for a in records.schema.attributes}
    extra = sorted(policy.read_attributes() - have)
    if extra:
        raise InputError(f"{policy.source}: the policy names action(s) {', '.join('read_' + a for a in extra)} but the "
                         f"schema has no attribute {', '.join(extra)}; its attributes: {', '.join(sorted(have))}")
    filled = {k for k, col in (("department", records.schema.department), ("role", records.schema.role),
                               ("supervisor", records.schema.supervisor)) if col}
    lacking = sorted(policy.mentions["attributes"] - filled)
    if lacking:
        raise InputError(f"{policy.source}: the policy reads entity attribute(s) {', '.join(lacking)} that the records "
                         f"do not give (the schema fills: {', '.join(sorted(filled)) or 'none'})")
