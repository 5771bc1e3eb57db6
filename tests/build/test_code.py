"""The code zip as a user meets it: same sources give the same bytes, nothing secret or
unneeded ships, the zip is valid with normalised metadata, and a link out of the project stops
the build with a clear error."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.build.conftest import PROJECT_YAML, ProjectFactory
from tests.helpers import EXAMPLE, HANDLER, examples, write_project
from tether import TetherError, load_project
from tether.build import build_code
from tether.build.code import CodeArtifact

SOURCES = {
    "app/api.py": HANDLER,
    "app/lib/__init__.py": "",
    "app/lib/util.py": "def double(x):\n    return 2 * x\n",
    "app/data/table.csv": "a,b\n1,2\n",
    "bin/run.sh": "#!/bin/sh\necho hi\n",
    "README.md": "# demo\n",
}


def build_tree(root: Path, files: dict[str, str], order: list[str], mtime: float) -> CodeArtifact:
    root.mkdir(parents=True)
    (root / "tether.yaml").write_text(PROJECT_YAML.lstrip())
    for rel in order:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[rel])
        os.utime(path, (mtime, mtime))
    if "bin/run.sh" in files:
        (root / "bin/run.sh").chmod(0o700)
    return build_code(load_project(root))


def test_same_sources_give_identical_bytes_whatever_the_mtimes_order_and_umask(
    tmp_path: Path,
) -> None:
    first = build_tree(tmp_path / "one", SOURCES, sorted(SOURCES), mtime=1_000_000_000)
    old = os.umask(0o077)  # the second checkout gets other permission bits
    try:
        second = build_tree(
            tmp_path / "two", SOURCES, sorted(SOURCES, reverse=True), mtime=1_700_000_000
        )
    finally:
        os.umask(old)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256
    assert first.files == second.files
    assert first.key == second.key == f"code/{first.sha256}.zip"


def test_same_bytes_in_processes_with_different_hash_seeds(make_project: ProjectFactory) -> None:
    project = make_project(SOURCES)
    code = (
        "import sys; from tether import load_project; from tether.build import build_code;"
        "print(build_code(load_project(sys.argv[1])).sha256)"
    )
    digests = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code, str(project.root)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(done.stdout.strip())
    assert digests == {build_code(project).sha256}


def test_changing_one_file_changes_the_hash_and_the_key(make_project: ProjectFactory) -> None:
    project = make_project(SOURCES)
    before = build_code(project)
    (project.root / "app/lib/util.py").write_text("def double(x):\n    return x + x\n")
    after = build_code(project)
    assert after.sha256 != before.sha256
    assert after.key != before.key
    assert after.path != before.path and after.path.is_file()
    assert before.path.name == f"code-{before.sha256[:12]}.zip"


def test_only_an_mtime_change_keeps_the_hash(make_project: ProjectFactory) -> None:
    project = make_project(SOURCES)
    before = build_code(project)
    os.utime(project.root / "app/api.py", (2_000_000_000, 2_000_000_000))
    assert build_code(project).sha256 == before.sha256


EXCLUDED = {
    ".tether/state.json": ".tether/",
    ".git/HEAD": ".git/",
    ".hg/store": ".hg/",
    ".gitignore": ".gitignore",
    "app/__pycache__/api.cpython-312.pyc": "app/__pycache__/",
    "app/stale.pyc": "app/stale.pyc",
    ".venv/lib/site.py": ".venv/",
    "venv/lib/site.py": "venv/",
    "node_modules/x/index.js": "node_modules/",
    "tests/test_api.py": "tests/",
    "app/test_helpers.py": "app/test_helpers.py",
    "app/api_test.py": "app/api_test.py",
    "conftest.py": "conftest.py",
    "events/upload.json": "events/",
    ".env": ".env",
    ".env.production": ".env.production",
    "certs/server.pem": "certs/server.pem",
    "certs/server.KEY": "certs/server.KEY",
    "certs/client.p12": "certs/client.p12",
    "id_rsa": "id_rsa",
    "id_rsa.pub": "id_rsa.pub",
    ".aws/config": ".aws/",
    "credentials": "credentials",
    ".npmrc": ".npmrc",
    ".pypirc": ".pypirc",
    ".netrc": ".netrc",
    "requirements.txt": "requirements.txt",
    "requirements-dev.txt": "requirements-dev.txt",
    ".pytest_cache/v/x": ".pytest_cache/",
}


PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg==\n-----END PRIVATE KEY-----\n"


def test_secrets_tests_caches_and_project_files_stay_out(make_project: ProjectFactory) -> None:
    contents = {path: PRIVATE_KEY if path.startswith("certs/") else "x\n" for path in EXCLUDED}
    project = make_project({**SOURCES, **contents})
    artifact = build_code(project)
    assert set(artifact.files) == set(SOURCES)
    with zipfile.ZipFile(artifact.path) as archive:
        assert sorted(archive.namelist()) == sorted(SOURCES)
    reasons = dict(artifact.excluded)
    assert set(reasons) == {*EXCLUDED.values(), "tether.yaml"}
    assert "project file" in reasons["tether.yaml"]
    assert "not code" in reasons["requirements.txt"]
    assert "layer" in reasons["requirements.txt"]
    assert reasons[".env"] == "credentials (.env)"
    assert reasons["certs/server.pem"] == "credentials (private key)"
    assert reasons["certs/server.KEY"] == "credentials (private key)"
    assert reasons["certs/client.p12"] == "credentials (key store)"
    assert reasons["id_rsa"] == "credentials (SSH key)"
    assert reasons[".aws/"] == "credentials (AWS credentials and configuration)"
    assert "test" in reasons["tests/"] and "test" in reasons["app/api_test.py"]
    assert "test events" in reasons["events/"]
    assert "version control" in reasons[".git/"]
    assert "bytecode" in reasons["app/__pycache__/"]
    assert "Tether" in reasons[".tether/"]
    assert all(reason for reason in reasons.values())
    assert list(artifact.excluded) == sorted(artifact.excluded)


def test_events_is_only_excluded_at_the_top(make_project: ProjectFactory) -> None:
    """`events/` holds saved test events; a package called `app/events` is code."""
    project = make_project({"app/events/__init__.py": "", "events/upload.json": "{}"})
    artifact = build_code(project)
    assert "app/events/__init__.py" in artifact.files
    assert ("events/", "saved test events are not deployed") in artifact.excluded


def test_a_directory_with_pyvenv_cfg_is_a_virtualenv(make_project: ProjectFactory) -> None:
    project = make_project({"env311/pyvenv.cfg": "home = /usr\n", "env311/lib/x.py": ""})
    artifact = build_code(project)
    assert not any(f.startswith("env311/") for f in artifact.files)
    assert "virtual environment" in dict(artifact.excluded)["env311/"]


def test_tetherignore_patterns(make_project: ProjectFactory) -> None:
    ignore = "\n".join(
        [
            "# build output",  # 1
            "dist/",  # 2: a directory anywhere
            "*.log",  # 3: by extension anywhere
            "app/local_settings.py",  # 4: one path from the root
            "!keep.log",  # 5: re-included
            "/notes/*.md",  # 6: anchored glob; * stops at /
            "",
        ]
    )
    project = make_project(
        {
            ".tetherignore": ignore,
            "dist/app.zip": "z",
            "app/dist/x.py": "",
            "app/server.log": "",
            "keep.log": "kept",
            "app/local_settings.py": "",
            "app/settings.py": "",
            "notes/a.md": "",
            "notes/deep/b.md": "",
            "dist.py": "",
        }
    )
    artifact = build_code(project)
    reasons = dict(artifact.excluded)
    assert reasons["dist/"] == ".tetherignore:2 (dist/)"
    assert reasons["app/dist/"] == ".tetherignore:2 (dist/)"
    assert reasons["app/server.log"] == ".tetherignore:3 (*.log)"
    assert reasons["app/local_settings.py"] == ".tetherignore:4 (app/local_settings.py)"
    assert reasons["notes/a.md"] == ".tetherignore:6 (/notes/*.md)"
    assert "Tether's ignore file" in reasons[".tetherignore"]
    for kept in ("keep.log", "app/settings.py", "notes/deep/b.md", "dist.py"):
        assert kept in artifact.files


def test_zip_is_valid_for_zipfile_and_unzip(make_project: ProjectFactory) -> None:
    artifact = build_code(make_project(SOURCES))
    with zipfile.ZipFile(artifact.path) as archive:
        assert archive.testzip() is None
        assert archive.read("app/lib/util.py") == SOURCES["app/lib/util.py"].encode()
    assert artifact.size == artifact.path.stat().st_size
    if shutil.which("unzip"):
        done = subprocess.run(
            ["unzip", "-t", str(artifact.path)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No errors detected" in done.stdout


def test_timestamps_modes_and_layout_are_normalised(make_project: ProjectFactory) -> None:
    project = make_project(SOURCES)
    (project.root / "bin/run.sh").chmod(0o750)
    (project.root / "README.md").chmod(0o600)
    artifact = build_code(project)
    with zipfile.ZipFile(artifact.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(SOURCES)  # sorted, no directory entries
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.create_system == 3
        assert not info.is_dir() and "\\" not in info.filename
        expected = 0o100755 if info.filename == "bin/run.sh" else 0o100644
        assert info.external_attr >> 16 == expected, info.filename


def test_the_artifact_lands_in_tether_build_with_nothing_half_written(
    make_project: ProjectFactory,
) -> None:
    project = make_project(SOURCES)
    artifact = build_code(project)
    build_dir = project.root / ".tether" / "build"
    assert artifact.path.parent == build_dir
    assert [p.name for p in build_dir.iterdir()] == [artifact.path.name]
    assert build_code(project).path == artifact.path  # a rebuild lands on the same file
    assert "/.tether/" not in "/" + "/".join(artifact.files)


def test_symlink_out_of_the_project_is_refused_naming_it(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("nope")
    project = make_project()
    (project.root / "app" / "config.txt").symlink_to(outside)
    with pytest.raises(TetherError) as caught:
        build_code(project)
    assert "app/config.txt" in caught.value.message
    assert "outside the project" in caught.value.message
    assert ".tetherignore" in caught.value.hint


def test_symlinked_directory_out_of_the_project_is_refused(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "x.py").write_text("")
    project = make_project()
    (project.root / "shared").symlink_to(tmp_path / "shared")
    with pytest.raises(TetherError, match=r"shared is a symbolic link to .*outside the project"):
        build_code(project)


def test_symlinks_inside_the_project_are_followed(make_project: ProjectFactory) -> None:
    project = make_project({"lib/util.py": "X = 1\n", ".env": "TOKEN=1\n"})
    (project.root / "app" / "util.py").symlink_to("../lib/util.py")
    (project.root / "app" / "settings").symlink_to("../.env")
    (project.root / "app" / "gone.py").symlink_to("missing.py")
    artifact = build_code(project)
    with zipfile.ZipFile(artifact.path) as archive:
        assert archive.read("app/util.py") == b"X = 1\n"
    reasons = dict(artifact.excluded)
    assert "app/settings" not in artifact.files
    assert "excluded" in reasons["app/settings"] and ".env" in reasons["app/settings"]
    assert "broken symbolic link" in reasons["app/gone.py"]


def test_a_directory_link_loop_is_refused(make_project: ProjectFactory) -> None:
    project = make_project()
    (project.root / "app" / "again").symlink_to("..")
    with pytest.raises(TetherError, match=r"app/again .*loop"):
        build_code(project)


def test_a_handler_in_an_excluded_file_is_an_error(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        "name: demo\nfunctions:\n  api: {handler: app/api.handler}\n",
        {".tetherignore": "app/\n"},
    )
    with pytest.raises(TetherError) as caught:
        build_code(load_project(root))
    assert "function 'api'" in caught.value.message
    assert ".tetherignore:1" in caught.value.message


def test_the_example_app_ships_its_code_only(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    artifact = build_code(load_project(root))
    handlers = sorted(f"app/{p.name}" for p in (EXAMPLE / "app").glob("*.py"))
    assert [f for f in artifact.files if f.endswith(".py")] == handlers
    excluded = dict(artifact.excluded)
    assert {"tether.yaml", "requirements.txt", "events/"} <= set(excluded)


def test_five_hundred_small_files_zip_well_under_half_a_second(
    make_project: ProjectFactory,
) -> None:
    files = {f"app/pkg{i // 50}/mod{i}.py": f"VALUE = {i}\n" * 20 for i in range(500)}
    project = make_project(files)
    build_code(project)  # warm the file cache as a second build would
    started = time.perf_counter()
    artifact = build_code(project)
    elapsed = time.perf_counter() - started
    assert len(artifact.files) == 501
    assert elapsed < 0.5, f"{elapsed:.3f} s"


names = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)
trees = st.dictionaries(
    st.lists(names, min_size=1, max_size=3).map(lambda parts: "app/" + "/".join(parts) + ".py"),
    st.binary(max_size=200),
    min_size=1,
    max_size=12,
)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=trees, seed=st.randoms(use_true_random=False))
def test_any_tree_builds_identically_in_any_creation_order(
    files: dict[str, bytes], seed: random.Random
) -> None:
    digests = []
    for attempt in range(2):
        order = list(files)
        seed.shuffle(order)
        with tempfile.TemporaryDirectory() as tmp:
            root = write_project(Path(tmp) / "p", PROJECT_YAML)
            for rel in order:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_bytes(files[rel])
                os.utime(root / rel, (1e9 + attempt * 1e8, 1e9 + attempt * 1e8))
            digests.append(build_code(load_project(root)).sha256)
    assert digests[0] == digests[1]


def test_a_file_name_that_is_not_utf8_is_a_clear_error(make_project: ProjectFactory) -> None:
    project = make_project()
    try:
        (project.root / os.fsdecode(b"app/caf\xe9.py")).write_text("")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this filesystem refuses non-UTF-8 names")
    with pytest.raises(TetherError, match="not valid UTF-8"):
        build_code(project)


def test_decomposed_unicode_names_are_stored_composed(make_project: ProjectFactory) -> None:
    """A checkout on macOS (NFD names) and one on Linux (NFC) give the same zip."""
    project = make_project({"app/cafe\u0301.py": "X = 1\n"})
    assert "app/caf\u00e9.py" in build_code(project).files


def test_editor_swap_backup_and_temporary_files_stay_out(make_project: ProjectFactory) -> None:
    """What an editor leaves beside the file being edited is not code (and a save that only
    touched one must not ship a new zip); look-alike names are code."""
    temporary = [
        "app/.api.py.swp",
        "app/.api.py.swx",
        "app/api.py~",
        "app/4913",
        "app/.#api.py",
        "app/#api.py#",
        "app/sedAb12Cd",
        "app/api.py___jb_tmp___",
        "app/scratch.tmp",
    ]
    code = ["app/sedan.py", "app/sed.py", "app/4913.json", "app/swap.py"]
    project = make_project({**SOURCES, **dict.fromkeys(temporary + code, "x = 1\n")})
    artifact = build_code(project)
    assert set(artifact.files) == set(SOURCES) | set(code)
    reasons = dict(artifact.excluded)
    assert all(reasons[path] == "an editor's temporary, swap or backup file" for path in temporary)
