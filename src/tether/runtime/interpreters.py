"""Which Python runs a function on the local cloud: the one of its declared runtime, when the
machine has it.

Lambda runs a function declared `python3.12` on Python 3.12; the local cloud does too when a
CPython 3.12 is installed here. `find("python3.12")` looks for one, in this order:

1. `TETHER_PYTHON_3_12` (the local cloud's environment, and the deploying process's): the
   interpreter to use, a path or a command on PATH; `none` says there is none (functions
   declared python3.12 then run on the local cloud's own Python, as when it is not installed);
2. the local cloud's own interpreter (`sys.executable`), when it is a 3.12;
3. `python3.12` on PATH; a pyenv shim there is not an interpreter (it picks one by pyenv's
   settings at each run): it stands for the versions of its pyenv, as in 4;
4. pyenv: `$PYENV_ROOT` (default ~/.pyenv) `versions/3.12.*/bin/python3.12`, newest patch first;
5. uv: `$UV_PYTHON_INSTALL_DIR` (default `$XDG_DATA_HOME/uv/python`, else
   ~/.local/share/uv/python) `cpython-3.12.*/bin/python3.12`, newest patch first.

A candidate counts once it has run: `python -I -c CHECK` must answer, within `CHECK_TIMEOUT`,
that it is CPython 3.12 with the GIL (a free-threaded build cannot import the wheels a layer
holds). Each executable is run once (again only if its file changes: its answer is kept by path,
inode and modification time, in the process and in `$XDG_CACHE_HOME/tether/interpreters.json`
for the next commands; an answer that it cannot be used is not kept), and what was
found is kept for the life of the process (per runtime and per value of the variables above)
while it is there. Finding nothing is not kept: the search without new candidates to run is a
few directory listings, and a Python installed after the note said it was missing (a
redeploy builds the layer for it) is found by the local cloud already running.

`resolve(runtime)` is what runs a function: the interpreter found, else the local cloud's own;
`fallback_notes(runtimes)` says, once per deploy, which declared runtimes run on another Python.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tether.atomic import write_atomically

CHECK_TIMEOUT = 5.0
CHECK = (
    "import json, sys, sysconfig; print(json.dumps([list(sys.version_info[:3]), "
    "sys.implementation.name, bool(sysconfig.get_config_var('Py_GIL_DISABLED'))]))"
)
OVERRIDE_PREFIX = "TETHER_PYTHON_"
HIDDEN = "none"
INSTALL_HINT = " (install it with pyenv or uv for a faithful run)"
# Where the search looks: a change of one of these is a new search.
SEARCH_VARIABLES = ("PATH", "PYENV_ROOT", "HOME", "UV_PYTHON_INSTALL_DIR", "XDG_DATA_HOME")

_RUNTIME = re.compile(r"python(3)\.(\d+)")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Interpreter:
    """A CPython that runs functions of one runtime."""

    path: str  # absolute; what the worker is started with
    version_info: tuple[int, int, int]
    source: str  # where it was found: the override's name, "local cloud", PATH, pyenv, uv

    @property
    def version(self) -> tuple[int, int]:
        return (self.version_info[0], self.version_info[1])

    @property
    def version_text(self) -> str:
        """`3.12`."""
        return f"{self.version_info[0]}.{self.version_info[1]}"

    @property
    def runtime(self) -> str:
        """`python3.12`."""
        return f"python{self.version_text}"

    @property
    def own(self) -> bool:
        """The local cloud's own interpreter (whose environment has Tether and boto3)."""
        return self.path == sys.executable


@dataclass(frozen=True)
class Lookup:
    """The outcome of a search: the interpreter, or why there is none."""

    interpreter: Interpreter | None
    reason: str = ""  # "python3.13 is not installed", ...
    hint: str = ""  # what to do about it, with its leading space and parentheses


_FOUND: dict[tuple[str, ...], Interpreter] = {}
_PROBED: dict[tuple[str, int, int], tuple[tuple[int, int, int], str] | str] = {}


def own() -> Interpreter:
    """The interpreter this process (the local cloud, the deploy) runs on."""
    major, minor, micro = sys.version_info[:3]
    return Interpreter(sys.executable, (major, minor, micro), "local cloud")


def override_name(runtime: str) -> str:
    """`python3.12` -> `TETHER_PYTHON_3_12`."""
    return OVERRIDE_PREFIX + runtime.removeprefix("python").replace(".", "_")


