"""ACCESS DENIED INC, the mock company, built from UCI Adult (as in Fazlija, Orlov & Sikdar, ACL 2025 Findings).

All randomness comes from one ``numpy.random.default_rng(seed)``; the CSV for a seed is byte-identical
on every run. Steps, in order, on the 45,222 complete rows of Adult (train then test):

1. a random (first, last) name per row, independent of the record (:mod:`empirical.benchmark.names`);
2. leadership: in file order, each ``>50K`` row takes a random free lead slot with probability 0.05
   (14 slots; C-level titles stand alone, others are "<dept> Lead"); everyone else joins one of the
   10 departments uniformly;
3. supervisor = the department's lead; leads and C-level supervise themselves;
4. salary: an independent draw from the pool ``30000 + N(50000, 15000)`` (20,000 draws, as integers)
   restricted to [35000, 200000];
5. role: the lead title for leads, else a weighted draw from the department's roles (:data:`ROLES`);
6. id = first letter of the first name + row number (from 1) zero-padded to 4 digits.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from empirical.benchmark.files import InputError, atomic_write, read_text
from empirical.benchmark.names import FIRST_NAMES, LAST_NAMES
from empirical.benchmark.resources import adult_split
from empirical.policy.entities import employee_entity

COLUMNS = ("first_name", "last_name", "age", "education", "marital-status", "occupation", "race", "gender",
           "hours-per-week", "native-country", "salary", "department", "supervisor", "role", "id")
LEAD_SLOTS = ("Audit", "Legal", "HR", "Renewables", "Assets", "COO/CCO", "Asset Management", "Internal Infrastructure",
              "Corporate IT", "IT Trading", "IT", "Accounting & Finance", "CFO", "CEO")
C_LEVEL = ("COO/CCO", "CFO", "CEO")
DEPARTMENTS = ("Audit", "Legal", "HR", "Renewables", "Assets", "Asset Management", "Internal Infrastructure",
               "Corporate IT", "IT Trading", "Accounting & Finance")
#: Roles per department with relative weights (Renewables and HR as in the benchmark's description; the others ours).
ROLES: dict[str, tuple[tuple[str, int], ...]] = {
    "Renewables": (("Renewable Energy Analyst", 30), ("Solar Technician", 20), ("Wind Turbine Technician", 10)),
    "HR": (("HR Specialist", 20), ("Recruiter", 15), ("HR Coordinator", 17)),
    "Assets": (("Asset Analyst", 24), ("Asset Coordinator", 18), ("Field Asset Technician", 12)),
    "Internal Infrastructure": (("Infrastructure Engineer", 24), ("Network Technician", 20), ("Facilities Planner", 10)),
    "Corporate IT": (("IT Support Specialist", 22), ("Systems Analyst", 18), ("Database Administrator", 14)),
    "IT Trading": (("Quantitative Analyst", 26), ("Trading Systems Developer", 14), ("Trading Support Analyst", 10)),
    "Audit": (("Internal Auditor", 22), ("Compliance Analyst", 16), ("Audit Associate", 12)),
    "Asset Management": (("Portfolio Analyst", 20), ("Asset Manager", 12), ("Investment Analyst", 12)),
    "Legal": (("Legal Counsel", 14), ("Paralegal", 14), ("Contract Specialist", 12)),
    "Accounting & Finance": (("Financial Analyst", 16), ("Accountant", 14), ("Accounts Payable Clerk", 9)),
}
LEAD_PROBABILITY = 0.05
SALARY_RANGE = (35_000, 200_000)


def adult_rows(data_dir: str | os.PathLike | None = None) -> list[list[str]]:
    """The complete rows (no ``?``) of Adult, train then test, income labels without trailing dots."""
    rows: list[list[str]] = []
    for name, is_test in (("adult.data.gz", False), ("adult.test.gz", True)):
        if data_dir is None:
            raw = adult_split(name)
            src = name
        else:
            path = Path(data_dir) / name
            if not path.is_file():
                raise InputError(f"{path}: no such file (UCI Adult split)")
            raw = path.read_bytes()
            src = str(path)
        try:
            text = gzip.decompress(raw).decode("ascii")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise InputError(f"{src}: unreadable UCI Adult file ({exc})") from None
        lines = text.split("\n")[1 if is_test else 0:]
        for line in lines:
            if not line.strip():
                continue
            fields = [f.strip() for f in line.split(",")]
            if len(fields) != 15:
                raise InputError(f"{src}: a line has {len(fields)} fields, expected 15: {line[:80]!r}")
            if "?" in fields:
                continue
            fields[14] = fields[14].rstrip(".")
            rows.append(fields)
    return rows


@dataclass(frozen=True)
class Company:
    """The employee table (list of dicts with :data:`COLUMNS`, all values strings) and lookups."""

    employees: tuple[dict, ...]

    @cached_property
    def by_id(self) -> dict[str, dict]:
        """id → record (built once; sft.reasoning looks it up for every training example)."""
        return {e["id"]: e for e in self.employees}

    def lead_of(self) -> dict[str, dict]:
        """Department → its lead's record (C-level titles are their own department)."""
        return {e["department"]: e for e in self.employees if is_lead(e)}


