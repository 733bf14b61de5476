"""The command line: help everywhere, exit codes, one-line errors."""

import subprocess
import sys

import pytest

from analytics.cli import build_parser, main
from tests.conftest import MINIMAL_DEPLOYMENTS


def test_every_command_has_help(capsys):
    parser = build_parser()
    names = list(parser._subparsers._group_actions[0].choices)
    assert {"validate", "sample"} <= set(names)
    for name in names:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert "usage: devops-analytics" in capsys.readouterr().out


def test_validate_ok(write_folder, capsys):
    folder = write_folder({"deployments.csv": MINIMAL_DEPLOYMENTS})
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "deployments" in out and "OK: the data folder is valid." in out
    assert "Date range: 2021-03-01 to 2021-03-01" in out


def test_validate_bad_input_is_one_line_and_exit_2(write_folder, capsys):
    folder = write_folder({"deployments.csv": "deployment_id,service\nd1,api\n"})
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: ") and "deployments.csv" in err and "column environment" in err
    assert "Traceback" not in err


def test_python_dash_m_matches_the_console_script(write_folder):
    folder = write_folder({"deployments.csv": "deployment_id;service\n"})
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "validate", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_service_and_month_outside_the_data_are_one_line_errors(capsys):
    from tests.conftest import FIXTURES

    tiny = str(FIXTURES / "tiny")
    assert main(["metrics", tiny, "--service", "nosuch"]) == 2
    assert main(["summary", tiny, "--month", "2030-01"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: unknown service 'nosuch'")
    assert err[1].startswith("error: ") and "no data for 2030-01" in err[1]


def test_metrics_reads_as_metric_rows_by_period_columns(capsys):
    from tests.conftest import FIXTURES

    tiny = str(FIXTURES / "tiny")
    assert (
        main(["metrics", tiny, "--metric", "production_releases", "--metric", "rework_rate"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert "the last 3 of 3 periods" in lines[0]
    assert lines[1].startswith("Durations in calendar time")  # the clock note
    lines = lines[1:]
    assert lines[1].split() == ["metric", "unit", "statistic", "2021-01", "2021-02", "2021-03"]
    # hand count of tests/fixtures/tiny/deployments.csv: successful production deployments 2, 2, 5
    assert lines[2].split() == ["Production", "releases", "releases/month", "count", "2", "2", "5"]
    # hotfix or rollback among production deployments: 0 of 3, 1 of 2 (d06), 1 of 6 (d11)
    assert lines[3].split() == ["Rework", "rate", "%", "share", "0.0", "50.0", "16.7"]
    assert len(lines) == 4


def test_metrics_csv_stays_exact_and_last_limits_the_readable_view(capsys):
    from tests.conftest import FIXTURES

    tiny = str(FIXTURES / "tiny")
    assert main(["metrics", tiny, "--metric", "rework_rate", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("period_start,service,severity,metric,value,statistic,unit,n")
    assert ",rework_rate,0.16666666666666666,share,share,6," in out[3]
    assert main(["metrics", tiny, "--metric", "rework_rate", "--last", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[2].split()[-1] == "2021-03"
    assert main(["metrics", tiny, "--metric", "lead_time"]) == 2
    assert "unknown metric 'lead_time'" in capsys.readouterr().err


def test_impact_prints_rounded_levels_with_units(capsys):
    from tests.conftest import FIXTURES

    assert main(["impact", str(FIXTURES / "tiny")]) == 0
    out = capsys.readouterr().out
    # production releases: 2 in the 27 days of January the data cover (from 5 January) and 5 in
    # the 30 days of March (to the last deployment, 30 March), per month of 30.44 days:
    # 2 / 27 * 30.4375 = 2.25 and 5 / 30 * 30.4375 = 5.07
    assert "2.25 a month" in out and "5.07 a month" in out
    assert "e-" not in out  # no raw floats such as 6.7e-118


def test_metrics_by_department_add_up_to_the_whole(capsys):
    import io

    import pandas as pd

    from tests.conftest import SAMPLE_DIR

    args = ["metrics", str(SAMPLE_DIR), "--metric", "production_releases", "--format", "csv"]
    assert main([*args, "--by", "department"]) == 0
    parts = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(parts["department"]) == {"Product", "Engineering"}  # data/sample/program.yml
    assert main(args) == 0
    whole = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("period_start")
    summed = parts.groupby("period_start")["value"].sum()
    pd.testing.assert_series_equal(summed, whole["value"], check_names=False)


def test_metrics_readable_view_keeps_the_working_day_rates(capsys):
    from tests.conftest import FIXTURES

    tiny = str(FIXTURES / "tiny")
    args = ["metrics", tiny, "--working-days"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "deployment_frequency_per_working_day" in out and "rate per working day" in out
    assert main([*args, "--by", "team"]) == 2
    assert "--working-days works with --by service" in capsys.readouterr().err
