"""Build stage of the pipeline: Project -> deterministic code zip + dependency layer zip,
content-addressed.

`build_project` runs both halves: `code.build_code` zips the project's code (one zip shared by
every function, same sources => same bytes), and `layer.build_layer` installs requirements.txt
for Lambda into a layer zip, cached by the requirements' hash. Each artifact's `key`
(`code/<sha256>.zip`, `layers/<sha256>.zip`) is its object key in the artifact bucket, so an
unchanged artifact is never uploaded twice. The build refuses what Lambda would refuse after
the upload: code and layer over 250 MB unzipped (`limits.py`). `format_build` renders the result
for the CLI; files shipped although they look like credentials (re-included by name in
`.tetherignore`) are reported through `progress` on every build, so `tether deploy` shows them too.

A build for the local cloud (`local=True`) makes the layer for the Python that runs the code
there (`tether.runtime.interpreters`: the declared runtime's when this machine has it, else the
local cloud's own), so that compiled wheels import, and says through `progress` which declared
runtimes run on another Python; the layer for AWS is built for the declared runtime.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tether.build import limits
from tether.build.code import CodeArtifact, build_code
from tether.build.layer import REQUIREMENTS, LayerArtifact, build_layer
from tether.build.limits import Part, check_unzipped, size_text, zip_sizes
from tether.model.project import Project
from tether.words import count

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
    project: Project, *, progress: Callable[[str], None] | None = None, local: bool = False
) -> BuildResult:
    """Build the code zip, then the dependency layer (None when there are no requirements);
    with `local`, the layer for the Python that runs the code on the local cloud."""
    code = build_code(project)
    if progress is not None:
        progress(f"code: {count(len(code.files), 'file')}, {size_text(code.size)}")
        for path, warning in code.flagged:
            progress(f"warning: {path} {warning}")
    python = _local_python(project, progress) if local else None
    layer = build_layer(project, progress=progress, python=python)
    if layer is not None:
        check_unzipped(Part("code", zip_sizes(code.path)), Part("layer", zip_sizes(layer.path)))
    return BuildResult(project.root, code, layer)


def _local_python(project: Project, progress: Callable[[str], None] | None) -> str:
    """The version (`3.11`) of the Python that runs the project's runtime on the local cloud;
    says which declared runtimes run there on another Python than theirs."""
    from tether.runtime import interpreters

    if progress is not None:
        runtimes = {project.runtime, *(f.runtime for f in project.functions.values())}
        for note in interpreters.fallback_notes(runtimes):
            progress(f"note: {note}")
    return interpreters.resolve(project.runtime).version_text


def format_build(result: BuildResult, verbose: bool) -> str:
    """Sizes, file counts and short hashes; with `verbose`, every excluded path and its reason."""
    code = result.code
    lines = [
        f"code   {count(len(code.files), 'file')}, {size_text(code.size)} "
        f"({size_text(code.unzipped_size)} unzipped), "
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
            f"layer  {count(len(layer.packages), 'package')} ({names}), "
            f"{size_text(layer.size)} ({size_text(layer.unzipped_size)} unzipped), "
            f"sha256 {layer.sha256[:12]}{', cached' if layer.cached else ''}  "
            f"{_relative(layer.path, result.root)}"
        )
    total = code.unzipped_size + (layer.unzipped_size if layer else 0)
    lines.append(
        f"total  {size_text(total)} unzipped, of Lambda's {size_text(limits.UNZIPPED_LIMIT)}"
    )
    if not verbose:
        if code.excluded:
            lines.append(
                f"excluded {count(len(code.excluded), 'path')} ({_by_kind(code.excluded)}); "
                "tether build --verbose lists them"
            )
        return "\n".join(lines)
    lines.append(f"excluded from the code zip: {count(len(code.excluded), 'path')}")
    width = max((len(path) for path, _ in (*code.excluded, *code.flagged)), default=0)
    lines += [f"  {path:<{width}}  {reason}" for path, reason in code.excluded]
    if code.flagged:
        lines.append(
            f"shipped although they look like credentials: {count(len(code.flagged), 'path')}"
        )
        lines += [f"  {path:<{width}}  {warning}" for path, warning in code.flagged]
    return "\n".join(lines)


_GITIGNORE_REASON = re.compile(r"^(?:\S*/)?\.gitignore:\d+ ")


def _by_kind(excluded: tuple[tuple[str, str], ...]) -> str:
    """`3 by Tether's rules, 2 credentials, 1 by .gitignore`: what left the paths out."""
    counts = {"by Tether's rules": 0, "credentials": 0, "by .gitignore": 0, "by .tetherignore": 0}
    for _, reason in excluded:
        if reason.startswith("credentials"):
            counts["credentials"] += 1
        elif _GITIGNORE_REASON.match(reason):
            counts["by .gitignore"] += 1
        elif reason.startswith(".tetherignore:"):
            counts["by .tetherignore"] += 1
        else:
            counts["by Tether's rules"] += 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
