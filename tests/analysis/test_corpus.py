"""The analysis corpus (tests/analysis/corpus): every case exact, precision 1, recall >= 0.95."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis.corpus import cases, metrics, run


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.name)
def test_case(path: Path) -> None:
    outcome = run(path)
    assert not outcome.mismatches, f"{path.name}:\n  " + "\n  ".join(outcome.mismatches)


def test_corpus_is_large_enough() -> None:
    assert len(cases()) >= 60


def test_precision_is_perfect_and_recall_high() -> None:
    result = metrics()
    print(result.describe())
    assert result.precision == 1.0, result.describe()
    assert result.recall >= 0.95, result.describe()
