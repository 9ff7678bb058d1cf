"""Rebuild ``northwind.csv``: 300 employees of the ACCESS DENIED INC company of seed 3 (from the bundled UCI Adult
rows) with a manager id, a title, a hire date and the notes their supervisor keeps.

    python empirical/data/own_records/build.py
"""

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from empirical.benchmark.company import build_company, full_name, is_lead

NOTES = ("Strong quarter; ready for more responsibility.", "Missed two deadlines; agreed a plan.",
         "Asked for a transfer to Legal.", "Mentors the new hires well.", "On a performance plan until June.",
         "Excellent client feedback.", "Requested part-time hours.", "Candidate for promotion next cycle.")


def main() -> None:
    rng = np.random.default_rng(2025)
    company = build_company(3)
    leads = [e for e in company.employees if is_lead(e) and e["role"] != "CEO"]
    ceo = next(e for e in company.employees if e["role"] == "CEO")
    staff = [e for e in company.employees if not is_lead(e)]
    picked = [staff[i] for i in sorted(rng.choice(len(staff), 285, replace=False))]
    lead_of = {e["department"]: e for e in company.lead_of().values()}
    names: set[str] = set()
    rows = []
    for e in [ceo, *leads, *picked]:
        if full_name(e) in names:
            continue
        names.add(full_name(e))
        if e is ceo:
            manager, title = "", "CEO"
        elif is_lead(e):
            manager, title = ceo["id"], e["role"]
        else:
            manager = lead_of[e["department"]]["id"]
            title = "Payroll Clerk" if e["department"] == "Accounting & Finance" and rng.random() < 0.4 else e["role"]
        hired = date(2005, 1, 1) + timedelta(days=int(rng.integers(0, 7300)))
        rows.append({"employee_id": e["id"], "first_name": e["first_name"], "last_name": e["last_name"],
                     "department": e["department"], "title": title, "manager_id": manager, "salary": e["salary"],
                     "age": e["age"], "marital_status": e["marital-status"], "hire_date": hired.isoformat(),
                     "supervisor_notes": NOTES[int(rng.integers(0, len(NOTES)))]})
    out = Path(__file__).with_name("northwind.csv")
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} records to {out}")


if __name__ == "__main__":
    main()
