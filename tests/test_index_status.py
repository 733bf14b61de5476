"""The index shows each month's status at a glance, read from the manifest the render wrote
(the executive summary publishes it): never recomputed by the index."""

from __future__ import annotations

import re
from html import unescape

from analytics.report.index import render_index
from analytics.report.manifest import write_manifest


def _month(out, month: str, status: dict) -> None:
    folder = out / month
    folder.mkdir(parents=True)
    (folder / "01-executive-summary.html").write_text("<html></html>", encoding="utf-8")
    pages = [
        {
            "slug": "01-executive-summary",
            "title": "Executive summary",
            "file": "01-executive-summary.html",
        }
    ]
    write_manifest(folder, {"month": month, "pages": pages, "status": status})


def _rows(html: str) -> dict[str, str]:
    rows = re.findall(r'<tr id="m-(\d{4}-\d{2})">(.*?)</tr>', html, flags=re.S)
    return {m: " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split()) for m, body in rows}


def test_the_index_states_each_months_status_from_its_manifest(tmp_path):
    _month(
        tmp_path,
        "2021-12",
        {
            "targets_met": 4,
            "targets_total": 5,
            "judged": True,
            "on_track": 5,
            "verdict": "4 of 5 targets met; 3 of 5 improvements demonstrated",
        },
    )
    _month(
        tmp_path,
        "2021-04",
        {
            "targets_met": 1,
            "targets_total": 5,
            "judged": False,
            "on_track": 2,
            "verdict": "not judged yet; 2 of 5 targets on track",
        },
    )
    _month(tmp_path, "2021-03", {})  # rendered before statuses existed
    rows = _rows(render_index(tmp_path))
    assert list(rows) == ["2021-12", "2021-04", "2021-03"]
    assert "4 of 5 targets met" in rows["2021-12"]
    assert "3 of 5 improvements demonstrated" in rows["2021-12"]
    assert "Not judged yet: 2 of 5 targets on track" in rows["2021-04"]
    assert "Executive summary" in rows["2021-04"]  # its pages are linked
    assert "no status recorded" in rows["2021-03"]
    page = render_index(tmp_path)
    assert 'class="bad"' in page and 'class="pending"' in page  # 4 of 5: not all met


def test_a_hostile_verdict_in_a_manifest_is_text(tmp_path):
    _month(
        tmp_path,
        "2021-12",
        {
            "targets_met": 1,
            "targets_total": 1,
            "judged": True,
            "verdict": "<script>alert(1)</script>",
        },
    )
    page = render_index(tmp_path)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'class="good"' in page
