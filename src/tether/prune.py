"""`tether prune`: remove unused resources from tether.yaml, keeping the rest of the file
(comments, order, quoting, indentation) exactly as it was, so the next deploy deletes them.

The entries are cut out of the text by line: a resource's key line and every line indented
deeper below it. YAML re-serialisation would reformat the user's file, so it is not used.
Unused external resources are removed from the file too, which never touches them in the cloud.
The file is replaced atomically.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from tether.atomic import write_atomically
from tether.errors import TetherError
from tether.model import Project
from tether.model.yamlfile import parse


def prune(project: Project, *, dry_run: bool = False) -> list[str]:
    """Remove the project's unused resources from its project file; return their names."""
    unused = project.unused()
    if not unused or dry_run:
        return unused
    path = Path(project.root) / project.file
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    resources = parse(text)["resources"]
    spans = [_span(lines, resources, name) for name in unused]
    for start, end in sorted(spans, reverse=True):
        del lines[start:end]
    write_atomically(path, "".join(lines).encode("utf-8"))
    return unused


def _span(lines: list[str], resources: CommentedMap, name: str) -> tuple[int, int]:
    """[start, end) line indexes of the resource entry `name` in block style."""
    line, column = resources.lc.key(name)
    if resources.fa.flow_style():
        raise TetherError(
            "cannot prune a `resources:` mapping written in flow style ({...})",
            hint=f"write one resource per line under `resources:`, or remove {name} by hand",
        )
    end = line + 1
    while end < len(lines):
        stripped = lines[end].strip()
        indent = len(lines[end]) - len(lines[end].lstrip())
        if stripped and indent <= column:
            break
        end += 1
    # Blank lines before the next entry belong to it, not to the one removed.
    while end > line + 1 and not lines[end - 1].strip():
        end -= 1
    return line, end
