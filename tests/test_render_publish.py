"""The render's output folder: ownership, atomic publishing, crash clean-up, incremental renders,
hostile options (issue #15) and the month status and files hooks."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import nbformat
import pytest

from analytics.cli import main
from analytics.exceptions import RenderError
from analytics.report import publish as pub
from analytics.report.html import notebook_to_html
from analytics.report.manifest import (
    STATUS_MIME,
    collect_status,
    month_status,
    pop_status,
    write_manifest,
    written_by_render,
)
from analytics.report.plan import prepare
from tests.test_render import DATA, FIXTURES, GOOD, MONTH, forbid_kernels


@pytest.fixture
def no_kernels(monkeypatch):
    forbid_kernels(monkeypatch)


def cli(out: Path, *argv: str) -> int:
    return main(
        ["render", "--data", str(DATA), "--out", str(out), "--notebooks", str(FIXTURES), *argv]
    )


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


# -- what render never touches (issue #15, items 2 and 5) -------------------------------------


def test_a_month_folder_render_did_not_write_is_refused(no_kernels, tmp_path, capsys):
    out = tmp_path / "reports"
    (out / MONTH).mkdir(parents=True)
    (out / MONTH / "board-deck.pptx").write_bytes(b"the user's deck")
    assert cli(out, "--month", MONTH) == 2
    err = one_error_line(capsys)
    assert f"{out / MONTH} was not written by devops-analytics render" in err
    assert (out / MONTH / "board-deck.pptx").read_bytes() == b"the user's deck"
    assert sorted(p.name for p in out.iterdir()) == [MONTH]


def test_latest_refuses_a_foreign_folder_of_the_month_it_picks(no_kernels, tmp_path, capsys):
    out = tmp_path / "reports"
    (out / MONTH).mkdir(parents=True)  # 2021-11 is the fixture's latest complete month
    assert cli(out, "--latest") == 2
    assert "was not written by devops-analytics render" in one_error_line(capsys)


def test_a_users_index_html_is_never_overwritten(no_kernels, tmp_path, capsys):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("<html>my own page</html>", encoding="utf-8")
    assert cli(out, "--month", MONTH) == 2
    assert f"{out / 'index.html'} was not written by devops-analytics render" in one_error_line(
        capsys
    )
    assert (out / "index.html").read_text(encoding="utf-8") == "<html>my own page</html>"


def test_out_pointing_at_a_file_is_one_line_before_any_work(no_kernels, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me", encoding="utf-8")
    assert cli(target, "--month", MONTH) == 2
    assert "is a file, not a folder" in one_error_line(capsys)
    assert target.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_timeout_must_be_a_positive_finite_number(no_kernels, tmp_path, capsys, value):
    assert cli(tmp_path / "out", "--month", MONTH, f"--timeout={value}") == 2
    assert "--timeout must be a number of seconds above 0" in one_error_line(capsys)


def test_a_render_manifest_marks_the_folder(tmp_path):
    write_manifest(tmp_path, {"month": tmp_path.name})
    assert written_by_render(tmp_path)
    (tmp_path / "manifest.json").write_text('{"month": "x"}', encoding="utf-8")
    assert not written_by_render(tmp_path)  # someone else's manifest.json


# -- a stray timestamp in 2100 (issue #15, item 6) ---------------------------------------------


@pytest.fixture
def stray_data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rows = (DATA / "deployments.csv").read_text(encoding="utf-8")
    rows += "d6,api,production,2100-01-01T10:00:00+00:00,success\n"
    (data / "deployments.csv").write_text(rows, encoding="utf-8")
    return data


def test_latest_and_all_months_do_not_follow_a_row_dated_2100(no_kernels, tmp_path, stray_data):
    def plan(months):
        return prepare(stray_data, months, out=tmp_path / "o", reports=GOOD, notebook_dir=FIXTURES)

    assert plan("latest").months == ["2021-11"]
    assert plan("all").months == ["2021-10", "2021-11"]
    note = plan("latest").span_note
    assert "1 event(s) after the export's plausible end 2021-12-20" in note
    assert "deployments d6 dated 2100-01-01 (in the future)" in note
    with pytest.raises(RenderError, match="month 2099-12 is outside the data"):
        plan("2099-12")


def test_validate_flags_the_stray_row(stray_data, capsys):
    assert main(["validate", str(stray_data)]) == 0
    out = capsys.readouterr().out
    assert "warning: 1 event(s) after the export's plausible end 2021-12-20" in out
    assert "deployments d6 dated 2100-01-01" in out


def test_a_few_events_after_a_long_silence_are_stray():
    import datetime as dt

    from analytics.report.months import _silent_tail

    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i % 300) for i in range(300)]
    days = sorted(days) + [dt.date(2023, 6, 1)]
    assert _silent_tail(days) == 300  # the last event, after 2021-10-27 and 582 quiet days
    assert _silent_tail(sorted(days[:-1])) is None


# -- publishing is one atomic step; a crash leaves a complete month ---------------------------


def version_with(out: Path, month: str, text: str) -> Path:
    version = pub.new_version(out, month)
    (version / "01-a.html").write_text(text, encoding="utf-8")
    write_manifest(version, {"month": month, "pages": [{"title": "A", "file": "01-a.html"}]})
    return version


def test_publish_switches_the_month_in_one_rename(tmp_path):
    out = tmp_path / "reports"
    pub.publish(out, MONTH, version_with(out, MONTH, "first"))
    first = os.readlink(out / MONTH)
    pub.publish(out, MONTH, version_with(out, MONTH, "second"))
    assert (out / MONTH / "01-a.html").read_text(encoding="utf-8") == "second"
    assert os.readlink(out / MONTH) != first and not (out / first).exists()  # old one dropped


def test_a_crash_before_the_switch_keeps_the_old_month_and_is_cleaned_next_time(
    tmp_path, monkeypatch
):
    out = tmp_path / "reports"
    pub.publish(out, MONTH, version_with(out, MONTH, "old"))

    def crash(tmp, link):
        raise KeyboardInterrupt  # killed between writing the new version and switching

    monkeypatch.setattr(pub, "_switch", crash)
    with pytest.raises(KeyboardInterrupt):
        pub.publish(out, MONTH, version_with(out, MONTH, "new"))
    assert (out / MONTH / "01-a.html").read_text(encoding="utf-8") == "old"
    leftovers = sorted(p.name for p in out.iterdir() if p.name.startswith(f".{MONTH}"))
    assert len(leftovers) == 1 and ".link-" in leftovers[0]
    removed = pub.clean_stale(out)
    assert len(removed) == 2  # the temporary link and the unpublished version
    assert [p.name for p in (out / ".versions").iterdir()] == [os.readlink(out / MONTH)[10:]]
    assert (out / MONTH / "01-a.html").read_text(encoding="utf-8") == "old"


def test_a_crash_after_the_switch_publishes_the_new_month_and_drops_the_old_later(
    tmp_path, monkeypatch
):
    out = tmp_path / "reports"
    pub.publish(out, MONTH, version_with(out, MONTH, "old"))
    monkeypatch.setattr(pub.shutil, "rmtree", lambda *a, **k: None)  # dies before removing it
    pub.publish(out, MONTH, version_with(out, MONTH, "new"))
    monkeypatch.undo()
    assert (out / MONTH / "01-a.html").read_text(encoding="utf-8") == "new"
    assert len(list((out / ".versions").iterdir())) == 2
    pub.clean_stale(out)
    assert len(list((out / ".versions").iterdir())) == 1
    assert (out / MONTH / "01-a.html").read_text(encoding="utf-8") == "new"


def test_stale_folders_of_the_earlier_swap_are_cleaned(tmp_path):
    out = tmp_path / "reports"
    for name in (f".{MONTH}.old-123-456", f".render-{MONTH}-abc", ".staging-2021-12-x"):
        (out / name).mkdir(parents=True)
    (out / "notes").mkdir()  # not the render's: kept
    pub.clean_stale(out)
    assert sorted(p.name for p in out.iterdir()) == ["notes"]


def test_a_month_folder_of_an_earlier_release_becomes_a_version(tmp_path):
    out = tmp_path / "reports"
    (out / MONTH).mkdir(parents=True)
    (out / MONTH / "01-a.html").write_text("old", encoding="utf-8")
    (out / MONTH / "manifest.json").write_text(
        json.dumps({"month": MONTH, "pages": [], "provenance": {}, "rendered_at": "x"}),
        encoding="utf-8",
    )
    pub.publish(out, MONTH, version_with(out, MONTH, "new"))
    assert (out / MONTH).is_symlink()
    assert (out / MONTH / "01-a.html").read_text(encoding="utf-8") == "new"
    assert len(list((out / ".versions").iterdir())) == 1


def test_a_second_render_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "reports"
    with pub.locked(out), pytest.raises(RenderError, match="another render is writing"):
        with pub.locked(out):
            pass


# -- incremental render ------------------------------------------------------------------------


def published_plan(out: Path, notebooks: Path = FIXTURES):
    """A plan whose month is then published by hand with the plan's inputs (no kernel)."""
    plan = prepare(DATA, MONTH, out=out, reports=GOOD, notebook_dir=notebooks)
    version = pub.new_version(out, MONTH)
    for report in GOOD:
        (version / report.html_name).write_text("page", encoding="utf-8")
    write_manifest(version, {"month": MONTH, "pages": [], "inputs": plan.inputs[MONTH]})
    pub.publish(out, MONTH, version)
    return plan


