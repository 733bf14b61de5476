"""Fuzzing (issue #15): random bytes, random CSV cells, random program.yml and random command
lines. Whatever comes in, the only exceptions are the package's own (``AnalyticsError``) and
argparse's usage exit (``SystemExit`` 2); the CLI itself answers with exit code 0, 1 or 2.
"""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics.cli import main
from analytics.config import KNOWN_KEYS, load_config
from analytics.data.load import load
from analytics.data.schema import TABLES
from analytics.exceptions import AnalyticsError
from tests.conftest import FIXTURES, MINIMAL_DEPLOYMENTS

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TINY = FIXTURES / "tiny"

#: cells a careless export or an attacker writes
NASTY_CELLS = [
    "",
    " ",
    "0x10",
    "1_000",
    "1e400",
    "-1",
    "nan",
    "inf",
    "9007199254740993",
    "2262-04-11T23:47:16Z",
    "1600-01-01",
    "9999-12-31T23:59:59+14:00",
    "2021-02-30T10:00:00",
    "2021-03-01T10:00:00+99:99",
    "2021-03-01T10:00:00Z",
    "2021-03-28T02:30:00",
    "=cmd|'/c calc'!A1",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "\u202egnp.exe",
    "\x1b[31m",
    "\x00",
    '"',
    "a\nb",
    "production",
    "success",
    "P1",
]
cells = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=12))


@contextlib.contextmanager
def folder_with(files: dict[str, bytes]):
    """A fresh temporary data folder holding ``files`` (hypothesis calls this many times)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        yield folder


def only_package_errors(folder: Path) -> None:
    try:
        ds = load(folder)
    except AnalyticsError:
        return
    ds.summary()  # a folder that loads can be described


@SETTINGS
@given(
    name=st.sampled_from(
        ["deployments.csv", "incidents.csv", "test_runs.csv", "deployments.parquet"]
    ),
    data=st.binary(max_size=600),
)
@example(name="deployments.csv", data=b"\xef\xbb\xbf")
@example(name="deployments.parquet", data=b"PAR1\x00\x00PAR1")
@example(name="incidents.csv", data=b"incident_id\r\r\r\n\x00")
def test_random_bytes_in_a_table_file(name, data):
    files = {name: data}
    if name != "deployments.csv" and not name.startswith("deployments"):
        files["deployments.csv"] = MINIMAL_DEPLOYMENTS.encode()
    with folder_with(files) as folder:
        only_package_errors(folder)


@st.composite
def random_tables(draw):
    """A table's full header (shuffled, sometimes re-cased) and rows of random cells."""
    table = draw(st.sampled_from(sorted(TABLES)))
    names = list(TABLES[table].names)
    names = draw(st.permutations(names))
    if draw(st.booleans()):
        names = [n.upper() if draw(st.booleans()) else n for n in names]
    rows = draw(st.lists(st.lists(cells, min_size=len(names), max_size=len(names)), max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows(rows)
    return table, buffer.getvalue().encode("utf-8", "surrogatepass")


@SETTINGS
@given(table=random_tables())
def test_random_cells_in_every_table(table):
    name, data = table
    files = {f"{name}.csv": data}
    if name != "deployments":
        files["deployments.csv"] = MINIMAL_DEPLOYMENTS.encode()
    with folder_with(files) as folder:
        only_package_errors(folder)


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.dates(),
    st.sampled_from(NASTY_CELLS),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(sorted(KNOWN_KEYS)), st.text(max_size=8)), inner, max_size=3
        ),
    ),
    max_leaves=12,
)


@SETTINGS
@given(doc=st.dictionaries(st.sampled_from(sorted(KNOWN_KEYS)), yaml_values, max_size=5))
@example(doc={"timezone": "Asia/" + "x" * 300})  # a zone name too long for a file name
def test_random_program_yml(doc):
    text = yaml.safe_dump(doc, allow_unicode=True)
    with folder_with({"program.yml": text.encode("utf-8", "surrogatepass")}) as folder:
        try:
            load_config(folder / "program.yml")
        except AnalyticsError:
            pass