def find(runtime: str) -> Interpreter | None:
    """The CPython of `runtime` (`python3.X`) installed on this machine, if any."""
    return lookup(runtime).interpreter


def resolve(runtime: str) -> Interpreter:
    """What runs a function declared `runtime` here: its Python, else the local cloud's own."""
    return find(runtime) or own()


def lookup(runtime: str) -> Lookup:
    """`find`, with the reason when nothing is found (cached; see the module docstring)."""
    key = (runtime, sys.executable, *(os.environ.get(n, "") for n in _variables(runtime)))
    with _LOCK:
        known = _FOUND.get(key)
        if known is not None and _executable(Path(known.path)):
            return Lookup(known)
        found = _search(runtime)
        if found.interpreter is not None:
            _FOUND[key] = found.interpreter
        else:
            _FOUND.pop(key, None)
    return found


def clear_cache() -> None:
    """Forget what was found and run (for tests)."""
    with _LOCK:
        _FOUND.clear()
        _PROBED.clear()


def fallback_notes(runtimes: Iterable[str]) -> list[str]:
    """One line per declared runtime whose functions run locally on another Python."""
    notes = []
    running = own()
    for runtime in sorted(set(runtimes)):
        found = lookup(runtime)
        if found.interpreter is None:
            notes.append(
                f"functions declared {runtime} run locally on Python {running.version_text}: "
                f"{found.reason}{found.hint}"
            )
    return notes


def probe(path: str, timeout: float = CHECK_TIMEOUT) -> tuple[tuple[int, int, int], str] | str:
    """Run `path` once: ((major, minor, micro), implementation), or why it cannot be used."""
    try:
        done = subprocess.run(
            [path, "-I", "-c", CHECK],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"it did not answer within {timeout:g} s"
    except OSError as exc:
        return f"it cannot be run: {exc.strerror or exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"it exited with status {done.returncode}: {last}"
    try:
        numbers, implementation, free_threaded = json.loads(done.stdout.strip().splitlines()[-1])
        major, minor, micro = (int(n) for n in numbers)
    except (ValueError, TypeError, IndexError):
        return f"it answered {done.stdout.strip()[:80]!r}"
    if free_threaded:
        return "it is a free-threaded build (the wheels of a layer do not import on it)"
    return (major, minor, micro), str(implementation)


# ---------------------------------------------------------------------------------------------


def _variables(runtime: str) -> tuple[str, ...]:
    return (override_name(runtime), *SEARCH_VARIABLES)


def _search(runtime: str) -> Lookup:
    match = _RUNTIME.fullmatch(runtime)
    if match is None:
        return Lookup(None, f"{runtime} is not a Python 3 runtime")
    wanted = (int(match[1]), int(match[2]))
    name = override_name(runtime)
    override = os.environ.get(name, "").strip()
    if override.lower() == HIDDEN:
        return Lookup(None, f"{name} is set to {HIDDEN}")
    if override:
        path = override if os.sep in override else shutil.which(override) or override
        found = _verified(os.path.abspath(path), wanted, name)
        if isinstance(found, str):
            reason = f"{name}={override} is not a CPython {_text(wanted)}: {found}"
            return Lookup(None, reason, f" (fix or unset {name})")
        return Lookup(found)
    running = own()
    if running.version == wanted and sys.implementation.name == "cpython":
        return Lookup(running)
    seen: set[str] = set()
    for path, source in _candidates(wanted):
        if path in seen:
            continue
        seen.add(path)
        found = _verified(path, wanted, source)
        if isinstance(found, Interpreter):
            return Lookup(found)
    return Lookup(None, f"{runtime} is not installed", INSTALL_HINT)


def _verified(path: str, wanted: tuple[int, int], source: str) -> Interpreter | str:
    try:
        stat = os.stat(path)
    except OSError as exc:
        return f"it cannot be run: {exc.strerror or exc}"
    key = (path, stat.st_ino, stat.st_mtime_ns)
    answer = _PROBED.get(key) or _remembered(key)
    if answer is None:
        answer = _PROBED[key] = probe(path)
        _remember(key, answer)
    if isinstance(answer, str):
        return answer
    version, implementation = answer
    if implementation != "cpython":
        return f"it is {implementation}, not CPython"
    if version[:2] != wanted:
        return f"it is Python {_text(version)}"
    return Interpreter(path, version, source)


def probes_file() -> Path:
    """Where the answers of the interpreters that ran are kept between processes."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tether" / "interpreters.json"


def _remembered(key: tuple[str, int, int]) -> tuple[tuple[int, int, int], str] | None:
    """A usable interpreter's answer from an earlier process, for the same file (path, inode
    and modification time): each command would otherwise start it again (~50 ms)."""
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        version, implementation = json.loads(probes_file().read_text())[_key_text(key)]
        major, minor, micro = (int(n) for n in version)
        answer = (major, minor, micro), str(implementation)
        _PROBED[key] = answer
        return answer
    return None


def _remember(key: tuple[str, int, int], answer: tuple[tuple[int, int, int], str] | str) -> None:
    """Keep a usable interpreter's answer on disk; a failure is asked again next time (it may
    have been a busy machine's timeout)."""
    if isinstance(answer, str):
        return
    path = probes_file()
    with contextlib.suppress(OSError, ValueError):
        kept: dict[str, object] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(path.read_text())
            if isinstance(loaded, dict):
                kept = {k: v for k, v in loaded.items() if os.path.exists(k.split("\0")[0])}
        kept[_key_text(key)] = [list(answer[0]), answer[1]]
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(kept, indent=1).encode(), durable=False)


