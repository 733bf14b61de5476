"""find_data_dir: a relative data folder found from the current folder or any folder above it."""

import pytest

from analytics import DataValidationError
from analytics.paths import find_data_dir


@pytest.fixture
def repo(tmp_path):
    """A repository-like tree: data/sample and notebooks/reports."""
    (tmp_path / "data" / "sample").mkdir(parents=True)
    (tmp_path / "notebooks" / "reports").mkdir(parents=True)
    return tmp_path


def test_a_path_that_exists_is_returned_as_given(repo, monkeypatch):
    monkeypatch.chdir(repo)
    assert str(find_data_dir("data/sample")) == "data/sample"
    assert find_data_dir(repo / "data" / "sample") == repo / "data" / "sample"


def test_from_a_notebook_folder_the_repository_data_is_found(repo, monkeypatch):
    monkeypatch.chdir(repo / "notebooks" / "reports")
    found = find_data_dir("data/sample")
    assert found.is_absolute() and found == (repo / "data" / "sample").resolve()


def test_the_nearest_folder_wins(repo, monkeypatch):
    (repo / "notebooks" / "data" / "sample").mkdir(parents=True)
    monkeypatch.chdir(repo / "notebooks" / "reports")
    assert find_data_dir("data/sample") == (repo / "notebooks" / "data" / "sample").resolve()


def test_a_file_is_not_taken_for_a_folder_above(repo, monkeypatch):
    (repo / "notebooks" / "other").write_text("not a folder", encoding="utf-8")
    monkeypatch.chdir(repo / "notebooks" / "reports")
    with pytest.raises(DataValidationError, match="no such folder"):
        find_data_dir("other")


def test_start_replaces_the_current_folder(repo, monkeypatch):
    monkeypatch.chdir(repo / "data")
    assert find_data_dir("data/sample", start=repo) == repo / "data" / "sample"
    assert (
        find_data_dir("data/sample", start=repo / "notebooks" / "reports")
        == (repo / "data" / "sample").resolve()
    )


def test_not_found_names_the_path_and_where_it_looked(repo, monkeypatch):
    monkeypatch.chdir(repo / "notebooks" / "reports")
    with pytest.raises(DataValidationError) as err:
        find_data_dir("data/nope")
    message = str(err.value)
    assert message.startswith("data/nope: no such folder in ")
    assert str((repo / "notebooks" / "reports").resolve()) in message and "\n" not in message
    assert err.value.file == "data/nope"


def test_an_absolute_path_is_not_searched_for(repo, monkeypatch):
    monkeypatch.chdir(repo / "notebooks" / "reports")
    missing = repo / "notebooks" / "reports" / "data" / "sample"  # exists only at the root
    with pytest.raises(DataValidationError, match="no such folder"):
        find_data_dir(missing)


@pytest.mark.slow
@pytest.mark.parametrize("folder", [".", "notebooks/explore"], ids=["repo-root", "notebook-folder"])
def test_explore_notebook_runs_from_the_repo_root_and_from_its_folder(folder, tmp_path):
    """The default data_dir works from both places; an injected one replaces it."""
    import json

    import papermill

    from tests.conftest import REPO

    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(REPO / "notebooks" / "explore" / "explore.ipynb"),
        str(out),
        parameters={"metric": "lead_time_hours", "services": ["payment-gateway"]},
        cwd=str(REPO / folder),
        kernel_name="python3",
        progress_bar=False,
    )
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    outputs = [o for c in cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error" or o.get("name") == "stderr"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    by_service = "".join(outputs[-1]["data"]["text/plain"])  # the injected services were kept
    assert "payment-gateway" in by_service and "api-gateway" not in by_service
