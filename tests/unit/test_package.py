"""Package-level promises: start-up stays light, and the layers depend one way."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.helpers import REPO

SRC = REPO / "src" / "tether"


def test_importing_tether_loads_no_cli_web_or_emulator_code() -> None:
    """Start-up time is a feature: `import tether` must not pull in click, cfn-lint or moto."""
    code = (
        "import sys, tether; tether.load_project;"
        "print(','.join(m for m in ('click', 'cfnlint', 'moto', 'rich', 'boto3', 'starlette', "
        "'uvicorn') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""


def imports_of(package: str) -> set[str]:
    found: set[str] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("tether.")
            ):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found.update(
                    a.name.split(".")[1] for a in node.names if a.name.startswith("tether.")
                )
    return found


def test_the_cli_starts_without_the_model_the_sdk_or_the_emulator() -> None:
    """`tether --help` (and parsing any command line) loads only the CLI: the project model,
    the analysis, boto3, moto and cfn-lint load when a command needs them."""
    code = (
        "import sys, tether.cli.main;"
        "print(','.join(m for m in ('tether.model', 'tether.analysis', 'tether.synth', "
        "'ruamel', 'boto3', 'moto', 'cfnlint') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""


def test_model_depends_on_nothing_but_itself_and_errors() -> None:
    assert imports_of("model") <= {"model", "errors"}


def test_the_runtime_does_not_import_the_local_cloud() -> None:
    """The runtime runs functions; the local cloud uses it, never the other way round."""
    assert "localcloud" not in imports_of("runtime")


def test_nothing_imports_the_cli_or_the_ide() -> None:
    for package in ("model", "synth", "analysis", "deploy", "localcloud", "runtime", "build"):
        assert not {"cli", "ide"} & imports_of(package)
    assert "cli" not in imports_of("ide")


def test_every_module_says_its_role_in_a_docstring() -> None:
    missing = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "data" not in path.parts and not ast.get_docstring(ast.parse(path.read_text()))
    ]
    assert missing == []