def test_a_month_with_unchanged_inputs_is_not_rendered_again(no_kernels, tmp_path):
    out = tmp_path / "reports"
    assert published_plan(out).unchanged == []
    plan = prepare(DATA, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES)
    assert plan.unchanged == [MONTH] and plan.todo == []
    forced = prepare(DATA, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES, force=True)
    assert forced.unchanged == [] and forced.todo == [MONTH]
    other = prepare(DATA, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES, preset="fourkeys")
    assert other.unchanged == []  # another option, other pages


def test_a_later_row_does_not_touch_an_earlier_month_but_a_row_inside_it_does(no_kernels, tmp_path):
    out = tmp_path / "reports"
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    plan = prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES)
    rows = (data / "deployments.csv").read_text(encoding="utf-8")
    (data / "deployments.csv").write_text(
        rows + "d7,api,production,2021-12-28T10:00:00+00:00,success\n", encoding="utf-8"
    )
    later = prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES)
    assert later.inputs[MONTH]["rows"] == plan.inputs[MONTH]["rows"]
    (data / "deployments.csv").write_text(
        rows + "d8,api,production,2021-11-28T10:00:00+00:00,success\n", encoding="utf-8"
    )
    inside = prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES)
    assert inside.inputs[MONTH]["rows"] != plan.inputs[MONTH]["rows"]