def _key_text(key: tuple[str, int, int]) -> str:
    return "\0".join(str(part) for part in key)


def _text(version: tuple[int, ...]) -> str:
    return ".".join(str(n) for n in version)


def _candidates(wanted: tuple[int, int]) -> Iterator[tuple[str, str]]:
    """(path, source) of every executable that may be CPython `wanted`, in search order."""
    command = f"python{_text(wanted)}"
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder:
            continue
        path = Path(folder).absolute() / command
        if not _executable(path):
            continue
        shim_of = _pyenv_root_of_shim(path)
        if shim_of is None:
            yield str(path), "PATH"
        else:  # a shim: the interpreters it may run, not the shim
            for real in _pyenv_versions(shim_of, wanted):
                yield real, "pyenv"
    for real in _pyenv_versions(_pyenv_root(), wanted):
        yield real, "pyenv"
    for root in _uv_roots():
        for real in _uv_versions(root, wanted):
            yield real, "uv"


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or _home() / ".pyenv")


_SHIM_ROOT = re.compile(rb'PYENV_ROOT="([^"]+)"')


def _pyenv_root_of_shim(path: Path) -> Path | None:
    """The pyenv root of a pyenv shim (a script that runs `pyenv exec`), None for anything else."""
    try:
        with path.open("rb") as file:
            head = file.read(1024)
    except OSError:
        return None
    if not head.startswith(b"#!") or b"pyenv" not in head:
        return None
    named = _SHIM_ROOT.search(head)
    if named:
        return Path(os.fsdecode(named[1]))
    if path.parent.name == "shims":
        return path.parent.parent
    return _pyenv_root()


def _newest_first(found: Iterable[tuple[int, str, str]]) -> list[str]:
    """(patch, suffix, path) -> the paths, final releases first, each kind newest first."""
    ordered = sorted(found, key=lambda item: (item[1] == "", item[0], item[1]))
    return [path for _, _, path in reversed(ordered)]


def _pyenv_versions(root: Path, wanted: tuple[int, int]) -> list[str]:
    """`<root>/versions/3.X.N/bin/python3.X`, newest first."""
    pattern = re.compile(rf"{wanted[0]}\.{wanted[1]}\.(\d+)(\S*)")
    return _versions_in(root / "versions", pattern, wanted)


def _uv_roots() -> list[Path]:
    roots = []
    if os.environ.get("UV_PYTHON_INSTALL_DIR"):
        roots.append(Path(os.environ["UV_PYTHON_INSTALL_DIR"]))
    data = os.environ.get("XDG_DATA_HOME") or str(_home() / ".local" / "share")
    roots.append(Path(data) / "uv" / "python")
    return roots


def _uv_versions(root: Path, wanted: tuple[int, int]) -> list[str]:
    """`<root>/cpython-3.X.N-<platform>/bin/python3.X`, newest first."""
    pattern = re.compile(rf"cpython-{wanted[0]}\.{wanted[1]}\.(\d+)([^-]*)-.*")
    return _versions_in(root, pattern, wanted)


def _versions_in(folder: Path, pattern: re.Pattern[str], wanted: tuple[int, int]) -> list[str]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        path = folder / name / "bin" / f"python{_text(wanted)}"
        if _executable(path):
            found.append((int(match[1]), match[2], str(path)))
    return _newest_first(found)
