"""A real browser opens every rendered page from file://: nothing fetched, no errors, images decoded.

Playwright (pip) drives Debian's Chromium at /usr/bin/chromium, never a downloaded browser.
Without it the tests skip, unless REQUIRE_BROWSER=1 (CI), when they fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.report import REPORTS
from tests.conftest import browser_required
from tests.test_render import MONTH, render_fixture_month

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent: apt-get install -y chromium to run the browser tests"
        if browser_required():
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if browser_required():
            raise
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page_files(tmp_path_factory) -> list[Path]:
    result, out = render_fixture_month(tmp_path_factory)
    assert result.ok, [str(f) for f in result.failures]
    return sorted((out / MONTH).glob("*.html")) + [out / "index.html"]


def open_page(browser, path: Path, **context_options):
    """Open ``path``; return (page, context, every requested URL, failed requests, console errors)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
    page = context.new_page()
    requests, failed, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, context, requests, failed, errors


def check_page(browser, path: Path, shots: Path) -> None:
    """Offline, error-free, every image decoded, no sideways scroll at 1280 px; screenshot."""
    page, context, requests, failed, errors = open_page(browser, path)
    external = [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
    assert external == [], path.name
    assert failed == [], path.name
    assert errors == [], path.name
    assert page.title().strip(), path.name
    widths = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
    )
    assert all(w > 0 for w in widths), (path.name, widths)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path.name
    shot = shots / f"{path.parent.name}-{path.stem}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    context.close()


def test_every_page_loads_offline_without_errors(browser, page_files, tmp_path):
    for path in page_files:
        check_page(browser, path, tmp_path)


def test_chart_page_shows_its_figures_and_the_escaped_title(browser, page_files):
    chart = next(p for p in page_files if p.name == "01-chart.html")
    page, context, *_ = open_page(browser, chart)
    assert page.locator("img").count() == 2
    assert all(page.locator("img").nth(i).is_visible() for i in range(2))
    context.close()
    table = next(p for p in page_files if p.name == "02-table.html")
    page, context, *_ = open_page(browser, table)
    assert page.get_by_text("<script>alert(1)</script>", exact=True).is_visible()
    context.close()


def test_print_layout_renders(browser, page_files, tmp_path):
    chart = next(p for p in page_files if p.name == "01-chart.html")
    page, context, *_ = open_page(browser, chart)
    page.emulate_media(media="print")
    assert page.locator("nav.pages").is_hidden()
    page.screenshot(path=str(tmp_path / "print.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    context.close()


@pytest.fixture(scope="module")
def sample_month(rendered_sample) -> Path:
    """The eight report notebooks rendered on data/sample (shared session render, tests/conftest.py)."""
    assert rendered_sample.ok, [str(f) for f in rendered_sample.failures]
    return rendered_sample.folder


def test_the_sample_report_set_in_a_browser(browser, sample_month, tmp_path):
    pages = sorted(sample_month.glob("*.html"))
    assert [p.stem for p in pages] == [r.slug for r in REPORTS]
    for path in pages + [sample_month.parent / "index.html"]:
        check_page(browser, path, tmp_path)
    page, context, *_ = open_page(browser, sample_month / "01-executive-summary.html")
    tiles = page.locator('[aria-label="Key performance indicators"] [role="listitem"]')
    assert tiles.count() >= 5
    assert all(tiles.nth(i).is_visible() for i in range(tiles.count()))
    context.close()


@pytest.fixture(scope="module")
def hostile_month(rendered_hostile) -> Path:
    """A month rendered from data full of scripts, handlers, javascript: links, Markdown links
    and images, bidi overrides and very long names (tests/hostile.py): it must publish."""
    assert rendered_hostile.ok, [str(f) for f in rendered_hostile.failures]
    return rendered_hostile.folder


_DOM_AUDIT = """() => {
    const all = Array.from(document.querySelectorAll('*'));
    return {
        scripts: document.querySelectorAll('script').length,
        handlers: all.flatMap(e => Array.from(e.attributes).filter(a => /^on/i.test(a.name))
            .map(a => e.tagName + ' ' + a.name)),
        hrefs: Array.from(document.querySelectorAll('[href]')).map(e => e.getAttribute('href')),
        xlinks: all.filter(e => e.hasAttribute('xlink:href')).length,
        text: document.body.innerText,
    };
}"""


def audit_page(browser, path: Path) -> tuple[dict, list[str], list[str]]:
    """Open ``path`` with every request intercepted (only file: let through): the DOM audit,
    every URL requested and every dialog (alert) raised."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    dialogs: list[str] = []

    def route(r) -> None:
        requests.append(r.request.url)
        r.continue_() if r.request.url.startswith("file:") else r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    audit = page.evaluate(_DOM_AUDIT)
    context.close()
    return audit, requests, dialogs


def test_a_month_rendered_from_hostile_data_is_inert(browser, hostile_month, tmp_path):
    from tests.hostile import RLO, SERVICES

    pages = sorted(hostile_month.glob("*.html")) + [hostile_month.parent / "index.html"]
    assert [p.stem for p in pages[:-1]] == [r.slug for r in REPORTS]
    page_names = {p.name for p in pages[:-1]}
    for path in pages:
        audit, requests, dialogs = audit_page(browser, path)
        assert audit["scripts"] == 0, path.name
        assert audit["handlers"] == [], path.name
        assert audit["xlinks"] == 0, path.name
        for href in audit["hrefs"]:  # relative, and to a page of the report (or a fragment)
            target = href.split("#")[0]
            assert ":" not in target and not target.startswith(("/", "\\")), (path.name, href)
            if path.name == "index.html":
                assert not target or target.split("/")[-1] in page_names, href
            else:
                assert not target or target in page_names | {"../index.html"}, href
        assert [u for u in requests if not u.startswith("file:")] == [], path.name
        assert dialogs == [], path.name  # no alert() ever ran
        assert RLO not in audit["text"], path.name
    assert "clickme" in audit_page(browser, hostile_month / "01-executive-summary.html")[0]["text"]
    page, context, *_ = open_page(browser, hostile_month / "01-executive-summary.html")
    assert page.get_by_text(SERVICES["disbursement"]).count() >= 1  # shown, as text
    context.close()
    check_page(browser, hostile_month / "06-data-quality.html", tmp_path)
