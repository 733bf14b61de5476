"""The eight report notebooks, executed through papermill (the render engine) on real and tiny
data."""

import base64
import re

import pytest

from analytics.report import REPORTS

pytestmark = pytest.mark.slow


def _pages(result):
    assert result.ok, [str(f) for f in result.failures]
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(result.folder.glob("*.html"))}


@pytest.mark.parametrize("which", ["rendered_sample", "rendered_tiny"])
def test_every_notebook_runs_without_errors_and_draws(which, request):
    pages = _pages(request.getfixturevalue(which))
    assert list(pages) == [r.slug for r in REPORTS]
    for slug, html in pages.items():
        images = re.findall(r"<img [^>]*>", html)
        assert images, f"{slug}: no figure rendered"
        assert all('alt="' in img and 'alt=""' not in img for img in images), slug
        assert all('src="data:image/png;base64,' in img for img in images), slug
        for marker in ("Traceback", "Error", "<pre>Text(", "Warning:"):
            assert marker not in html, f"{slug}: {marker!r} on the page"
        assert "No data for this period" not in html or which == "rendered_tiny", slug


def test_every_chart_on_the_pages_is_the_charts_own_png_at_twice_its_shown_width(rendered_sample):
    """The page keeps the PNG a chart draws for itself (2x, sharp on dense screens and paper),
    not a second, 1x copy the inline backend's printer used to draw and put in its place."""
    pages = _pages(rendered_sample)
    checked = 0
    for slug, html in pages.items():
        for img in re.findall(r"<img [^>]*>", html):
            png = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", img).group(1))
            shown = re.search(r'width="(\d+)"', img)
            assert shown, f"{slug}: an image without a width"
            assert int.from_bytes(png[16:20], "big") == 2 * int(shown.group(1)), slug
            checked += 1
    assert checked >= 20


def test_parameters_are_injected_and_shown_as_provenance(rendered_tiny):
    pages = _pages(rendered_tiny)
    summary = pages["01-executive-summary"]
    assert "March 2021" in summary and "tests/fixtures/tiny" in summary
    assert "Tiny test program" in summary
    # the tiny program's targets, computed from the hand-made rows: 5 releases in March >= 4
    assert "2 of 2 targets were met" in summary


def test_data_text_is_escaped_on_the_pages(rendered_tiny, rendered_without_phases):
    assert (
        "Rollback of web, 40 minutes" in _pages(rendered_tiny)["03-stability"]
    )  # a March incident
    january = _pages(rendered_without_phases)
    stability = january["03-stability"]
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in stability
    )  # the January incident's title, as text
    for html in [*january.values(), *_pages(rendered_tiny).values()]:
        assert "<script" not in html.lower()  # no script at all: offline and code-free


def test_a_program_without_phases_still_renders_every_page(rendered_without_phases):
    pages = _pages(rendered_without_phases)
    assert list(pages) == [r.slug for r in REPORTS]
    assert "cannot be estimated" in pages["01-executive-summary"]
    assert "nothing to compare" in pages["05-program-impact"]


def test_sample_summary_states_the_verdict(rendered_sample):
    summary = _pages(rendered_sample)["01-executive-summary"]
    assert "December 2021" in summary
    assert "5 of 5 targets were met" in summary
    assert "5 of 5 claimed improvements are demonstrated by the data" in summary


def test_caict_page_and_the_calendar_in_every_footer(rendered_sample, rendered_tiny):
    pages = _pages(rendered_sample)
    page = pages["07-caict-evidence"]
    assert "部署策略" in page and "scheduled with capability to deploy daily" in page
    assert "Successful production deployments" in page  # per calendar day and per working day
    for slug, html in pages.items():
        assert "CN public holidays and official make-up working days" in html, slug
        assert "Durations in calendar time" in html, slug
    tiny = _pages(rendered_tiny)["07-caict-evidence"]
    assert "not judged" in tiny  # the tiny data has no changes or test runs
