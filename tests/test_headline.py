"""One quantity, one number (issue #12): the month's headline figures, worked out by hand from
data/sample's CSV files, and stated identically by every view and every rendered page."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pandas as pd
import pytest

from analytics import plots, views
from analytics.wording.numbers import format_value
from tests.conftest import SAMPLE_DIR

TZ = "Asia/Shanghai"
BASELINE = ("2020-10", "2020-11", "2020-12")
AFTER = ("2021-09", "2021-10", "2021-11", "2021-12")


def _deployments() -> pd.DataFrame:
    d = pd.read_csv(SAMPLE_DIR / "deployments.csv")
    d["month"] = pd.to_datetime(d["finished_at"], utc=True).dt.tz_convert(TZ).dt.strftime("%Y-%m")
    return d[d["status"].str.lower() == "success"]


def _monthly_average(frame: pd.DataFrame, months: tuple[str, ...], per_day: bool) -> float:
    counts = [
        (frame["month"] == m).sum() / (pd.Period(m, "M").days_in_month if per_day else 1)
        for m in months
    ]
    return sum(counts) / len(counts)


@pytest.fixture(scope="module")
def december():
    return views.open_month(str(SAMPLE_DIR), "2021-12")


@pytest.fixture(scope="module")
def april():
    return views.open_month(str(SAMPLE_DIR), "2021-04")


def test_headline_figures_by_hand(december):
    ok = _deployments()
    prod = ok[ok["environment"] == "production"]
    expected = {
        # successful deployments to any environment per calendar day, averaged over the months
        "delivery_throughput_per_day": (
            _monthly_average(ok, BASELINE, True),
            _monthly_average(ok, AFTER, True),
        ),
        # successful production deployments per month (regular, hotfix, rollback), averaged
        "production_releases": (
            _monthly_average(prod, BASELINE, False),
            _monthly_average(prod, AFTER, False),
        ),
    }
    heads = {h.metric: h for h in views.headline_numbers(december)}
    for metric, (before, after) in expected.items():
        h = heads[metric]
        assert h.baseline == pytest.approx(before) and h.after == pytest.approx(after), metric
    assert heads["delivery_throughput_per_day"].baseline_text == "0.74 a day"  # 0.7384
    assert heads["production_releases"].baseline_text == "3.3 a month"  # 10 / 3
    assert heads["delivery_throughput_per_day"].counts.startswith(
        "successful deployments to any environment"
    )
    # December 2021 by hand: 21 successful production deployments
    assert heads["production_releases"].month == (prod["month"] == "2021-12").sum() == 21
    assert heads["test_coverage"].statistic == "lowest service"
    assert heads["test_coverage"].claim == "100% automated test coverage"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_every_view_of_the_executive_page_states_the_same_figures(december):
    tiles = _text(str(plots.kpi_tiles_html(december.scorecard, judged=december.judged)))
    table = views.targets_table(december)
    verdict = views.verdict_markdown(december)
    chart = plots.small_multiples(december.monthly, december.config)
    titles = " ".join(" ".join(ax.get_title(loc="left").split()) for ax in chart.axes)
    for h in views.headline_numbers(december):
        assert f"Baseline {h.baseline_text}" in tiles, h.metric
        assert table.loc[h.name, "Baseline"] == h.baseline_text
        assert table.loc[h.name, "After phase"] == h.after_text
        assert table.loc[h.name, "This month"] == h.month_text
        assert f"{h.name}: baseline {h.baseline_text}, after phase {h.after_text}." in verdict
        if h.statistic != "lowest service":  # the chart draws the mean of services, named so
            before = format_value(h.baseline, h.unit)
            assert f"from {before} to {h.after_text}" in titles, (h.metric, titles)
    assert "Holm" not in verdict and "Not shown" not in verdict and "x (95% CI" not in verdict


def test_the_first_screen_flags_what_the_tiles_alone_would_hide(december):
    text = "\n".join(views.flags(december))
    # by hand: 21 releases in December 2021, of which 17 regular, 2 hotfixes, 2 rollbacks
    ok = _deployments()
    dec = ok[(ok["environment"] == "production") & (ok["month"] == "2021-12")]
    regular = int((dec["kind"] == "regular").sum())
    assert regular == 17 < 18 <= len(dec)
    assert f"{len(dec)} releases, of which {regular} regular" in text
    assert "only 4 incidents" in text
    assert "Rework rate got worse: baseline 0%, after phase 14.3%." in text
    assert "that could be linked to a deployment" in text
    dora = views.dora_table(december)
    assert list(dora.index) == [
        "Deployment frequency",
        "Lead time for changes",
        "Time to restore, all incidents",
        "Change failure rate",
        "Rework rate",
    ]
    assert set(dora["DORA 2021 band"]) - {"no DORA band"} <= {"elite", "high", "medium", "low"}
    # deployment frequency: successful production deployments a day, December 2021 = 21 / 31
    assert dora.loc["Deployment frequency", "This month"] == f"{21 / 31:.2f} a day"
    claims = views.claims_markdown(december)
    assert "“100% automated test coverage”" in claims and "lowest one is judged" in claims


def test_the_release_mix_and_the_release_flag_count_the_releases_of_the_number(december):
    """The release mix (verdict) and the flag above read the releases the month's number
    counts (``rows_behind``): by hand, 21 in December 2021, 17 regular, 2 hotfixes, 2 rollbacks."""
    heads = {h.metric: h for h in views.headline_numbers(december)}
    assert heads["production_releases"].month == 21 == len(december.rows("production_releases"))
    mix = views.release_mix(december)
    assert mix.startswith("21 production releases in December 2021: 17 regular, ")
    assert "2 hotfixes" in mix and "2 rollbacks" in mix
    assert (
        "21 releases, of which 17 regular, 2 hotfixes and 2 rollbacks." in views.flags(december)[0]
    )


def _with_targets(tmp_path, lines: str) -> str:
    """data/sample's program.yml with ``lines`` added under ``targets:``; its path."""
    text = (SAMPLE_DIR / "program.yml").read_text(encoding="utf-8")
    head, sep, rest = text.partition("\ntargets:")
    assert sep, "the sample's program.yml has a targets section"
    end = rest.index("\n") + 1  # after the ``targets:`` line (and its comment)
    path = tmp_path / "program.yml"
    path.write_text(head + sep + rest[:end] + lines + rest[end:], encoding="utf-8")
    return str(path)


