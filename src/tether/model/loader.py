"""Load stage of the pipeline: tether.yaml -> Project, or every problem at once.

The loader never stops at the first mistake: it reads as much as it can, records a Problem with
file, line, column, message and fix hint for each thing wrong, and raises ProjectError with all of
them at the end. Nothing here runs user code; handlers are checked by parsing them.

`read_project_file` reads the file, hands its parts to the readers in `tether.model.read`
(resources, then functions with their triggers and operations), runs the checks across them,
and only for a valid project counts its footprint against AWS's limits and looks for unused
resources. The code's own operations are merged in later, by `tether.loading`.

An optional overlay (project-relative path -> text) stands in for files on disk: the IDE checks
the text in its editor before it is saved. Without one, only the disk is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from tether.errors import ProjectError
from tether.model import limits, rules
from tether.model.fastyaml import YamlReader, read
from tether.model.project import Project
from tether.model.read.cross_checks import check_project, unused_warnings
from tether.model.read.cursor import TOP, Node, Problems
from tether.model.read.files import ProjectFiles
from tether.model.read.functions import FUNCTION_KEYS, read_functions
from tether.model.read.operations import OPERATION_KEYS
from tether.model.read.resources import (
    COMMON_RESOURCE_KEYS,
    DATA_RESOURCES,
    EXTERNAL_RESOURCE_KEYS,
    KEY_TYPES,
    PROJECT_RESOURCE_KEYS,
    STREAM_VIEWS,
    read_resources,
)
from tether.model.read.triggers import (
    HTTP_TIMEOUT_LIMIT,
    RESOURCE_TYPES_BY_TRIGGER,
    S3_EVENTS,
    STARTING_POSITIONS,
    TRIGGER_KEYS,
)
from tether.model.yamlfile import YamlSyntaxError, describe

__all__ = [
    "COMMON_RESOURCE_KEYS",
    "DATA_RESOURCES",
    "EXTERNAL_RESOURCE_KEYS",
    "FUNCTION_KEYS",
    "HTTP_TIMEOUT_LIMIT",
    "KEY_TYPES",
    "OPERATION_KEYS",
    "PROJECT_FILE",
    "PROJECT_RESOURCE_KEYS",
    "RESOURCE_TYPES_BY_TRIGGER",
    "S3_EVENTS",
    "STARTING_POSITIONS",
    "STREAM_VIEWS",
    "TOP_KEYS",
    "TRIGGER_KEYS",
    "read_project_file",
    "unused_warnings",
]

PROJECT_FILE = "tether.yaml"
TOP_KEYS = ("name", "runtime", "region", "description", "resources", "functions")


def read_project_file(
    path: Path | str,
    *,
    overlay: Mapping[str, str] | None = None,
    yaml_reader: YamlReader = "fast",
) -> Project:
    """Read the project at `path` (its directory or its tether.yaml); raise ProjectError.
    `overlay` maps project-relative paths to texts read instead of those files. The operations
    the code performs are not looked for: `tether.load_project` adds them. `yaml_reader` only
    changes the speed (see `tether.model.fastyaml`)."""
    path = Path(path)
    root, file = (path.parent, path.name) if path.is_file() else (path, PROJECT_FILE)
    problems = Problems(file)
    project = _read(ProjectFiles(root.resolve(), file, overlay or {}), problems, yaml_reader)
    if project is None or problems.has_errors():
        raise ProjectError(problems.found)
    return project


def _read(files: ProjectFiles, problems: Problems, yaml_reader: YamlReader) -> Project | None:
    text = files.project_text(problems)
    if text is None:
        return None
    try:
        doc = read(text, yaml_reader)
    except YamlSyntaxError as exc:
        problems.report(exc.pos, exc.message, exc.hint)
        return None
    if not isinstance(doc, dict):
        problems.report(
            TOP,
            f"{files.file} must be a mapping of settings, not {describe(doc)}",
            "start with `name: myapp`, then `resources:` and `functions:`",
        )
        return None
    whole = Node(doc, "the project file", TOP, problems)
    whole.check_keys(TOP_KEYS)
    top = Node(doc, "the project", TOP, problems)
    name = ""
    if whole.require("name", "name: myapp"):
        name = top.text("name", example="name: myapp", required=True)
        problems.rule(rules.project_name(name) if name else None, top.value_pos("name"))
    runtime = top.choice("runtime", rules.RUNTIMES, "python3.12") or "python3.12"
    region = top.text("region", example="region: us-east-1", default="us-east-1")
    problems.rule(rules.region(region), top.value_pos("region"))
    description = top.text("description", example="description: Photo app")
    resources = read_resources(top)
    functions = read_functions(top, files, resources, runtime)
    check_project(problems, resources.by_name, functions)
    project = Project(
        name=name,
        runtime=runtime,
        region=region,
        root=files.root,
        file=files.file,
        resources=resources.by_name,
        functions=functions,
        description=description,
        requirements=files.requirements(problems),
    )
    if not problems.has_errors():
        # only a valid project has a footprint worth counting; what fills the root stack is
        # the project resources
        at = problems.location(top.pos_of("resources" if "resources" in doc else "functions"))
        problems.found.extend(limits.limit_problems(project, at))
    if not problems.has_errors():
        problems.found.extend(unused_warnings(project))
    warnings = tuple(sorted(p for p in problems.found if p.severity == "warning"))
    return replace(project, warnings=warnings)