def test_a_changed_program_file_or_package_version_renders_the_month_again(
    no_kernels, tmp_path, monkeypatch
):
    import analytics

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    program = data / "program.yml"
    if not program.exists():
        program.write_text("name: Fixture program\n", encoding="utf-8")
    out = tmp_path / "reports"
    plan = prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES)
    version = pub.new_version(out, MONTH)
    for report in GOOD:
        (version / report.html_name).write_text("page", encoding="utf-8")
    write_manifest(version, {"month": MONTH, "pages": [], "inputs": plan.inputs[MONTH]})
    pub.publish(out, MONTH, version)
    assert prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES).todo == []
    program.write_text(program.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    assert prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES).todo == [MONTH]
    program.write_text(program.read_text(encoding="utf-8")[: -len("# a note\n")], "utf-8")
    assert prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES).todo == []
    monkeypatch.setattr(analytics, "__version__", analytics.__version__ + ".post1")
    assert prepare(data, MONTH, out=out, reports=GOOD, notebook_dir=FIXTURES).todo == [MONTH]


def test_the_cli_skips_an_unchanged_month_without_starting_a_kernel(no_kernels, tmp_path, capsys):
    out, notebooks = tmp_path / "reports", tmp_path / "notebooks"
    notebooks.mkdir()
    for report in GOOD:  # the report set the CLI discovers there is GOOD
        shutil.copy(FIXTURES / report.notebook, notebooks / report.notebook)
    published_plan(out, notebooks)
    code = main(["render", "--data", str(DATA), "--out", str(out), "--notebooks", str(notebooks),
                 "--month", MONTH])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert f"Unchanged since published, not rendered again: {MONTH}" in printed
    assert (out / "index.html").is_file()


