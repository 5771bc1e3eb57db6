"""`build_project` and what `tether build [--verbose]` prints from it."""

from __future__ import annotations

import ast

from tests.build.conftest import ProjectFactory, write_wheel
from tests.helpers import REPO
from tether import Project
from tether.build import BuildResult, build_project, format_build


def test_build_without_requirements_gives_code_only(make_project: ProjectFactory) -> None:
    project = make_project({"app/util.py": "X = 1\n", ".env": "TOKEN=1\n"})
    messages: list[str] = []
    result = build_project(project, progress=messages.append)
    assert result.layer is None
    assert result.code.files == ("app/api.py", "app/util.py")
    assert messages and messages[0].startswith("code: 2 files")

    text = format_build(result, verbose=False)
    lines = text.splitlines()
    assert lines[0].startswith("code   2 files, ")
    assert f"sha256 {result.code.sha256[:12]}" in lines[0]
    assert result.code.sha256 not in text  # short hashes only
    assert lines[0].endswith(f".tether/build/{result.code.path.name}")
    assert lines[1] == "layer  none: no requirements in requirements.txt"
    assert lines[2].startswith("total  ") and lines[2].endswith(" unzipped, of Lambda's 250.0 MiB")
    # loading the project made .tether/ (the analysis cache), which never ships either
    assert lines[3] == (
        "excluded 3 paths (2 by Tether's rules, 1 credentials); tether build --verbose lists them"
    )
    assert ".env" not in text


def test_verbose_lists_every_exclusion_with_its_reason(make_project: ProjectFactory) -> None:
    project = make_project({".env": "TOKEN=1\n", "tests/test_api.py": "", "id_rsa": "k"})
    result = build_project(project)
    text = format_build(result, verbose=True)
    assert "excluded from the code zip: 5 paths" in text  # with .tether/ (analysis cache)
    for path, reason in result.code.excluded:
        assert any(
            line.split() and line.split()[0] == path and reason in line
            for line in text.splitlines()
        )
    width = len("tether.yaml")  # the longest excluded path sets the column
    assert f"\n  {'.env':<{width}}  credentials (.env)\n" in text


def with_layer(make_project: ProjectFactory) -> Project:
    project = make_project({"requirements.txt": "--no-index\n--find-links wheels\ntinywheel\n"})
    write_wheel(project.root / "wheels", "tinywheel", "1.0")
    return project


def test_build_with_requirements_reports_the_layer(make_project: ProjectFactory) -> None:
    project = with_layer(make_project)
    messages: list[str] = []
    first = build_project(project, progress=messages.append)
    assert first.layer is not None and not first.layer.cached
    assert any(m.startswith("layer: installing 1 requirement") for m in messages)
    line = format_build(first, verbose=False).splitlines()[1]
    assert line.startswith("layer  1 package (tinywheel==1.0), ")
    assert f"sha256 {first.layer.sha256[:12]}" in line
    assert ".tether/cache/layers/" in line and "cached" not in line

    second = build_project(project)
    assert second.layer is not None and second.layer.cached
    assert second.code.sha256 == first.code.sha256
    assert ", cached  " in format_build(second, verbose=False)


def test_long_package_lists_are_shortened_unless_verbose(make_project: ProjectFactory) -> None:
    result = build_project(with_layer(make_project))
    assert result.layer is not None
    many = tuple(f"pkg{i}==1.0" for i in range(8))
    wide = BuildResult(
        result.root,
        result.code,
        type(result.layer)(
            result.layer.path, result.layer.sha256, result.layer.size, many, cached=True
        ),
    )
    assert "8 packages (pkg0==1.0, pkg1==1.0, pkg2==1.0, pkg3==1.0, pkg4==1.0, +3 more)" in (
        format_build(wide, verbose=False)
    )
    assert "pkg7==1.0" in format_build(wide, verbose=True)


def test_build_package_api_and_layering() -> None:
    import tether.build as build

    assert set(build.__all__) == {
        "BuildResult",
        "CodeArtifact",
        "LayerArtifact",
        "build_code",
        "build_layer",
        "build_project",
        "format_build",
    }
    assert build.__doc__ and "content-addressed" in build.__doc__
    used: set[str] = set()
    for path in (REPO / "src" / "tether" / "build").glob("*.py"):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tether."):
                if node.module == "tether.runtime":
                    # A local build asks which Python runs the code there (that module only).
                    assert [alias.name for alias in node.names] == ["interpreters"], path.name
                    continue
                used.add((node.module or "").split(".")[1])
    # data flows model -> build, never back; errors and words are leaves
    assert used <= {"build", "model", "errors", "words"}
