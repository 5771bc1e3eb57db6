"""The dependency layer as a user meets it: packages under python/, built once per
requirements content, and a clear error naming the package and line pip could not install.

Most tests run offline against wheels and sdists written into the project (requirements.txt
points pip at them with `--no-index --find-links`); the `network` ones use real PyPI."""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.build.conftest import ProjectFactory, write_sdist, write_wheel
from tether import Project, TetherError, load_project
from tether.build import LayerArtifact, build_layer
from tether.build.layer import CACHE_DIR, read_requirements

OFFLINE = "--no-index\n--find-links wheels\n"
NO_PIP = ["/nonexistent/bin/pip"]  # any call to pip fails


def offline_project(make_project: ProjectFactory, requirements: str) -> Project:
    project = make_project({"requirements.txt": OFFLINE + requirements})
    write_wheel(project.root / "wheels", "tinywheel", "1.0")
    write_wheel(project.root / "wheels", "tinywheel", "2.0")
    write_wheel(project.root / "wheels", "needsdist", "2.0", requires=("tinypkg>=1.0",))
    write_sdist(project.root / "wheels", "tinypkg", "1.0")
    return project


def built(
    project: Project,
    pip: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> LayerArtifact:
    layer = build_layer(project, pip=pip, progress=progress)
    assert layer is not None
    return layer


def cache_entries(project: Project) -> list[str]:
    folder = project.root.joinpath(*CACHE_DIR)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    "requirements",
    [None, "", "\n\n", "# nothing yet\n   # indented comment\n", "--no-index\n# options only\n"],
)
def test_no_requirements_means_no_layer(
    make_project: ProjectFactory, requirements: str | None
) -> None:
    files = {} if requirements is None else {"requirements.txt": requirements}
    assert build_layer(make_project(files), pip=NO_PIP) is None


def test_the_example_app_has_no_layer(photos: Project) -> None:
    assert build_layer(photos, pip=NO_PIP) is None


