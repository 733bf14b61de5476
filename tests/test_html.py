"""Report pages: self-contained, code-free, escaped, titled, with alt text and provenance."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from analytics.report import notebook_to_html, offline_problems
from analytics.report.html import neutralise_page
from tests.test_render import MONTH, render_fixture_month

ALERT = "<script>alert(1)</script>"
_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
    )
).decode()


class Page(HTMLParser):
    """Every tag with its attributes, the text, and the text of <title>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_title:
            self.title += data


def external_references(page: Page) -> list[str]:
    """Every src/href/srcset/data/poster/action value that leaves the file system."""
    found = []
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "data", "poster", "action", "xlink:href"):
            value = (attrs.get(name) or "").strip().lower()
            if value.startswith(("http:", "https:", "//", "ftp:", "ws:", "wss:")):
                found.append(f"<{tag} {name}={value[:60]}>")
    return found


def page_meta(title: str = "Incidents") -> dict:
    return {
        "title": title,
        "page_title": f"{title}, November 2021 - Program",
        "program": "Program",
        "month_label": "November 2021",
        "nav": [{"title": title, "href": "01-x.html", "current": True}],
        "provenance": [("Data folder", "data/sample"), ("Month", "2021-11")],
        "version": "0.1.0",
    }


def executed_notebook() -> nbformat.NotebookNode:
    """An executed notebook built by hand: no kernel needed."""
    v4 = nbformat.v4
    params = v4.new_code_cell("month = '2021-01'  # the month", execution_count=1)
    params.metadata["tags"] = ["parameters"]
    injected = v4.new_code_cell("# Parameters\nmonth = '2021-11'\n", execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    table = v4.new_code_cell(
        "incidents_table(ds)",
        execution_count=3,
        outputs=[
            v4.new_output(
                "execute_result",
                execution_count=3,
                data={
                    "text/plain": "...",
                    "text/html": (
                        "<table><tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td></tr></table>"
                    ),
                },
            )
        ],
    )
    chart = v4.new_code_cell(
        "plot_releases(ds)",
        execution_count=4,
        outputs=[
            v4.new_output(
                "display_data", data={"image/png": _PNG, "text/plain": "Releases rose 4.5x"}
            ),
            v4.new_output("stream", name="stderr", text="UserWarning: noisy\n"),
            v4.new_output(
                "execute_result", execution_count=4, data={"text/plain": "Text(0.5, 1.0, 'x')"}
            ),
        ],
    )
    untitled = v4.new_code_cell(
        "plot_other(ds)",
        execution_count=5,
        outputs=[
            v4.new_output(
                "display_data",
                data={"image/png": _PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"},
            )
        ],
    )
    given = v4.new_code_cell(
        "show(fig)",
        execution_count=6,
        outputs=[
            v4.new_output("display_data", data={"image/png": _PNG}, metadata={"alt": "KPI tiles"})
        ],
    )
    js = v4.new_code_cell(
        "display(Javascript(...))",
        execution_count=7,
        outputs=[
            v4.new_output(
                "display_data", data={"application/javascript": "alert(2)", "text/plain": "js"}
            )
        ],
    )
    nb = v4.new_notebook(
        cells=[
            v4.new_markdown_cell("# Stability\n\nHow often changes fail."),
            params,
            injected,
            v4.new_markdown_cell("## Incidents"),
            table,
            v4.new_markdown_cell("## Releases"),
            chart,
            v4.new_markdown_cell("## Restore *time*"),
            untitled,
            given,
            js,
            v4.new_code_cell("import analytics", execution_count=8),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


@pytest.fixture(scope="module")
def converted() -> str:
    return notebook_to_html(executed_notebook(), page_meta())


# -- conversion (no kernel) ------------------------------------------------------------------


def test_no_code_no_parameters_no_prompts(converted):
    for code in (
        "incidents_table(ds)",
        "plot_releases",
        "month = ",
        "import analytics",
        "injected-parameters",
        "In&nbsp;[",
        "Out[",
        "jp-CodeMirrorEditor",
        "cm-editor",
    ):
        assert code not in converted


def test_data_text_is_escaped_and_scripts_never_reach_the_page(converted):
    page = Page(converted)
    assert ALERT in "".join(page.text)
    assert not [tag for tag, _ in page.tags if tag == "script"]
    assert "alert(2)" not in converted  # javascript outputs are not rendered


def test_every_image_has_alt_text(converted):
    alts = [attrs.get("alt") for tag, attrs in Page(converted).tags if tag == "img"]
    assert alts == ["Releases rose 4.5x", "Chart: Restore time", "KPI tiles"]


def test_stderr_and_plot_reprs_are_left_out(converted):
    assert "noisy" not in converted and "Text(0.5" not in converted


def test_title_header_provenance_and_print_css(converted):
    page = Page(converted)
    assert page.title == "Incidents, November 2021 - Program"
    text = " ".join(" ".join(page.text).split())
    assert "Data folder data/sample" in text and "Month 2021-11" in text
    assert "@media print" in converted and "<h1>Incidents</h1>" in converted
    assert ">Stability</h1>" not in converted  # the notebook's title line became the header
    assert "How often changes fail." in text  # ... and the rest of its cell stays


def test_the_page_is_self_contained(converted):
    page = Page(converted)
    assert external_references(page) == []
    assert not [t for t, a in page.tags if t == "link"]
    assert offline_problems(converted) == []
    for cdn in (
        "require.js",
        "mathjax",
        "MathJax",
        "fonts.googleapis",
        "cdn.",
        "unpkg",
        "jsdelivr",
    ):
        assert cdn not in converted


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example.org/x.js"></script>',
        "<script>alert(1)</script>",
        '<img src="http://example.org/a.png">',
        '<img srcset="data:image/png;base64,AAA 1x, //example.org/b.png 2x">',
        '<link rel="stylesheet" href="https://fonts.example.org/css">',
        "<style>@import 'https://example.org/a.css';</style>",
        '<div style="background: url(https://example.org/bg.png)"></div>',
        '<iframe src="https://example.org"></iframe>',
        '<img src="x.png" onerror="alert(1)">',
        # links go nowhere but the report's own pages (issue #15, item 1)
        '<a href="javascript:alert(1)">clickme</a>',
        '<a href="java&#x09;script:alert(1)">tab inside the scheme</a>',
        '<a href=" JAVASCRIPT:alert(1)">upper case, leading space</a>',
        '<a href="data:text/html,<script>alert(1)</script>">data</a>',
        '<a href="https://dora.dev">another site</a>',
        '<a href="//evil.example/01-executive-summary.html">protocol-relative</a>',
        '<a href="/etc/passwd.html">absolute path</a>',
        '<svg><a xlink:href="javascript:alert(1)">svg link</a></svg>',
        '<form action="https://evil.example"><button>go</button></form>',
        '<meta http-equiv="refresh" content="0; url=https://evil.example">',
    ],
)
def test_offline_problems_flags_what_would_fetch_run_or_leave(html):
    assert offline_problems(f"<html><body>{html}</body></html>")
    neutralised = neutralise_page(f"<html><body>{html}</body></html>")
    assert offline_problems(neutralised) == [], neutralised


def test_offline_problems_allows_own_page_links_and_data_uris():
    html = (
        '<a href="02-delivery.html">next</a><a href="../index.html">all months</a>'
        '<a href="2021-12/01-executive-summary.html#Key-figures">summary</a><a href="#top">top</a>'
        f'<img alt="x" src="data:image/png;base64,{_PNG}"><style>.a {{ color: red }}</style>'
    )
    assert offline_problems(html) == []
    assert neutralise_page(html) == html  # a clean page is written back byte for byte


def test_neutralise_page_keeps_link_text_and_drops_the_rest():
    page = (
        '<p dir="ltr">ok \u202eevil&#x202E;</p><a href="javascript:alert(1)" class="x">clickme</a>'
        '<img src="https://evil.example/a.png" alt="a" onerror="alert(1)">'
        "<script>alert(1)</script><iframe src=https://x></iframe>"
    )
    assert neutralise_page(page) == (
        '<p dir="ltr">ok evil</p><a class="x">clickme</a><img alt="a">'
    )


# -- the pages rendered through the engine ------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    result, out = render_fixture_month(tmp_path_factory)
    assert result.ok, [str(f) for f in result.failures]
    files = sorted((out / MONTH).glob("*.html")) + [out / "index.html"]
    return {p.name: p.read_text(encoding="utf-8") for p in files}


@pytest.mark.slow
def test_rendered_pages_are_self_contained_titled_and_code_free(pages):
    titles = set()
    for name, html in pages.items():
        page = Page(html)
        assert external_references(page) == [], name
        assert offline_problems(html) == [], name
        assert not [t for t, _ in page.tags if t in ("script", "link", "iframe")], name
        assert page.title.strip(), name
        titles.add(page.title)
        assert "import " not in html and "plt." not in html, name
        assert all(a.get("alt") for t, a in page.tags if t == "img"), name
    assert len(titles) == len(pages)
    assert Page(pages["01-chart.html"]).title == "Chart report, November 2021 - DevOps program"


@pytest.mark.slow
def test_rendered_table_shows_the_script_as_text(pages):
    page = Page(pages["02-table.html"])
    assert ALERT in "".join(page.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["02-table.html"]
    assert "this warning goes to the render log" not in pages["02-table.html"]


@pytest.mark.slow
def test_rendered_chart_alt_text_comes_from_title_or_heading(pages):
    alts = [a["alt"] for t, a in Page(pages["01-chart.html"]).tags if t == "img"]
    assert alts == ["Deployments rose every week", "Chart: Lead time"]


@pytest.mark.slow
def test_rendered_pages_carry_provenance(pages):
    text = " ".join(" ".join(Page(pages["01-chart.html"]).text).split())
    for expected in (
        f"Data folder {Path(__file__).resolve().parent / 'fixtures' / 'notebooks' / 'data'}",
        "Month 2021-11",
        "Definitions preset fourkeys",
        "Services api",
        "Package devops-analytics",
        "Git commit",
        "Rendered",
        "UTC",
    ):
        assert expected in text
