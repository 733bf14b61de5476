"""Importing the package changes no global state; report tables still show whole texts."""

import subprocess
import sys

import pandas as pd

from analytics.views.display import show_whole_texts, whole_text_html

_CHECK = """
import matplotlib as mpl, pandas as pd
before = (pd.get_option("display.max_colwidth"), dict(mpl.rcParams))
import analytics, analytics.views, analytics.plots, analytics.report, analytics.commands
after = (pd.get_option("display.max_colwidth"), dict(mpl.rcParams))
print(before[0] == after[0] == 50, before[1] == after[1])
"""


def test_importing_every_layer_leaves_pandas_and_matplotlib_options_alone():
    out = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_tables_in_a_kernel_show_whole_texts_without_changing_the_option():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        show_whole_texts()
        frame = pd.DataFrame({"title": ["t" * 120]})
        data, _ = shell.display_formatter.format(frame)
        assert "t" * 120 in data["text/html"]
        assert "t" * 120 not in frame._repr_html_()  # pandas alone cuts at 50 characters
        assert whole_text_html(frame) == data["text/html"]
    finally:
        InteractiveShell.clear_instance()