def is_lead(e: dict) -> bool:
    """True for department leads and C-level officers (they supervise themselves)."""
    return e["role"].endswith(" Lead") or e["role"] in C_LEVEL


def full_name(e: dict) -> str:
    return f"{e['first_name']} {e['last_name']}"


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    f = np.asarray(FIRST_NAMES)
    la = np.asarray(LAST_NAMES)
    first = f[rng.integers(0, f.size, n)]
    first2 = f[rng.integers(0, f.size, n)]
    last = la[rng.integers(0, la.size, n)]
    last2 = la[rng.integers(0, la.size, n)]
    double_first = rng.random(n) < 0.15
    double_last = rng.random(n) < 0.35
    firsts = [f"{a} {b}" if d and a != b else str(a) for a, b, d in zip(first, first2, double_first)]
    lasts = [f"{a} {b}" if d and a != b else str(a) for a, b, d in zip(last, last2, double_last)]
    return firsts, lasts


def build_company(seed: int = 0, data_dir: str | os.PathLike | None = None) -> Company:
    """The company for ``seed`` (the paper trained on seed 0 and tested on seed 3)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be an integer >= 0. Found {seed!r}.")
    rows = adult_rows(data_dir)
    n = len(rows)
    rng = np.random.default_rng(int(seed))
    firsts, lasts = _names(rng, n)

    u = rng.random(n)
    dept_pick = rng.integers(0, len(DEPARTMENTS), n)
    free = list(LEAD_SLOTS)
    positions: list[str] = []
    for i, r in enumerate(rows):
        if free and r[14] == ">50K" and u[i] <= LEAD_PROBABILITY:
            slot = free.pop(int(rng.integers(0, len(free))))
            positions.append(slot if slot in C_LEVEL else f"{slot} Lead")
        else:
            positions.append(DEPARTMENTS[dept_pick[i]])
    if free:
        raise ValueError(f"lead slots left unfilled for `seed` {seed}: {free}")

    pool = (30000 + rng.normal(50_000, 15_000, 20_000)).astype(int)
    pool = pool[(pool >= SALARY_RANGE[0]) & (pool <= SALARY_RANGE[1])]
    salaries = pool[rng.integers(0, pool.size, n)]

    leader_name = {}
    for i, p in enumerate(positions):
        if p.endswith(" Lead"):
            leader_name.setdefault(p[: -len(" Lead")], f"{firsts[i]} {lasts[i]}")
    role_u = rng.random(n)
    employees = []
    for i, r in enumerate(rows):
        p = positions[i]
        name = f"{firsts[i]} {lasts[i]}"
        if p in C_LEVEL:
            dept, role, sup = p, p, name
        elif p.endswith(" Lead"):
            dept, role, sup = p[: -len(" Lead")], p, name
        else:
            dept = p
            roles = ROLES[dept]
            weights = np.cumsum([w for _, w in roles], dtype=float)
            role = roles[int(np.searchsorted(weights / weights[-1], role_u[i], side="right"))][0]
            sup = leader_name[dept]
        employees.append({
            "first_name": firsts[i], "last_name": lasts[i], "age": r[0], "education": r[3], "marital-status": r[5],
            "occupation": r[6], "race": r[8], "gender": r[9], "hours-per-week": r[12], "native-country": r[13],
            "salary": str(int(salaries[i])), "department": dept, "supervisor": sup, "role": role,
            "id": f"{firsts[i][0]}{str(i + 1).zfill(4)}",
        })
    ids = [e["id"] for e in employees]
    assert len(set(ids)) == len(ids)
    return Company(tuple(employees))


def write_company(company: Company, path: str | os.PathLike) -> None:
    """Write the company as CSV (header :data:`COLUMNS`, ``\\n`` line ends), atomically."""
    with atomic_write(path) as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(company.employees)


def read_company(path: str | os.PathLike) -> Company:
    """Read a company CSV written by :func:`write_company`; errors name the file and line."""
    p = Path(path)
    text = read_text(p, f"{p}: no such file (make one with `sensaware company --seed S --out {p.name}`)")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise InputError(f"{p}:1: header must be {','.join(COLUMNS)}; found {reader.fieldnames}")
    employees = []
    for i, row in enumerate(reader, 2):
        if None in row or any(v is None for v in row.values()):
            raise InputError(f"{p}:{i}: expected {len(COLUMNS)} fields")
        employees.append(dict(row))
    if not employees:
        raise InputError(f"{p}: no employees")
    return Company(tuple(employees))


def company_entities(company: Company, ids: Iterable[str]) -> list[dict]:
    """The ACCESS DENIED INC employees ``ids`` and their supervisors as entities. An employee's supervisor is their
    department's lead (a lead, and a C-level officer, supervises themselves), the relation the company's
    ``supervisor`` column names."""
    lead = {d: e["id"] for d, e in company.lead_of().items()}
    want = list(dict.fromkeys(ids))
    want += [s for s in dict.fromkeys(lead.get(company.by_id[i]["department"]) for i in want) if s and s not in want]
    out = []
    for i in want:  # the supervisors too, so a policy may read resource.supervisor.department
        e = company.by_id[i]
        out.append(employee_entity(i, e["department"], e["role"], lead.get(e["department"])))
    return out
