"""What Lambda would refuse after the upload, the build refuses first: code and layer over
250 MB unzipped, named with the limit, the total, the biggest contributors and a hint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.build.conftest import ProjectFactory, write_wheel
from tests.helpers import HANDLER, tether
from tether import TetherError
from tether.build import build_code, build_project, format_build, limits
from tether.build.limits import UNZIPPED_LIMIT, Part, check_unzipped


def sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk space (and no time) to create."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)


def test_the_limit_is_lambdas() -> None:
    assert UNZIPPED_LIMIT == 250 * 1024 * 1024 == 262_144_000


def test_code_over_the_limit_is_refused_before_it_is_zipped(
    make_project: ProjectFactory,
) -> None:
    project = make_project({"app/small.py": "X = 1\n"})
    sparse(project.root / "data" / "model.bin", 200 * 1024 * 1024)
    sparse(project.root / "data" / "extra.bin", 60 * 1024 * 1024)
    result = tether("build", "-p", str(project.root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error = result.stderr
    total = 260 * 1024 * 1024 + len(HANDLER) + len("X = 1\n")
    assert f"error: the function code is 260.0 MiB unzipped ({total:,} bytes: code 260.0 MiB)" in (
        error
    )
    assert "AWS Lambda's limit of 250.0 MiB (262,144,000 bytes)" in error
    lines = error.splitlines()
    biggest = lines.index(next(line for line in lines if "The biggest contributors" in line))
    assert lines[biggest + 1].split() == ["260.0", "MiB", "code", "data/"]
    assert ["200.0", "MiB", "code", "data/model.bin"] in [line.split() for line in lines]
    assert "hint:" in error and ".tetherignore" in error and "requirements.txt" in error
    assert not (project.root / ".tether" / "build").exists()  # nothing was compressed


def test_excluding_the_data_with_tetherignore_fixes_it(make_project: ProjectFactory) -> None:
    project = make_project({".tetherignore": "data/\n"})
    sparse(project.root / "data" / "model.bin", UNZIPPED_LIMIT + 1)
    artifact = build_code(project)
    assert "data/" in dict(artifact.excluded)


def test_code_and_layer_count_together(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A layer of real 250 MB would take minutes to install: the limit is lowered instead."""
    project = make_project({"requirements.txt": "--no-index\n--find-links wheels\ntinywheel\n"})
    write_wheel(project.root / "wheels", "tinywheel", "1.0")
    result = build_project(project)
    assert result.layer is not None and result.layer.unzipped_size > 0
    total = result.code.unzipped_size + result.layer.unzipped_size

    monkeypatch.setattr(limits, "UNZIPPED_LIMIT", total)
    build_project(project)  # exactly at the limit is allowed
    text = format_build(build_project(project), verbose=False)
    assert f"total  {limits.size_text(total)} unzipped, of Lambda's " in text

    monkeypatch.setattr(limits, "UNZIPPED_LIMIT", total - 1)
    assert result.code.unzipped_size <= total - 1  # the code alone fits: the layer tips it
    with pytest.raises(TetherError) as caught:
        build_project(project)
    message = caught.value.message
    assert f"({total:,} bytes: code {limits.size_text(result.code.unzipped_size)} + layer " in (
        message
    )
    assert "layer  python/tinywheel-1.0.dist-info/" in message
    assert "code   app/" in message


def test_contributors_and_hint_follow_the_biggest_part() -> None:
    code = Part("code", [("app/api.py", 10), ("vendor/numpy/core.so", 300)])
    layer = Part("layer", [(f"python/torch/lib{i}.so", 100) for i in range(9)])
    with pytest.raises(TetherError) as caught:
        check_unzipped(code, layer, limit=1000)
    lines = caught.value.message.splitlines()
    assert [line.split()[-2:] for line in lines[1:4]] == [
        ["layer", "python/torch/"],
        ["code", "vendor/"],
        ["code", "app/"],
    ]
    assert "the biggest files in them" in caught.value.message
    assert "the dependency layer alone is 900 B" in caught.value.hint
    assert "requirements.txt" in caught.value.hint


def test_the_build_output_shows_unzipped_sizes(make_project: ProjectFactory) -> None:
    project = make_project({"app/data.txt": "x" * 5000})
    text = format_build(build_project(project), verbose=False)
    code_line, _layer, total_line, *_ = text.splitlines()
    size = sum(os.path.getsize(project.root / f) for f in ("app/api.py", "app/data.txt"))
    assert f"({limits.size_text(size)} unzipped)" in code_line
    assert total_line == f"total  {limits.size_text(size)} unzipped, of Lambda's 250.0 MiB"