def test_layer_holds_packages_under_python_and_is_cached(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "tinywheel==1.0\n")
    messages: list[str] = []
    first = built(project, progress=messages.append)
    assert not first.cached
    assert first.packages == ("tinywheel==1.0",)
    assert first.key == f"layers/{first.sha256}.zip"
    assert first.path.parent == project.root.joinpath(*CACHE_DIR)
    with zipfile.ZipFile(first.path) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
        assert archive.read("python/tinywheel.py") == b"VERSION = '1.0'\n"
        infos = archive.infolist()
    assert "python/tinywheel-1.0.dist-info/METADATA" in names
    assert all(n.startswith("python/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert any("installing 1 requirement with pip" in m for m in messages)

    second = built(project, pip=NO_PIP, progress=messages.append)  # pip would fail if it ran
    assert second.cached
    assert (second.path, second.sha256, second.size, second.packages) == (
        first.path,
        first.sha256,
        first.size,
        first.packages,
    )
    assert "using the cached layer" in messages[-1]


def test_comments_and_spacing_do_not_invalidate_the_cache(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "tinywheel==1.0\n")
    first = built(project)
    (project.root / "requirements.txt").write_text(
        "# pinned for Lambda\n" + OFFLINE + "\n   tinywheel==1.0    # the only one\n"
    )
    assert built(project, pip=NO_PIP).sha256 == first.sha256


def test_changed_requirements_build_a_new_layer(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "tinywheel==1.0\n")
    first = built(project)
    (project.root / "requirements.txt").write_text(OFFLINE + "tinywheel==2.0\n")
    with pytest.raises(TetherError, match="cannot run pip"):
        build_layer(project, pip=NO_PIP)  # a new key: the cache does not answer
    second = built(project)
    assert not second.cached
    assert second.packages == ("tinywheel==2.0",)
    assert second.path != first.path and second.sha256 != first.sha256
    assert len(cache_entries(project)) == 2


def test_a_change_in_an_included_requirements_file_is_a_change(
    make_project: ProjectFactory,
) -> None:
    project = offline_project(make_project, "-r base.txt\n")
    (project.root / "base.txt").write_text("tinywheel==1.0\n")
    assert built(project).packages == ("tinywheel==1.0",)
    assert built(project, pip=NO_PIP).cached
    (project.root / "base.txt").write_text("tinywheel==2.0\n")
    assert built(project).packages == ("tinywheel==2.0",)


def test_another_runtime_is_another_layer(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "tinywheel==1.0\n")
    built(project)
    yaml = project.root / "tether.yaml"
    yaml.write_text(yaml.read_text().replace("python3.12", "python3.13"))
    with pytest.raises(TetherError, match="cannot run pip"):
        build_layer(load_project(project.root), pip=NO_PIP)


def test_same_requirements_give_the_same_layer_bytes(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "tinywheel==1.0\n")
    first = built(project)
    first.path.unlink()
    second = built(project)
    assert not second.cached
    assert second.sha256 == first.sha256


def test_a_damaged_cache_entry_is_rebuilt(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "tinywheel==1.0\n")
    first = built(project)
    first.path.write_bytes(b"PK\x03\x04 truncated")
    again = built(project)
    assert not again.cached and again.sha256 == first.sha256


def test_sdist_only_requirement_names_the_package_and_line(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "tinywheel==1.0\ntinypkg==1.0\n")
    with pytest.raises(TetherError) as caught:
        build_layer(project)
    error = caught.value
    assert "tinypkg" in error.message
    assert "requirements.txt:4: tinypkg==1.0" in error.message
    assert "wheel" in error.hint
    assert "vendor" in error.hint
    assert "another version" in error.hint
    assert cache_entries(project) == []  # nothing half-written


def test_a_dependency_without_a_wheel_names_who_needs_it(make_project: ProjectFactory) -> None:
    project = offline_project(make_project, "needsdist==2.0\n")
    with pytest.raises(TetherError) as caught:
        build_layer(project)
    message = caught.value.message
    assert "no wheel of tinypkg" in message
    assert "needed by needsdist" in message
    assert "requirements.txt:3: needsdist==2.0" in message


def test_other_pip_failures_show_pips_last_lines(make_project: ProjectFactory) -> None:
    fake_pip = [
        sys.executable,
        "-c",
        "import sys; print('WARNING: noise', file=sys.stderr);"
        "print('ERROR: Cannot install x because these package versions have conflicting"
        " dependencies.', file=sys.stderr); sys.exit(2)",
    ]
    project = make_project({"requirements.txt": "x==1\n"})
    with pytest.raises(TetherError) as caught:
        build_layer(project, pip=fake_pip)
    assert "exit status 2" in caught.value.message
    assert "conflicting dependencies" in caught.value.message
    assert "WARNING: noise" not in caught.value.message
    assert "--only-binary=:all:" in caught.value.hint  # the command, to run by hand
    assert cache_entries(project) == []


def test_missing_pip_is_a_clear_error(make_project: ProjectFactory) -> None:
    project = make_project({"requirements.txt": "six==1.16.0\n"})
    with pytest.raises(TetherError, match=r"cannot run pip \(/nonexistent/bin/pip\)"):
        build_layer(project, pip=NO_PIP)


def test_a_missing_included_file_names_the_line(make_project: ProjectFactory) -> None:
    project = make_project({"requirements.txt": "six\n-r other.txt\n"})
    with pytest.raises(TetherError, match=r"requirements.txt:2: -r other.txt: other.txt does"):
        build_layer(project, pip=NO_PIP)


def test_requirements_are_read_like_pip_reads_them(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# top\nrequests>=2 \\\n    ; python_version > '3'  # why\n"
        "pkg @ https://example.com/p.zip#sha256=abc\n-c pins.txt\n"
    )
    (tmp_path / "pins.txt").write_text("urllib3<3\n")
    lines = read_requirements(tmp_path / "requirements.txt", tmp_path)
    assert [(line.file, line.number, line.text) for line in lines] == [
        ("requirements.txt", 2, "requests>=2 ; python_version > '3'"),
        ("requirements.txt", 4, "pkg @ https://example.com/p.zip#sha256=abc"),
        ("requirements.txt", 5, "-c pins.txt"),
        ("pins.txt", 1, "urllib3<3"),
    ]
    assert [line.is_requirement for line in lines] == [True, True, False, False]


@pytest.mark.network
def test_a_real_package_from_pypi(pypi: None, make_project: ProjectFactory) -> None:
    project = make_project({"requirements.txt": "six==1.16.0\n"})
    first = built(project)
    assert first.packages == ("six==1.16.0",)
    with zipfile.ZipFile(first.path) as archive:
        names = set(archive.namelist())
    assert "python/six.py" in names
    assert "python/six-1.16.0.dist-info/METADATA" in names
    second = built(project, pip=NO_PIP)
    assert second.cached and second.sha256 == first.sha256

    (project.root / "requirements.txt").write_text("six==1.15.0\n")
    third = built(project)
    assert third.packages == ("six==1.15.0",)
    assert third.path != first.path and third.sha256 != first.sha256
