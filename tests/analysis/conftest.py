"""Analysis tests: report the corpus's precision and recall at the end of the run.

The numbers are computed in the process that prints the summary (with xdist, the controller),
so they appear with or without -s and on any number of workers.
"""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    if not any(getattr(r, "nodeid", "").startswith("tests/analysis/") for r in reports):
        return
    from tests.analysis.corpus import metrics

    terminalreporter.write_sep("-", "analysis corpus")
    terminalreporter.write_line(metrics().describe())