# -- hooks: the month's status, further files --------------------------------------------------


def test_a_published_status_reaches_the_manifest_and_not_the_page(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("publish_status(targets_met=5, targets=7)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={STATUS_MIME: {"targets_met": 5, "targets": 7}})
    ]
    nb.cells = [cell]
    assert collect_status(nb) == {"targets_met": 5, "targets": 7}
    status = pop_status(nb)  # the render takes it out of the page
    page = {"title": "T", "page_title": "T", "program": "P", "month_label": "M", "nav": [],
            "provenance": [], "version": "0"}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nbconvert warns on an output it cannot show
        html = notebook_to_html(nb, page)
    assert "targets_met" not in html and collect_status(nb) == {}
    write_manifest(tmp_path, {"month": MONTH, "status": status})
    assert month_status(tmp_path) == {"targets_met": 5, "targets": 7}


def test_month_file_writers_write_into_the_unpublished_folder(no_kernels, tmp_path):
    from analytics.report.render import write_month_files

    plan = prepare(DATA, MONTH, out=tmp_path / "o", reports=GOOD, notebook_dir=FIXTURES)
    folder = tmp_path / "version"
    folder.mkdir()

    def deployments_csv(files):
        rows = files.dataset().table("deployments")
        (files.folder / "deployments.csv").write_text(rows.to_csv(index=False), encoding="utf-8")
        return ["deployments.csv"]

    assert write_month_files(plan, MONTH, folder, [deployments_csv]) == ["deployments.csv"]
    written = (folder / "deployments.csv").read_text(encoding="utf-8")
    assert "d4" in written and "d5" not in written  # cut at the end of November


def test_workers_keep_to_a_month_and_share_a_single_one():
    from analytics.report.pages import JobQueue
    from analytics.report.plan import Job

    def jobs(*months):
        return [Job(m, r, Path(r.notebook), {}, 0) for m in months for r in GOOD]

    q = JobQueue(jobs("2021-10", "2021-11"))
    first, second = q.next(None), q.next(None)
    assert (first.month, second.month) == ("2021-10", "2021-11")  # one month each
    assert q.next(first.month).month == "2021-10" and q.next(second.month).month == "2021-11"
    assert q.next("2021-10") is None
    single = JobQueue(jobs("2021-11"))
    assert single.next(None).month == single.next(None).month == "2021-11"  # both help
    q = JobQueue(jobs("2021-11"))
    q.stop()
    assert q.next(None) is None


@pytest.mark.slow
def test_all_months_renders_only_the_month_not_published_yet(tmp_path):
    from analytics.report import render_months

    out = tmp_path / "reports"
    kw = {"out": out, "reports": GOOD, "notebook_dir": FIXTURES, "jobs": 2}
    (first,) = render_months(DATA, "2021-10", **kw)
    assert first.ok and not first.skipped
    october = os.readlink(out / "2021-10")
    results = render_months(DATA, "all", **kw)
    assert [(r.month, r.ok, r.skipped) for r in results] == [
        ("2021-10", True, True),
        ("2021-11", True, False),
    ]
    assert os.readlink(out / "2021-10") == october  # not rendered again
    manifest = json.loads((out / "2021-11" / "manifest.json").read_text(encoding="utf-8"))
    assert [p["slug"] for p in manifest["pages"]] == ["01-chart", "02-table"]
    assert manifest["inputs"]["package"] and manifest["status"] == {}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2021-11/01-chart.html"' in index and 'href="2021-10/01-chart.html"' in index
    (forced,) = render_months(DATA, "2021-10", force=True, **kw)
    assert not forced.skipped and os.readlink(out / "2021-10") != october
    assert not (out / october).exists()  # the replaced version is gone
