"""data/sample is exactly what analytics.synthetic.sample generates (regenerate with
`make sample`)."""

from analytics import load
from analytics.synthetic.sample import write_sample
from tests.conftest import SAMPLE_DIR


def test_committed_sample_equals_generator_output(tmp_path):
    written = write_sample(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        p.name for p in SAMPLE_DIR.iterdir() if p.is_file() and p.name != "README.md"
    )
    for path in written:
        committed = (SAMPLE_DIR / path.name).read_bytes()
        assert committed == path.read_bytes(), (
            f"data/sample/{path.name} differs from the generator: run `make sample`"
        )


def test_committed_sample_loads_with_its_logged_repairs():
    ds = load(SAMPLE_DIR)
    assert ds.config.timezone == "Asia/Shanghai"
    q = ds.quality.set_index(["table", "rule"])
    assert q.loc[("deployments", "exact duplicate rows removed"), "rows"] == 1
    assert ds.rows_read["deployments"] - len(ds.deployments) == 1
    foreign = ds.quality[ds.quality["rule"].str.contains("UTC offset other than")]
    assert set(foreign["table"]) == {"deployments", "changes", "incidents", "test_runs"}
    first, last = ds.date_range()
    assert str(first.date()) >= "2020-10-01" and str(last.date()) == "2021-12-31"