def test_a_worse_metric_with_a_target_is_flagged_once(tmp_path):
    """The change failure and rework rates are flagged when worse even without a target; with
    one they are headline figures, flagged once under the headline's name. By hand (December
    2021, pooled shares): rework rate 0 of the baseline's releases, 14.3% of the after phase's
    (worse); change failure rate 38.5% -> 19.8% (better: no flag)."""
    program = _with_targets(tmp_path, "  change_failure_rate: 0.15\n  rework_rate: 0.1\n")
    report = views.open_month(str(SAMPLE_DIR), "2021-12", program)
    assert {"change_failure_rate", "rework_rate"} <= {h.metric for h in report.headline}
    worse = [f for f in views.flags(report) if "got worse" in f]
    assert worse == ["Rework rate, pooled share got worse: baseline 0%, after phase 14.3%."]


def test_a_month_before_the_after_phase_shows_progress_not_failure(april):
    status = views.status_of(april)
    assert status["judged"] is False
    assert status["verdict"] == "program judged from September 2021"
    tiles = str(plots.kpi_tiles_html(april.scorecard, judged=False))
    assert "Target not met" not in tiles
    assert tiles.count("track at the current trend</span>") == 5  # one per tile
    assert status["on_track"] == sum(
        t is True for t in april.scorecard["on_track"]
    )  # the scorecard's own on_track, shown
    assert "not judged yet" in views.impact_status_html(april)
    assert "not judged yet" in views.impact_or_status(april)  # no empty before/after table
    assert views.if_judged(april, "a chart") == (
        "<p><em>Not judged yet: shown from the September 2021 report on.</em></p>"
    )
    assert views.status_sentence(april).startswith("<p><strong>The program is not judged yet.")
    assert set(views.targets_table(april)["After phase"]) == {"not reached"}


