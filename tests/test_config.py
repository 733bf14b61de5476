"""program.yml parsing and validation."""

import datetime as dt

import pytest

from analytics.config import ProgramConfig, load_config, parse_config
from analytics.exceptions import ConfigError
from tests.conftest import REPO

FULL = """
name: Loan platform continuous-delivery program
timezone: Asia/Shanghai
week_start: monday
production_environments: [Production, prod-eu]
phases:
  baseline: {start: 2020-10-01, end: 2020-12-31}
  program:  {start: 2021-01-01, end: 2021-08-31}
  after:    {start: 2021-09-01, end: 2021-12-31}
milestones:
  - {date: 2021-03-15, label: Automated test gate}
  - {date: 2021-01-18, label: Unified CI pipeline}
targets:
  delivery_throughput_per_day: 6
  production_releases: 18
  time_to_restore_hours: {severity: critical, max: 1}
  unit_test_pass_rate: 1.0
  test_coverage: 0.95
definitions: fourkeys
benchmark_year: 2023
severity_map: {P1: critical, SEV2: high}
"""


def test_missing_file_gives_defaults(tmp_path):
    cfg = load_config(tmp_path / "program.yml")
    assert cfg == ProgramConfig()
    assert (cfg.timezone, cfg.week_start, cfg.production_environments, cfg.phases) == (
        "UTC",
        "monday",
        ("production",),
        (),
    )


def test_full_file_is_read(tmp_path):
    path = tmp_path / "program.yml"
    path.write_text(FULL)
    cfg = load_config(path)
    assert cfg.timezone == "Asia/Shanghai"
    assert cfg.production_environments == ("production", "prod-eu")
    assert [p.name for p in cfg.phases] == ["baseline", "program", "after"]
    assert cfg.phase("program").end == dt.date(2021, 8, 31)
    assert [m.label for m in cfg.milestones] == [
        "Unified CI pipeline",
        "Automated test gate",
    ]  # sorted by date
    ttr = cfg.target("time_to_restore_hours")
    assert (ttr.threshold, ttr.op, ttr.severity) == (1.0, "<=", "critical")
    assert cfg.target("production_releases").op == ">="
    assert cfg.definitions == "fourkeys" and cfg.benchmark_year == 2023
    assert cfg.severity_map == {"p1": "critical", "sev2": "high"}


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"week_start": "friday"}, "week_start"),
        ({"definitions": "jira"}, "definitions"),
        ({"benchmark_year": 2020}, "benchmark_year"),
        ({"severity_map": {"P1": "urgent"}}, "severity_map"),
        ({"targets": {"happiness": 1}}, "targets.happiness"),
        ({"targets": {"production_releases": {"min": 1, "max": 2}}}, "targets.production_releases"),
        ({"phases": {"a": {"start": "2021-02-01", "end": "2021-01-01"}}}, "phases.a"),
        (
            {
                "phases": {
                    "a": {"start": "2021-01-01", "end": "2021-02-01"},
                    "b": {"start": "2021-01-15", "end": "2021-03-01"},
                }
            },
            "phases.b",
        ),
        ({"milestones": [{"date": "soon", "label": "x"}]}, "milestones[0].date"),
        ({"timezon": "UTC"}, "timezon"),
        ({"link_window_hours": 0}, "link_window_hours"),
    ],
)
def test_bad_values_name_the_key(raw, key):
    with pytest.raises(ConfigError) as err:
        parse_config(raw, source="data/program.yml")
    assert f"key '{key}'" in str(err.value)
    assert "data/program.yml" in str(err.value)


