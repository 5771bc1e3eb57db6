"""Finding the Python of a runtime (`interpreters`): fake PATH, pyenv and uv trees whose
"interpreters" are tiny scripts printing what CPython's check prints, so every rule is seen
on any machine. The runtime `python3.42` is one no machine has."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tether.runtime import interpreters
from tether.runtime.interpreters import Interpreter

RUNTIME = "python3.42"
OVERRIDE = "TETHER_PYTHON_3_42"
OWN_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def fake_python(
    path: Path,
    version: str = "3.42.0",
    *,
    implementation: str = "cpython",
    free_threaded: bool = False,
    runs: Path | None = None,
    body: str = "",
) -> Path:
    """An executable script answering the check as CPython `version` would."""
    numbers = ", ".join(version.split("."))
    answer = f'[[{numbers}], "{implementation}", {"true" if free_threaded else "false"}]'
    count = f'echo run >> "{runs}"\n' if runs else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{count}{body}echo '{answer}'\n")
    path.chmod(0o755)
    return path


@pytest.fixture(autouse=True)
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A machine with nothing installed: empty PATH and HOME, no pyenv or uv settings."""
    home = tmp_path / "home"
    (tmp_path / "bin").mkdir()
    home.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("HOME", str(home))
    for name in (
        "PYENV_ROOT",
        "UV_PYTHON_INSTALL_DIR",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        OVERRIDE,
    ):
        monkeypatch.delenv(name, raising=False)
    interpreters.clear_cache()
    yield tmp_path
    interpreters.clear_cache()


def pyenv_version(root: Path, name: str, version: str = "") -> Path:
    """`<root>/versions/<name>/bin/python3.X`, answering as `version` (default: `name`)."""
    minor = ".".join(name.split(".")[:2])
    return fake_python(root / "versions" / name / "bin" / f"python{minor}", version or name)


def uv_version(root: Path, name: str, version: str) -> Path:
    """`<root>/<name>/bin/python3.X` answering as `version`."""
    minor = ".".join(version.split(".")[:2])
    return fake_python(root / name / "bin" / f"python{minor}", version)


def test_nothing_installed_is_said_with_the_hint(machine: Path) -> None:
    assert interpreters.find(RUNTIME) is None
    found = interpreters.lookup(RUNTIME)
    assert found.reason == "python3.42 is not installed"
    own = interpreters.own().version_text
    assert interpreters.fallback_notes([RUNTIME, RUNTIME]) == [
        f"functions declared python3.42 run locally on Python {own}: python3.42 is not "
        "installed (install it with pyenv or uv for a faithful run)"
    ]
    assert interpreters.resolve(RUNTIME) == interpreters.own()


def test_the_local_clouds_own_python_counts_for_its_version(machine: Path) -> None:
    found = interpreters.find(OWN_RUNTIME)  # PATH is empty: nothing else could be it
    assert found is not None and found.own and found.path == sys.executable
    assert found.version == sys.version_info[:2] and found.runtime == OWN_RUNTIME
    assert interpreters.fallback_notes([OWN_RUNTIME]) == []


def test_on_path(machine: Path) -> None:
    python = fake_python(machine / "bin" / "python3.42", "3.42.7")
    found = interpreters.find(RUNTIME)
    assert found == Interpreter(str(python), (3, 42, 7), "PATH")
    assert found.version_text == "3.42" and not found.own


def test_pyenv_newest_patch_first_and_the_default_root(machine: Path) -> None:
    root = machine / "home" / ".pyenv"  # PYENV_ROOT unset: ~/.pyenv
    for version in ("3.42.2", "3.42.10", "3.42.9", "3.42.11rc1", "3.41.99", "3.420.1"):
        pyenv_version(root, version, version.replace("rc1", ""))
    found = interpreters.find(RUNTIME)
    assert found is not None and found.source == "pyenv"
    assert found.path == str(root / "versions" / "3.42.10" / "bin" / "python3.42")