@SETTINGS
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
@example(data=b"a: &x 1\nb: *x\n")
@example(data=b"!!python/object/apply:os.system ['echo owned']\n")
@example(data=b"[" * 3000)
def test_random_bytes_as_program_yml(data):
    with folder_with({"program.yml": data}) as folder:
        try:
            load_config(folder / "program.yml")
        except AnalyticsError:
            pass


# -- the command line -------------------------------------------------------------------------

COMMANDS = ["validate", "metrics", "summary", "impact", "render", "import", "sample"]
OPTIONS = [
    "--month",
    "--latest",
    "--all-months",
    "--freq",
    "--by",
    "--preset",
    "--service",
    "--services",
    "--format",
    "--program",
    "--data",
    "--out",
    "--jobs",
    "--timeout",
    "--param",
    "--notebooks",
    "--tool",
    "--help",
    "--version",
]
VALUES = [
    "2021-03",
    "2021-13",
    "0000-00",
    "9999-12",
    "latest",
    "month",
    "week",
    "service",
    "csv",
    "json",
    "table",
    "fourkeys",
    "api",
    "nosuch",
    "0",
    "-1",
    "nan",
    "inf",
    "1e300",
    "x=1",
    "=1",
    "",
    "\u202e",
    str(TINY),
    str(TINY / "deployments.csv"),
    str(TINY / "program.yml"),
    "no/such/folder",
]
#: a shell cannot pass a NUL byte in an argument
# Arguments as an OS delivers them in a UTF-8 locale (no lone surrogates, no NUL)
argv_text = st.text(st.characters(codec="utf-8", blacklist_characters="\x00"), max_size=8)
argv_items = st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES), argv_text)


@pytest.fixture
def no_notebook_runs(monkeypatch, tmp_path):
    """The CLI may plan a render but runs no kernel, and writes only under ``tmp_path``."""
    import analytics.report.render as render_module

    monkeypatch.setattr(render_module, "execute", lambda plan, **kw: [])
    monkeypatch.chdir(tmp_path)


@SETTINGS
@given(command=st.sampled_from(COMMANDS), rest=st.lists(argv_items, max_size=6))
@example(command="metrics", rest=[str(TINY), "--freq", "week", "--format", "csv"])
@example(command="summary", rest=[str(TINY), "--month", "2021-13"])
@example(command="render", rest=["--data", str(TINY), "--month", "2021-03", "--jobs", "0"])
@example(command="sample", rest=["--out", "\u202e"])
def test_random_command_lines(no_notebook_runs, capsys, command, rest):
    try:
        code = main([command, *rest])
    except SystemExit as exc:  # argparse: --help/--version exit 0, a usage error exits 2
        assert exc.code in (0, 2)
        return
    finally:
        capsys.readouterr()
    assert code in (0, 1, 2)


# -- the adapters (devops-analytics import) ----------------------------------------------------

ADAPTER_FILES = {
    "github": "deployments.json",
    "gitlab": "deployments.json",
    "jenkins": "builds.json",
    "pagerduty": "incidents.csv",
    "jira": "issues.csv",
    "statuspage": "incidents.json",
    "junit": "TEST-report.xml",
    "coverage": "coverage.xml",
}
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lollollollollollollollollollol">'
    + b"".join(
        f'<!ENTITY {b} "{("&" + a + ";") * 10}">'.encode()
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + b"]><testsuite>&i;</testsuite>"
)


@SETTINGS
@given(tool=st.sampled_from(sorted(ADAPTER_FILES)), data=st.binary(max_size=400))
@example(tool="github", data=b"[" * 100_000)
@example(tool="statuspage", data=b'{"incidents": ' + b"[" * 100_000)
@example(tool="junit", data=LAUGHS)
@example(
    tool="coverage",
    data=b'<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><coverage>&x;</coverage>',
)
@example(tool="jira", data=b"\r\x00")  # csv.Error escaped the adapters' CSV reader
def test_random_bytes_in_an_export(tool, data):
    from analytics.sources import SourceOptions, read

    with folder_with({ADAPTER_FILES[tool]: data}) as folder:
        try:
            read(tool, [folder / ADAPTER_FILES[tool]], SourceOptions(service="api"))
        except AnalyticsError:
            pass