def test_invalid_yaml(tmp_path):
    path = tmp_path / "program.yml"
    path.write_text("phases: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_impossible_yaml_date_is_a_config_error(tmp_path):
    path = tmp_path / "program.yml"
    path.write_text("milestones:\n  - {date: 2021-13-01, label: x}\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_target_met():
    cfg = parse_config({"targets": {"production_releases": 18, "lead_time_hours": 24}})
    assert cfg.target("production_releases").met(18.0) is True
    assert cfg.target("production_releases").met(17.9) is False
    assert cfg.target("lead_time_hours").met(30.0) is False
    assert cfg.target("lead_time_hours").met(float("nan")) is None


# --- targets: what they apply to, and numbers in the metric's unit ----------------------------


@pytest.mark.parametrize(
    "targets, key, words",
    [
        ({"test_coverage": 95}, "targets.test_coverage", "95 looks like a percentage: write 0.95"),
        (
            {"unit_test_pass_rate": 100},
            "targets.unit_test_pass_rate",
            "100 looks like a percentage: write 1",
        ),
        (
            {"change_failure_rate": {"max": 15}},
            "targets.change_failure_rate.max",
            "15 looks like a percentage: write 0.15",
        ),
        ({"rework_rate": {"max": 12.5}}, "targets.rework_rate.max", "write 0.125"),
        ({"test_coverage": 150}, "targets.test_coverage", "150 is outside 0..1"),
        ({"test_coverage": -0.1}, "targets.test_coverage", "-0.1 is outside 0..1"),
        (
            {"test_coverage": "95%"},
            "targets.test_coverage",
            "write a share between 0 and 1, e.g. 0.95 for 95%",
        ),
        (
            {"time_to_restore_hours": {"severity": "critical", "max": -1}},
            "targets.time_to_restore_hours.max",
            "-1 is negative",
        ),
        ({"production_releases": -5}, "targets.production_releases", "-5 is negative"),
        ({"lead_time_hours": float("nan")}, "targets.lead_time_hours", "not a finite number"),
        ({"test_coverage": True}, "targets.test_coverage", "True is not a number"),
        (
            {"test_coverage": {"min": 0.95, "applies_to": "each service"}},
            "targets.test_coverage.applies_to",
            "must be one of overall, every_service, got 'each service'",
        ),
        (
            {"test_coverage": {"min": 0.95, "scope": "overall"}},
            "targets.test_coverage",
            "applies_to",
        ),
    ],
)
def test_bad_targets_are_rejected_on_one_line_naming_the_key(targets, key, words):
    with pytest.raises(ConfigError) as err:
        parse_config({"targets": targets}, source="data/program.yml")
    message = str(err.value)
    assert f"key '{key}'" in message and words in message and "\n" not in message


def test_coverage_targets_apply_to_every_service_unless_told_otherwise():
    cfg = parse_config(
        {
            "targets": {
                "test_coverage": 0.95,
                "unit_test_pass_rate": 1.0,
                "change_failure_rate": {"max": 0.15, "applies_to": "every_service"},
            }
        }
    )
    assert (
        cfg.target("test_coverage").applies_to == "every_service"
    )  # the claim: "for every service"
    assert cfg.target("unit_test_pass_rate").applies_to == "overall"
    assert cfg.target("change_failure_rate").applies_to == "every_service"
    overall = parse_config({"targets": {"test_coverage": {"min": 0.95, "applies_to": "Overall"}}})
    assert overall.target("test_coverage").applies_to == "overall"


@pytest.mark.parametrize(
    "targets",
    [
        {"test_coverage": 0},
        {"test_coverage": 1},
        {"unit_test_pass_rate": 1.0},
        {"change_failure_rate": {"max": 0}},
        {"lead_time_hours": 0},
        {"production_releases": 250},
    ],
)
def test_targets_at_the_edges_of_their_range_are_accepted(targets):
    ((metric, value),) = targets.items()
    threshold = value["max"] if isinstance(value, dict) else value
    assert parse_config({"targets": targets}).target(metric).threshold == threshold


def test_the_sample_program_is_valid_and_claims_coverage_for_every_service():
    cfg = load_config(REPO / "data" / "sample" / "program.yml")
    assert cfg.target("test_coverage").threshold == 0.95
    assert cfg.target("test_coverage").applies_to == "every_service"


def test_every_key_parser_fills_a_field_of_the_same_name():
    """The table of key parsers and ProgramConfig stay in step (a key added to one only fails)."""
    import dataclasses

    from analytics.config import KEY_PARSERS

    fields = {f.name for f in dataclasses.fields(ProgramConfig)} - {"source"}
    assert set(KEY_PARSERS) == fields


def test_first_error_follows_the_table_order_not_the_file_order():
    raw = {"link_window_hours": -1, "timezone": "Mars/Olympus"}
    with pytest.raises(ConfigError, match="key 'timezone'"):
        parse_config(raw)


def test_zero_length_incidents_option():
    assert ProgramConfig().zero_length_incidents == "keep"
    assert parse_config({"zero_length_incidents": "Exclude"}).zero_length_incidents == "exclude"
    with pytest.raises(ConfigError, match="'zero_length_incidents': must be one of keep, exclude"):
        parse_config({"zero_length_incidents": "drop"})


def test_a_target_may_carry_the_programs_claim_in_its_own_words():
    cfg = parse_config({"targets": {"test_coverage": {"min": 0.95, "claim": " 100% coverage "}}})
    (target,) = cfg.targets
    assert (target.threshold, target.op, target.claim) == (0.95, ">=", "100% coverage")
    assert target.applies_to == "every_service"  # the claim does not change how it is judged
    assert parse_config({"targets": {"test_coverage": 0.95}}).targets[0].claim is None
    with pytest.raises(ConfigError, match=r"targets\.test_coverage\.claim.*must be text"):
        parse_config({"targets": {"test_coverage": {"min": 0.95, "claim": [1]}}})
