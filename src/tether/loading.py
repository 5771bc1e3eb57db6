"""Load stage plus analyse stage: the project as every command sees it.

`load` reads tether.yaml into the model, analyses the functions' code, and returns the project
with the operations found in the code added to the declared ones (so roles, environment
variables and unused resources follow the code; each function also carries what its code
reads and which files it is made of, so a deploy needs nothing else). Errors of either stage are raised together as
one ProjectError; warnings ride along on `project.warnings`.

`overlay` (project-relative path -> text) is read instead of those files, by both stages: the
IDE checks what is in its editor before it is saved, without writing it anywhere.

The analysis keeps its results in the project's cache (`tether.analysis.for_project`: in
memory for the process, on disk under .tether/cache/analysis/), so the IDE and `tether dev`
re-analyse only the functions an edit touched, and each CLI command reuses the last one's
results. What an overlay's text gives stays in memory; `cache` replaces the project's cache.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from tether.analysis import AnalysisCache, analyse, for_project, with_code_operations
from tether.analysis.imports import overlaid
from tether.errors import ProjectError
from tether.model import Project, read_project_file
from tether.model.fastyaml import YamlReader
from tether.model.loader import unused_warnings


def load(
    path: Path | str,
    *,
    overlay: Mapping[str, str] | None = None,
    yaml_reader: YamlReader = "fast",
    cache: AnalysisCache | None = None,
) -> Project:
    project = read_project_file(path, overlay=overlay, yaml_reader=yaml_reader)
    cache = cache if cache is not None else for_project(project.root)
    if overlay:
        with overlaid(project.root, overlay):
            analysis = analyse(project, cache=cache)
    else:
        analysis = analyse(project, cache=cache)
    stale = set(unused_warnings(project))
    warnings = [w for w in project.warnings if w not in stale]
    if analysis.errors:
        raise ProjectError([*warnings, *analysis.problems])
    analysed = with_code_operations(project, analysis)
    problems = sorted({*warnings, *analysis.warnings, *unused_warnings(analysed)})
    return dataclasses.replace(analysed, warnings=tuple(problems))
