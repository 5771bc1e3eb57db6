"""The code zip honours the project's `.gitignore` files as git does, `.tetherignore` overrides
them, `--verbose` names the file, line and pattern of each exclusion, and a handler left out by
a pattern stops the build naming both instead of deploying a function that cannot start."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.build.conftest import ProjectFactory
from tests.helpers import HANDLER, examples, tether, write_project
from tether import TetherError, load_project
from tether.build import build_code, build_project, format_build
from tether.build.code import Rules, collect_files


def test_root_gitignore_with_negation_folders_anchors_and_double_stars(
    make_project: ProjectFactory,
) -> None:
    gitignore = "\n".join(
        [
            "# generated",  # 1
            "*.log",  # 2: by name, anywhere
            "!keep.log",  # 3: re-included
            "build/",  # 4: a folder, anywhere
            "/scratch.py",  # 5: anchored to the root
            "docs/**/draft*",  # 6: any depth under docs/
            "cache/**",  # 7: everything inside cache/
            "",
        ]
    )
    project = make_project(
        {
            ".gitignore": gitignore,
            "app/run.log": "",
            "keep.log": "",
            "app/keep.log": "",
            "build/out.py": "",
            "app/build/x.py": "",
            "build.py": "",  # a file called build: the pattern is for folders
            "scratch.py": "",
            "app/scratch.py": "",
            "docs/draft1.md": "",
            "docs/a/b/draft2.md": "",
            "docs/final.md": "",
            "cache/x/y.bin": "",
        }
    )
    artifact = build_code(project)
    reasons = dict(artifact.excluded)
    assert reasons["app/run.log"] == ".gitignore:2 (*.log)"
    assert reasons["build/"] == reasons["app/build/"] == ".gitignore:4 (build/)"
    assert reasons["scratch.py"] == ".gitignore:5 (/scratch.py)"
    assert (
        reasons["docs/draft1.md"]
        == reasons["docs/a/b/draft2.md"]
        == ".gitignore:6 (docs/**/draft*)"
    )
    assert reasons["cache/x/"] == ".gitignore:7 (cache/**)"
    for kept in ("keep.log", "app/keep.log", "build.py", "app/scratch.py", "docs/final.md"):
        assert kept in artifact.files


def test_nested_gitignore_files_apply_below_their_folder_and_override_the_root(
    make_project: ProjectFactory,
) -> None:
    project = make_project(
        {
            ".gitignore": "*.csv\nlocal.py\n",
            "app/.gitignore": "!keep.csv\n/fixtures/\n",
            "app/keep.csv": "",
            "app/data.csv": "",
            "keep.csv": "",  # the root's rule: app/.gitignore does not reach up
            "app/fixtures/a.json": "{}",
            "fixtures/a.json": "{}",  # /fixtures/ in app/.gitignore means app/fixtures only
            "app/sub/local.py": "",
        }
    )
    artifact = build_code(project)
    reasons = dict(artifact.excluded)
    assert "app/keep.csv" in artifact.files and "fixtures/a.json" in artifact.files
    assert reasons["app/data.csv"] == reasons["keep.csv"] == ".gitignore:1 (*.csv)"
    assert reasons["app/fixtures/"] == "app/.gitignore:2 (/fixtures/)"
    assert reasons["app/sub/local.py"] == ".gitignore:2 (local.py)"
    assert reasons["app/.gitignore"] == "version control"


def test_tetherignore_reincludes_what_gitignore_ignores(make_project: ProjectFactory) -> None:
    project = make_project(
        {
            ".gitignore": "generated/\n*.dat\nbuild/\n!build/keep.py\n",
            ".tetherignore": "!/generated/\n!model.dat\n",
            "generated/schema.py": "",
            "model.dat": "",
            "other.dat": "",
            "build/keep.py": "",
        }
    )
    artifact = build_code(project)
    assert "generated/schema.py" in artifact.files and "model.dat" in artifact.files
    assert dict(artifact.excluded)["other.dat"] == ".gitignore:2 (*.dat)"
    # as in git, nothing inside an ignored folder comes back: re-include the folder itself
    assert "build/keep.py" not in artifact.files
    assert dict(artifact.excluded)["build/"] == ".gitignore:3 (build/)"


def test_verbose_shows_file_line_and_pattern(make_project: ProjectFactory) -> None:
    project = make_project(
        {".gitignore": "# x\n\n*.log\n", ".tetherignore": "notes/\n", "a.log": "", "notes/x": ""}
    )
    result = tether("build", "--verbose", "-p", str(project.root))
    assert result.returncode == 0, result.stderr
    rows = dict(line.split(None, 1) for line in result.stdout.splitlines() if line[:2] == "  ")
    assert rows["a.log"] == ".gitignore:3 (*.log)"
    assert rows["notes/"] == ".tetherignore:1 (notes/)"
    plain = format_build(build_project(project), verbose=False)
    assert "1 by .gitignore, 1 by .tetherignore" in plain


@pytest.mark.parametrize(
    ("gitignore", "message", "fix"),
    [
        (
            "app/\n",
            "handler file app/api.py is excluded from the code zip (app/: .gitignore:1 (app/))",
            "!/app/",
        ),
        (
            "*.py\n",
            "handler file app/api.py is excluded from the code zip (.gitignore:1 (*.py))",
            "!/app/api.py",
        ),
    ],
)
def test_a_handler_ignored_by_gitignore_stops_the_build(
    tmp_path: Path, gitignore: str, message: str, fix: str
) -> None:
    root = write_project(
        tmp_path / "p",
        "name: demo\nfunctions:\n  api: {handler: app/api.handler}\n",
        {".gitignore": gitignore},
    )
    result = tether("build", "-p", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: function 'api': {message}" in result.stderr
    assert f"re-include it with the line '{fix}' in .tetherignore" in result.stderr
    assert not (root / ".tether" / "build").exists()  # no zip without the handler

    (root / ".tetherignore").write_text(fix + "\n")
    assert "app/api.py" in build_code(load_project(root)).files


def test_a_handler_package_init_ignored_is_an_error(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        "name: demo\nfunctions:\n  api: {handler: app/handlers/api.handler}\n",
        {
            ".gitignore": "__init__.py\n",
            "app/__init__.py": "import os\n",
            "app/handlers/__init__.py": "",
        },
    )
    with pytest.raises(TetherError) as caught:
        build_code(load_project(root))
    assert caught.value.message == (
        "function 'api': its package's app/__init__.py is excluded from the code zip "
        "(.gitignore:1 (__init__.py))"
    )
    assert ".gitignore" in caught.value.hint


def test_a_handler_excluded_by_tetherignore_names_the_line(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        "name: demo\nfunctions:\n  api: {handler: app/api.handler}\n",
        {".tetherignore": "# x\napp/api.py\n"},
    )
    with pytest.raises(TetherError) as caught:
        build_code(load_project(root))
    assert "(.tetherignore:2 (app/api.py))" in caught.value.message
    assert "line 2 of .tetherignore" in caught.value.hint


# ---- the matcher against git itself ------------------------------------------------------

FILES = (
    "a/b/c.py",
    "a/c",
    "b/a.py",
    "c/a/b",
    "ab.py",
    "a/ab.py",
    "b/b/b.txt",
    "c.txt",
    "a/b/d/e.py",
    "x[1].py",
    "sp ace.txt",
    "d/.hidden",
    "d/e/f",
)
TOKENS = (
    "a", "b", "c", "e", "*", "?", "**", "***", "*.py", "*.txt", "[ab]", "[!a]*", "[^b]", "[a-c]",
    "[]a]", "a*", "*b", "x\\[1\\].py", "sp ace.txt", ".hidden", "\\#c", "\\!a", "a ", "a\\ ",
)  # fmt: skip
patterns = st.builds(
    lambda parts, negate, anchor, folder: (
        ("!" if negate else "")
        + ("/" if anchor else "")
        + "/".join(parts)
        + ("/" if folder else "")
    ),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def ignored_by_git(root: Path) -> set[str]:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    done = subprocess.run(
        ["git", "-c", "core.excludesFile=/dev/null", "check-ignore", "--no-index", *FILES],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return set(done.stdout.splitlines())


def left_out_by_us(root: Path) -> set[str]:
    project = load_project(root)
    found = collect_files(project, Rules.for_project(project))
    return set(FILES) - {entry.name for entry in found.entries}


def tree(root: Path, ignores: dict[str, list[str]]) -> Path:
    write_project(root, "name: demo\nfunctions:\n  api: {handler: app/api.handler}\n")
    for rel in FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    for folder, lines in ignores.items():
        (root / folder / ".gitignore").write_text("\n".join(lines) + "\n")
    return root


@needs_git
@pytest.mark.parametrize(
    "lines",
    [
        ["*", "!*/", "!*.py"],  # the allow-list idiom
        ["a/*", "!a/b/"],
        ["**/b", "!b/b/"],
        ["a/**/e.py"],
        ["/*.py", "x\\[1\\].py"],
        ["[!a]*", "!d/"],
        ["sp ace.txt", ".hidden"],
    ],
)
def test_same_answers_as_git_for_common_idioms(tmp_path: Path, lines: list[str]) -> None:
    root = tree(tmp_path / "p", {".": lines})
    assert left_out_by_us(root) == ignored_by_git(root)


@needs_git
@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    root_lines=st.lists(patterns, min_size=1, max_size=5),
    nested=st.sampled_from(["a", "b", "a/b", "d"]),
    nested_lines=st.lists(patterns, max_size=3),
)
def test_same_answers_as_git_check_ignore(
    root_lines: list[str], nested: str, nested_lines: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = tree(Path(tmp) / "p", {".": root_lines, nested: nested_lines})
        (root / "app" / "api.py").write_text(HANDLER)
        assert left_out_by_us(root) == ignored_by_git(root)
