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
