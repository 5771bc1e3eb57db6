"""Build stage of the pipeline: Project -> deterministic code zip + dependency layer zip,
content-addressed.

`build_project` runs both halves: `code.build_code` zips the project's code (one zip shared by
every function, same sources => same bytes), and `layer.build_layer` installs requirements.txt
for Lambda into a layer zip, cached by the requirements' hash. Each artifact's `key`
(`code/<sha256>.zip`, `layers/<sha256>.zip`) is its object key in the artifact bucket, so an
unchanged artifact is never uploaded twice. `format_build` renders the result for the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tether.build.code import CodeArtifact, build_code
from tether.build.layer import REQUIREMENTS, LayerArtifact, build_layer
from tether.model.project import Project

__all__ = [
    "BuildResult",
    "CodeArtifact",
    "LayerArtifact",
    "build_code",
    "build_layer",
    "build_project",
    "format_build",
]


@dataclass(frozen=True)
class BuildResult:
    """What the build stage hands to deploy: the code zip and the layer zip, if any."""

    root: Path
    code: CodeArtifact
    layer: LayerArtifact | None


def build_project(
    project: Project, *, progress: Callable[[str], None] | None = None
) -> BuildResult:
    """Build the code zip, then the dependency layer (None when there are no requirements)."""
    code = build_code(project)
    if progress is not None:
        progress(f"code: {_count(len(code.files), 'file')}, {_size(code.size)}")
    layer = build_layer(project, progress=progress)
    return BuildResult(project.root, code, layer)


def format_build(result: BuildResult, verbose: bool) -> str:
    """Sizes, file counts and short hashes; with `verbose`, every excluded path and its reason."""
    code = result.code
    lines = [
        f"code   {_count(len(code.files), 'file')}, {_size(code.size)}, "
        f"sha256 {code.sha256[:12]}  {_relative(code.path, result.root)}"
    ]
    layer = result.layer
    if layer is None:
        lines.append(f"layer  none: no requirements in {REQUIREMENTS}")
    else:
        shown = layer.packages if verbose else layer.packages[:5]
        names = ", ".join(shown)
        if len(layer.packages) > len(shown):
            names += f", +{len(layer.packages) - len(shown)} more"
        lines.append(
            f"layer  {_count(len(layer.packages), 'package')} ({names}), {_size(layer.size)}, "
            f"sha256 {layer.sha256[:12]}{', cached' if layer.cached else ''}  "
            f"{_relative(layer.path, result.root)}"
        )
    if verbose:
        lines.append(f"excluded from the code zip: {_count(len(code.excluded), 'path')}")
        width = max((len(path) for path, _ in code.excluded), default=0)
        lines += [f"  {path:<{width}}  {reason}" for path, reason in code.excluded]
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
