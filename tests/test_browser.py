"""A real browser opens every rendered page from file://: nothing fetched, no errors, images
decoded; at 390 px nothing scrolls sideways; the summary prints on two A4 pages; text contrast.

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
    """Open ``path``; return (page, context, every requested URL, failed requests, console
    errors)."""
    options = {"viewport": {"width": 1280, "height": 900}, **context_options}
    context = browser.new_context(**options)
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
    """The eight report notebooks rendered on data/sample (shared session render,
    tests/conftest.py)."""
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


# ------------------------------------------------------------------- phone, paper and contrast
PHONE = {"width": 390, "height": 844}

_TEXT_COLOURS = """() => {
    // every element that holds text of its own: its colour and the first opaque background
    // behind it (walking up the tree), as [r, g, b] triples
    const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
    const out = [];
    for (const e of document.querySelectorAll('body *')) {
        const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        const style = getComputedStyle(e);
        if (!own || style.visibility === 'hidden' || style.display === 'none') continue;
        let bg = null;
        for (let p = e; p; p = p.parentElement) {
            const c = rgb(getComputedStyle(p).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c.slice(0, 3); break; }
        }
        out.push({text: e.textContent.trim().slice(0, 40), fg: rgb(style.color).slice(0, 3),
                  bg: bg || [255, 255, 255]});
    }
    return out;
}"""


def contrast(fg: list[float], bg: list[float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (0-255 channels)."""

    def luminance(c: list[float]) -> float:
        lin = [
            (v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4
            for v in c
        ]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_against_published_values():
    # WCAG's own examples: black on white 21:1; #777777 on white about 4.48:1 (fails AA)
    assert contrast([0, 0, 0], [255, 255, 255]) == pytest.approx(21.0)
    assert contrast([0x77] * 3, [255] * 3) == pytest.approx(4.48, abs=0.01)


def test_every_sample_page_reads_on_a_phone_without_sideways_scroll(
    browser, sample_month, tmp_path
):
    pages = sorted(sample_month.glob("*.html")) + [sample_month.parent / "index.html"]
    for path in pages:
        page, context, *_ = open_page(browser, path, viewport=PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path.name, width)
        page.screenshot(path=str(tmp_path / f"phone-{path.stem}.png"), full_page=True)
        if path.stem == "01-executive-summary":  # the trends chart is laid out for the phone
            shown = page.evaluate(
                "Array.from(document.images).filter(i => i.offsetWidth > 0)"
                ".map(i => [i.offsetWidth, i.naturalWidth])"
            )
            assert shown, "no chart visible on the phone"
            # PNGs are drawn at 2x: a chart shown at its drawn size keeps its text size
            assert all(w >= 0.8 * natural / 2 for w, natural in shown), shown
        context.close()


def test_the_executive_summary_prints_on_two_a4_pages(browser, sample_month, tmp_path):
    from io import BytesIO

    from pypdf import PdfReader

    page, context, *_ = open_page(browser, sample_month / "01-executive-summary.html")
    headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent.trim())")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "summary.pdf").write_bytes(pdf)
    pages = PdfReader(BytesIO(pdf)).pages
    assert 1 <= len(pages) <= 2
    # no heading left alone at the foot of a page: no page but the last ends with one
    for sheet in pages[:-1]:
        lines = [ln.strip() for ln in sheet.extract_text().splitlines() if ln.strip()]
        assert lines and lines[-1] not in headings, lines[-3:]
    context.close()


def test_text_on_the_summary_and_the_index_has_at_least_4_5_to_1_contrast(browser, sample_month):
    for path in (sample_month / "01-executive-summary.html", sample_month.parent / "index.html"):
        page, context, *_ = open_page(browser, path)
        texts = page.evaluate(_TEXT_COLOURS)
        assert len(texts) > 20
        low = [
            (t["text"], round(contrast(t["fg"], t["bg"]), 2))
            for t in texts
            if contrast(t["fg"], t["bg"]) < 4.5
        ]
        assert low == [], (path.name, low)
        context.close()
    # the tiles' status words use the darker shades (met, not met / on track, off track)
    page, context, *_ = open_page(browser, sample_month / "01-executive-summary.html")
    status = page.get_by_text("Target met").first
    colour = status.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(0, 122, 90)"  # GOOD_TEXT #007A5A: 5.3:1 on white
    context.close()