def test_pyenv_root_from_the_environment(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = machine / "elsewhere"
    pyenv_version(root, "3.42.1")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    found = interpreters.find(RUNTIME)
    assert found is not None and found.version_info == (3, 42, 1)


def test_a_pyenv_shim_is_resolved_to_the_interpreters_of_its_pyenv(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = machine / "shimmed"
    runs = machine / "shim-runs"
    # The shim, if it were run, would answer for another Python (pyenv's global one).
    fake_python(
        root / "shims" / "python3.42",
        "3.11.0",
        runs=runs,
        body=f'export PYENV_ROOT="{root}"\n# exec "{root}/libexec/pyenv" exec "$program"\n',
    )
    real = pyenv_version(root, "3.42.3")
    monkeypatch.setenv("PATH", str(root / "shims"))
    monkeypatch.setenv("PYENV_ROOT", str(machine / "no-pyenv-here"))
    found = interpreters.find(RUNTIME)
    assert found is not None and found.path == str(real) and found.source == "pyenv"
    assert not runs.exists()  # the shim itself never ran


def test_uv_managed_pythons(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = machine / "home" / ".local" / "share" / "uv" / "python"
    uv_version(default, "cpython-3.42.1-linux-x86_64-gnu", "3.42.1")
    uv_version(default, "cpython-3.42.4-linux-x86_64-gnu", "3.42.4")
    uv_version(default, "pypy-3.42.9-linux-x86_64-gnu", "3.42.9")
    found = interpreters.find(RUNTIME)
    assert found is not None and found.source == "uv" and found.version_info == (3, 42, 4)

    chosen = machine / "uv-pythons"
    uv_version(chosen, "cpython-3.42.2-macos-aarch64-none", "3.42.2")
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(chosen))
    found = interpreters.find(RUNTIME)
    assert found is not None and found.path.startswith(str(chosen))


def test_search_order_path_then_pyenv_then_uv(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uv = uv_version(machine / "uv", "cpython-3.42.9-linux-x86_64-gnu", "3.42.9")
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(machine / "uv"))
    pyenv = pyenv_version(machine / "home" / ".pyenv", "3.42.5")
    on_path = fake_python(machine / "bin" / "python3.42", "3.42.1")
    # what was found is kept while it is there; gone, the search runs again
    for path, source in ((on_path, "PATH"), (pyenv, "pyenv"), (uv, "uv")):
        found = interpreters.find(RUNTIME)
        assert found is not None and (found.path, found.source) == (str(path), source)
        path.unlink()
    assert interpreters.find(RUNTIME) is None


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"version": "3.41.0"}, "it is Python 3.41.0"),
        ({"implementation": "pypy"}, "it is pypy, not CPython"),
        ({"free_threaded": True}, "free-threaded"),
        ({"body": "echo broken >&2; exit 3\n"}, "it exited with status 3: broken"),
        ({"body": "echo hello; exit 0\n"}, "it answered"),
    ],
)
def test_a_candidate_that_is_not_cpython_of_the_version_is_passed_over(
    machine: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, object], why: str
) -> None:
    bad = fake_python(machine / "bin" / "python3.42", **options)  # type: ignore[arg-type]
    good = pyenv_version(machine / "home" / ".pyenv", "3.42.0")
    found = interpreters.find(RUNTIME)
    assert found is not None and found.path == str(good)
    # the same candidate named by the override is refused, with the reason
    monkeypatch.setenv(OVERRIDE, str(bad))
    refused = interpreters.lookup(RUNTIME)
    assert refused.interpreter is None
    assert refused.reason.startswith(f"{OVERRIDE}={bad} is not a CPython 3.42: ")
    assert why in refused.reason and refused.hint == f" (fix or unset {OVERRIDE})"


def test_a_candidate_that_hangs_is_given_up(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreters, "CHECK_TIMEOUT", 0.3)
    fake_python(machine / "bin" / "python3.42", body="exec sleep 5\n")
    began = time.monotonic()
    assert interpreters.find(RUNTIME) is None
    assert time.monotonic() - began < 3


def test_the_override(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_python(machine / "bin" / "python3.42", "3.42.1")
    chosen = fake_python(machine / "chosen" / "py", "3.42.8")
    monkeypatch.setenv(OVERRIDE, str(chosen))
    found = interpreters.find(RUNTIME)
    assert found == Interpreter(str(chosen), (3, 42, 8), OVERRIDE)

    monkeypatch.setenv(OVERRIDE, "python3.42")  # a command: looked up on PATH
    assert interpreters.find(RUNTIME).path == str(machine / "bin" / "python3.42")  # type: ignore[union-attr]

    monkeypatch.setenv(OVERRIDE, "none")  # hides it, whatever is installed
    hidden = interpreters.lookup(RUNTIME)
    assert hidden.interpreter is None and hidden.reason == f"{OVERRIDE} is set to none"
    assert interpreters.fallback_notes([RUNTIME])[0].endswith(f": {OVERRIDE} is set to none")

    # the local cloud's own version can be hidden too (its functions then say so)
    own_override = interpreters.override_name(OWN_RUNTIME)
    monkeypatch.setenv(own_override, "none")
    assert interpreters.find(OWN_RUNTIME) is None


def test_each_python_runs_once_and_a_new_install_is_found(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert interpreters.find(RUNTIME) is None  # not cached: found once installed
    runs = machine / "runs"
    python = fake_python(machine / "bin" / "python3.42", "3.42.1", runs=runs)
    for _ in range(3):
        assert interpreters.find(RUNTIME) is not None
    assert runs.read_text().split() == ["run"]
    python.unlink()  # uninstalled: searched again
    assert interpreters.find(RUNTIME) is None
    # a candidate that failed is not run again until its file changes
    fake_python(python, "3.41.0", runs=runs)
    assert interpreters.find(RUNTIME) is None
    assert interpreters.find(RUNTIME) is None
    assert runs.read_text().split() == ["run", "run"]


def test_the_next_command_does_not_run_the_same_python_again(machine: Path) -> None:
    """What a Python answered is kept on disk for the next process (here: the process's
    memory cleared), until its file changes; a Python that could not be used is asked again."""
    runs = machine / "runs"
    python = fake_python(machine / "bin" / "python3.42", "3.42.1", runs=runs)
    assert interpreters.find(RUNTIME) is not None
    interpreters.clear_cache()
    found = interpreters.find(RUNTIME)
    assert found is not None and found.version_info == (3, 42, 1)
    assert runs.read_text().split() == ["run"]
    assert interpreters.probes_file().is_file()

    fake_python(python, "3.41.0", runs=runs)  # replaced: a new file, asked again (once)
    for _ in range(2):
        interpreters.clear_cache()
        assert interpreters.find(RUNTIME) is None
    assert runs.read_text().split() == ["run", "run"]

    fake_python(python, runs=runs, body="exit 3\n")  # broken: asked again by each process
    for _ in range(2):
        interpreters.clear_cache()
        assert interpreters.find(RUNTIME) is None
    assert runs.read_text().split() == ["run"] * 4


def test_what_is_not_a_python_3_runtime(machine: Path) -> None:
    assert interpreters.find("nodejs20.x") is None
    assert interpreters.find("python2.7") is None
    assert interpreters.lookup("python2.7").reason == "python2.7 is not a Python 3 runtime"
