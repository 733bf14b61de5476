"""``devops-analytics caict``: the evidence table on a terminal, as CSV, and its errors."""

import io

import pandas as pd

from analytics.cli import main
from tests.conftest import MINIMAL_DEPLOYMENTS, SAMPLE_DIR


def test_sample_month_and_phases(capsys):
    assert main(["caict", str(SAMPLE_DIR), "--month", "2021-12"]) == 0
    out = capsys.readouterr().out
    assert "Durations in calendar time; working days: Sat/Sun off, CN public holidays" in out
    for window in ("2021-12", "baseline", "program", "after"):
        assert f"{window} " in out
    assert "Integration feedback and fix time" in out
    assert "Deployments per calendar day and per working day, 2021-12:" in out


def test_csv_has_every_column_and_marks_what_is_not_judged(write_folder, capsys):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    assert main(["caict", str(folder), "--month", "2021-03", "--format", "csv", "--full"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert list(table.columns[:4]) == ["window", "item", "item_zh", "level"]
    rows = table.set_index("item")
    # one production deployment (Monday 1 March) in the 5 weeks of March: the median week had
    # none, so monthly at best
    assert rows.loc["Deployment strategy / frequency", "level"] == "1"
    assert rows.loc["Integration frequency", "level"] == ""  # no changes at all: not judged
    assert "not judged: no change integrated" in rows.loc["Integration frequency", "not_judged"]


def test_program_name_is_neutralised_for_the_terminal(write_folder, capsys):
    program = 'name: "Ship \\e[31mfaster\\u202e"\n'
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS, "program.yml": program})
    assert main(["caict", str(folder), "--month", "2021-03"]) == 0
    out = capsys.readouterr().out
    assert "Ship faster" in out and "\x1b" not in out and "\u202e" not in out


def test_month_outside_the_data_is_one_line(write_folder, capsys):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    assert main(["caict", str(folder), "--month", "2020-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