def test_the_status_is_computed_once_and_the_first_line_reads_it(december, monkeypatch):
    """``status_of`` (published to the manifest) and the page's first line read one status,
    computed once per month; ``status_of`` hands out a copy."""
    import copy

    from analytics.views import executive

    report = copy.copy(december)  # a fresh month: its own cache
    report.__dict__.pop("status", None)
    calls = []
    compute = executive.compute_status
    monkeypatch.setattr(executive, "compute_status", lambda r: calls.append(r) or compute(r))
    status = views.status_of(report)
    assert views.status_sentence(report).startswith("<p><strong>In December 2021, 5 of 5 targets")
    assert views.status_of(report) == status and len(calls) == 1
    status["targets_met"] = 0  # a copy: the month's status is unchanged
    assert "5 of 5 targets were met" in views.status_sentence(report)


def _never(*args, **kwargs):
    raise AssertionError("computed for a month that does not show it")


def test_a_section_that_is_not_shown_computes_nothing(april, december):
    """``if_judged`` calls the section's function (and any ``later`` argument) only in a judged
    month; before, the sentence alone."""
    sentence = "<p><em>Not judged yet: shown from the September 2021 report on.</em></p>"
    assert views.if_judged(april, _never, views.later(_never), key=views.later(_never)) == sentence
    assert views.if_judged(december, max, 1, views.later(abs, -3)) == 3
    assert views.if_judged(december, sorted, views.later(list, "cba"), reverse=True) == [
        "c",
        "b",
        "a",
    ]
    assert views.if_judged(december, "a table") == "a table"  # a value is shown as it is


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (the standard library's parser)."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tiles(html: str) -> list[str]:
    """The HTML of each KPI tile of a page (the listitems of the tiles' section)."""
    sections = re.findall(
        r'<section aria-label="Key performance indicators".*?</section>', html, flags=re.S
    )
    return [t for sec in sections for t in sec.split('role="listitem"')[1:]]


@pytest.mark.slow
def test_every_rendered_page_states_each_baseline_and_after_value_identically(rendered_sample):
    """Scan the text of all eight pages of December 2021: wherever a headline figure's name
    (label and statistic) heads a table row or a sentence, its baseline and after-phase values
    are the headline's; tiles give the same baseline; no page names a second value."""
    assert rendered_sample.ok, [str(f) for f in rendered_sample.failures]
    report = views.open_month(str(SAMPLE_DIR), "2021-12")
    heads = views.headline_numbers(report)
    pages = {p.stem: p.read_text("utf-8") for p in rendered_sample.folder.glob("*.html")}
    assert len(pages) == 8
    seen = {h.metric: 0 for h in heads}
    for slug, html in pages.items():
        parser = _Tables()
        parser.feed(html)
        for table in parser.tables:
            header = table[0] if table else []
            for row in table[1:]:
                for h in heads:
                    if row and row[0] == h.name:
                        for col, expected in (
                            ("Baseline", h.baseline_text),
                            ("After phase", h.after_text),
                        ):
                            if col in header:
                                i = header.index(col)
                                assert row[i] == expected, (slug, h.name, col, row[i])
                                seen[h.metric] += 1
        text = _text(html)
        for h in heads:
            for found in re.findall(
                re.escape(h.name) + r": baseline ([^,]+), after phase ([^.]+(?:\.\d+[^.]*)?)\.",
                text,
            ):
                assert found == (h.baseline_text, h.after_text), (slug, h.name, found)
                seen[h.metric] += 1
            for tile in _tiles(html):
                if f">{h.label}<" in tile:
                    stated = re.findall(r"Baseline ([^<·]+?)(?:</| ·)", unescape(tile))
                    assert stated == [h.baseline_text], (slug, h.name, stated)
                    seen[h.metric] += 1
    assert all(n >= 2 for n in seen.values()), seen  # stated on at least two views
    # the month's status, as the executive summary published it, is in its manifest for the index
    from analytics.report.manifest import month_status

    assert month_status(rendered_sample.folder) == views.status_of(report)
    index = (rendered_sample.folder.parent / "index.html").read_text("utf-8")
    assert "5 of 5 targets met" in index and "5 of 5 claimed improvements demonstrated" in index
