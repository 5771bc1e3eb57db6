"""cfn-lint over synthesised templates, as a library; findings come back as Problems.

A lint error in a template Tether generated is Tether's bug, not the user's, so the hint says
how to report it. cfn-lint is imported lazily (it takes about a second to load) and checks a
template piece by piece (`lint_pieces`), with the same findings as the whole template:

- a template's result is kept, keyed by its bytes, the region, cfn-lint's version and the
  cfn-lint configuration files it would read (which is all a result depends on): in memory
  for the life of the process and on disk under `$XDG_CACHE_HOME/tether/lint` (default
  ~/.cache), so an unchanged template is never linted again, whichever process asks;
- a template that changed is cut in pieces; each piece's findings are kept on disk under
  `pieces/`, keyed by the piece's text (with the sections every piece holds), so only the
  pieces whose text changed are linted again. Its template-wide rules run again every time.
- what must be linted runs in parallel, over worker processes (`lint_runner`), for all the
  templates asked at once (`lint_many`: a root stack and its nested stacks).

The pieces' findings are put back together as the whole template's: a piece with findings is
linted again with every name of the template known (`lint_pieces.exact`), its positions move
to the whole template's text (`lint_pieces.Layout`), and a finding no piece can be sure of (a
rule that crashed), or findings in many pieces, send the template to cfn-lint whole. Tests
check the result against cfn-lint's API on the whole template, problem for problem.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from tether.atomic import write_atomically
from tether.errors import Problem
from tether.synth.lint_pieces import (
    MAX_PIECE_RESOURCES,
    OWNED_SECTIONS,
    Cut,
    Layout,
    Piece,
    cut,
    digest,
    exact,
    exact_sections,
)
from tether.synth.lint_runner import CfnPath, Finding, Job, JobKind, run_all, whole_with_api
from tether.synth.template import to_json

TEMPLATE_FILE = "template.json"
HINT = "Tether generated this template: please report it with your tether.yaml"
PIECES_FORMAT = "3"  # bump when a piece's findings would differ for the same text
UNPLACED = "cfn-lint found something no piece can place"
_KEPT: dict[str, list[Problem]] = {}  # template key -> its problems (file TEMPLATE_FILE)


@dataclass(frozen=True)
class Policy:
    """How to cut and spread the work: at most `max_piece_resources` resources and outputs of
    a template per piece, over `workers` processes (None: one per CPU). A piece with findings
    is linted again with a stub of every resource (milliseconds each for cfn-lint): past
    `max_exact_pieces` such pieces, the template is linted whole instead, for less."""

    max_piece_resources: int = MAX_PIECE_RESOURCES
    workers: int | None = None
    max_exact_pieces: int = 3


@dataclass
class Stats:
    """What a call did, for tests and benchmarks: templates found kept, pieces found kept or
    linted, and the templates linted whole (with the reason)."""

    templates_kept: int = 0
    pieces_kept: int = 0
    pieces_linted: int = 0
    pieces_exact: int = 0
    whole: dict[str, str] = field(default_factory=dict)


def lint(template: Mapping[str, Any], *, region: str) -> list[Problem]:
    """cfn-lint's findings on `template` (file `template.json`), sorted."""
    text = to_json(dict(template))
    key = _key(text, region)
    kept = _KEPT.get(key)
    if kept is None:
        kept = _read(key)
    if kept is None:
        kept = _lint(text, region)
        _write(key, kept)
    _KEPT[key] = kept
    return list(kept)


def lint_many(
    templates: Mapping[str, Mapping[str, Any]],
    *,
    region: str,
    policy: Policy | None = None,
    stats: Stats | None = None,
) -> dict[str, list[Problem]]:
    """cfn-lint's findings on each template, by name (each Problem's file); the templates
    that changed are linted together, so their pieces share the worker processes."""
    texts = {name: to_json(dict(template)) for name, template in templates.items()}
    keys = {name: _key(text, region) for name, text in texts.items()}
    found: dict[str, list[Problem]] = {}
    for name, key in keys.items():
        kept = _KEPT.get(key)
        if kept is None:
            kept = _read(key)
        if kept is not None:
            found[name] = kept
    if stats is not None:
        stats.templates_kept += len(found)
    missing = {name: text for name, text in texts.items() if name not in found}
    if missing:
        linted = check(missing, region=region, policy=policy or Policy(), stats=stats)
        for name, problems in linted.items():
            _write(keys[name], problems)
            found[name] = problems
    for name, key in keys.items():
        _KEPT[key] = found[name]
    return {name: [replace(p, file=name) for p in found[name]] for name in templates}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tether" / "lint"


def check(
    texts: Mapping[str, str], *, region: str, policy: Policy, stats: Stats | None = None
) -> dict[str, list[Problem]]:
    """Lint each template's text (no template cache): its pieces found kept or linted."""
    stats = stats if stats is not None else Stats()
    if _config_digest():
        for name in texts:
            stats.whole[name] = "cfn-lint configuration files may change its rules"
        return {name: _problems(_pairs(whole_with_api(t, region))) for name, t in texts.items()}
    parsed = {name: json.loads(text) for name, text in texts.items()}
    cuts: dict[str, Cut] = {}
    for name in texts:
        pieces = cut(parsed[name], max_resources=policy.max_piece_resources)
        if isinstance(pieces, str):
            stats.whole[name] = pieces
        else:
            cuts[name] = pieces
    work = _Work(region, policy.workers)
    for name in texts:
        if name not in cuts:
            work.add(Job("whole", texts[name], region, size=_size(parsed[name])), ("whole", name))
    for name, pieces in cuts.items():
        size = sum(piece.size for piece in pieces.pieces)
        work.add(Job("template", texts[name], region, size=size // 8), ("template", name))
        work.kept_or_add("sections", pieces.sections, 1, ("sections", name), _in_sections)
        for index, piece in enumerate(pieces.pieces):
            where = ("piece", name, index)
            if work.kept_or_add("piece", piece.text, piece.size, where, piece.reports):
                stats.pieces_kept += 1
            else:
                stats.pieces_linted += 1
    done = work.run()

    # Sections or a piece with findings of their own are linted again exactly; a template with
    # a finding no piece can place, whole.
    for name in cuts:
        if _placed(done[("sections", name)], _in_sections):
            sections = exact_sections(parsed[name])
            work.kept_or_add("exact-sections", sections, 1, ("sections", name), _in_sections)
    done |= work.run()
    for name, pieces in cuts.items():
        known = {(f.rule, f.message, f.path) for f in done[("sections", name)]}
        dirty = [_dirty(p, done[("piece", name, i)], known) for i, p in enumerate(pieces.pieces)]
        if _unplaced(done[("sections", name)]) or None in dirty:
            stats.whole[name] = UNPLACED
        elif sum(map(bool, dirty)) > policy.max_exact_pieces:
            stats.whole[name] = "many of its pieces have findings"
        if name in stats.whole:
            work.add(Job("whole", texts[name], region, size=_size(parsed[name])), ("whole", name))
            continue
        template = parsed[name]
        for index, piece in enumerate(pieces.pieces):
            if dirty[index]:
                where = ("exact", name, index)
                work.kept_or_add("exact", exact(template, piece), piece.size, where, piece.reports)
                stats.pieces_exact += 1
    done |= work.run()
    for name, pieces in cuts.items():
        exact_findings = [done.get(("exact", name, i), []) for i in range(len(pieces.pieces))]
        if name not in stats.whole and any(_unplaced(found) for found in exact_findings):
            stats.whole[name] = UNPLACED  # a rule crashed on a piece
            work.add(Job("whole", texts[name], region, size=_size(parsed[name])), ("whole", name))
    done |= work.run()

    problems = {}
    for name, text in texts.items():
        if ("whole", name) in done:
            problems[name] = _problems(_pairs(done[("whole", name)]))
            continue
        whole = Layout.of(text)
        found = _pairs(done[("template", name)])  # the whole template's: all of them
        at = work.texts[("sections", name)]
        found += _moved(_placed(done[("sections", name)], _in_sections), Layout.of(at), whole)
        for index, piece in enumerate(cuts[name].pieces):
            if ("exact", name, index) in done:
                placed = _placed(done[("exact", name, index)], piece.reports)
                at = work.texts[("exact", name, index)]
                found += _moved(placed, Layout.of(at), whole)
        problems[name] = _problems(found)
    return problems


class _Work:
    """Jobs to run together, and where each one's findings go. A job's findings kept on disk
    are taken instead of running it; those of a job run are kept (only the ones `keep` wants,
    and the findings they detail)."""

    def __init__(self, region: str, workers: int | None) -> None:
        self.region = region
        self.workers = workers
        self.jobs: list[tuple[Job, tuple[Any, ...], Callable[[CfnPath], bool] | None]] = []
        self.kept: dict[tuple[Any, ...], list[Finding]] = {}
        self.texts: dict[tuple[Any, ...], str] = {}  # the text each destination's findings are in

    def add(
        self, job: Job, where: tuple[Any, ...], keep: Callable[[CfnPath], bool] | None = None
    ) -> None:
        self.jobs.append((job, where, keep))

    def kept_or_add(
        self,
        kind: JobKind,
        text: str,
        size: int,
        where: tuple[Any, ...],
        keep: Callable[[CfnPath], bool],
    ) -> bool:
        self.texts[where] = text
        kept = _read_piece(kind, text, self.region)
        if kept is None:
            self.add(Job(kind, text, self.region, size=size), where, keep)
            return False
        self.kept[where] = kept
        return True

    def run(self) -> dict[tuple[Any, ...], list[Finding]]:
        """The findings of each job added, or found kept, since the last run."""
        jobs, self.jobs = self.jobs, []
        results = run_all([job for job, _, _ in jobs], workers=self.workers) if jobs else []
        done, self.kept = self.kept, {}
        for (job, where, keep), findings in zip(jobs, results, strict=True):
            if keep is not None:
                findings = _keep(findings, keep)
                _write_piece(job.kind, job.text, self.region, findings)
            done[where] = findings
        return done


def _lint(text: str, region: str) -> list[Problem]:
    return check({TEMPLATE_FILE: text}, region=region, policy=Policy())[TEMPLATE_FILE]


def _size(template: Any) -> int:
    """How much work linting a template is: its resources and outputs."""
    sizes = [
        len(template.get(s) or ()) if isinstance(template, dict) else 0 for s in OWNED_SECTIONS
    ]
    return sum(sizes)


def _in_sections(path: CfnPath) -> bool:
    """What the sections template reports: the template as a whole and its sections but the
    entries of Resources and Outputs (placeholders there)."""
    return len(path) < 2 or path[0] not in OWNED_SECTIONS


def _keep(findings: Sequence[Finding], keep: Callable[[CfnPath], bool]) -> list[Finding]:
    """The findings `keep` wants (and those without a path, which no piece can place), with
    the findings they detail."""
    wanted = {i for i, f in enumerate(findings) if f.path is None or keep(f.path)}
    for index in sorted(wanted, reverse=True):
        parent = findings[index].parent
        while parent is not None and parent not in wanted:
            wanted.add(parent)
            parent = findings[parent].parent
    renumber = {old: new for new, old in enumerate(sorted(wanted))}
    kept = []
    for old in sorted(wanted):
        parent = findings[old].parent
        kept.append(replace(findings[old], parent=None if parent is None else renumber[parent]))
    return kept


def _unplaced(findings: Sequence[Finding]) -> bool:
    return any(f.path is None for f in findings)


def _dirty(piece: Piece, findings: Sequence[Finding], known: set[Any]) -> bool | None:
    """Whether a piece has findings of its own: under a resource or output it owns, or in a
    section the sections template did not report (a parameter's default checked where a
    resource refers to it). None when one has no path."""
    if _unplaced(findings):
        return None
    return any(
        f.path is not None
        and piece.reports(f.path)
        and (piece.owns(f.path) or (f.rule, f.message, f.path) not in known)
        for f in findings
    )


def _placed(
    findings: Sequence[Finding], reports: Callable[[CfnPath], bool]
) -> list[tuple[Finding, Finding | None]]:
    return [pair for pair in _pairs(findings) if pair[0].path is not None and reports(pair[0].path)]


def _pairs(findings: Sequence[Finding]) -> list[tuple[Finding, Finding | None]]:
    """Each finding with the one it details."""
    return [(f, findings[f.parent] if f.parent is not None else None) for f in findings]


def _moved(
    found: Sequence[tuple[Finding, Finding | None]], source: Layout, target: Layout
) -> list[tuple[Finding, Finding | None]]:
    """Findings placed in a piece's text, placed in the whole template's."""

    def move(finding: Finding) -> Finding:
        line, column, end_line, end_column = finding.at
        at = (source.move(line, target), column, source.move(end_line, target), end_column)
        return replace(finding, at=at)

    return [(move(f), None if p is None else move(p)) for f, p in found]


def _problems(found: Sequence[tuple[Finding, Finding | None]]) -> list[Problem]:
    """Problems at the positions cfn-lint gives in the whole template, each once: cfn-lint
    tells two findings apart by rule, message, position and the finding they detail (by its
    rule, message and line)."""
    seen = set()
    problems = []
    for finding, parent in found:
        above = None if parent is None else (parent.rule, parent.message, parent.at[0])
        identity = (finding.rule, finding.message, finding.at, above)
        if identity in seen:
            continue
        seen.add(identity)
        path = "/".join(str(part) for part in finding.path or ())
        problems.append(
            Problem(
                file=TEMPLATE_FILE,
                line=finding.at[0],
                column=finding.at[1],
                severity="error" if finding.rule.startswith("E") else "warning",
                message=f"cfn-lint {finding.rule}: {finding.message}"
                + (f" (at {path})" if path else ""),
                hint=HINT,
            )
        )
    return sorted(problems)


def _config_digest() -> str:
    """The cfn-lint configuration files `api.lint` reads (~/.cfnlintrc and ./.cfnlintrc, or
    their .yaml/.yml), as a digest: empty when there are none."""
    found = []
    for folder in (Path.home(), Path.cwd()):
        for name in (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml"):
            try:
                found.append(f"{folder / name}\0{(folder / name).read_text(encoding='utf-8')}")
                break
            except (OSError, ValueError):
                continue
    return digest(*found) if found else ""


@functools.cache
def _cfn_lint_version() -> str:
    return metadata.version("cfn-lint")  # reads package metadata: once per process


def _key(text: str, region: str) -> str:
    return digest(_cfn_lint_version(), region, _config_digest(), text)


def _read(key: str) -> list[Problem] | None:
    try:
        found = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        return [Problem(**entry) for entry in found]
    except (OSError, ValueError, TypeError):
        return None  # not linted yet, or unreadable: lint again


def _write(key: str, problems: list[Problem]) -> None:
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps([asdict(p) for p in problems]).encode()
        write_atomically(folder / f"{key}.json", data, durable=False)  # a cache: no fsync
    except OSError:
        pass  # a cache that cannot be written only costs the next lint its time


def _piece_path(kind: str, text: str, region: str) -> Path:
    key = digest(PIECES_FORMAT, _cfn_lint_version(), region, kind, text)
    return cache_dir() / "pieces" / f"{key}.json"


def _read_piece(kind: str, text: str, region: str) -> list[Finding] | None:
    try:
        found = json.loads(_piece_path(kind, text, region).read_text(encoding="utf-8"))
        return [Finding.from_json(entry) for entry in found]
    except (OSError, ValueError, TypeError):
        return None


def _write_piece(kind: str, text: str, region: str, findings: Iterable[Finding]) -> None:
    # No fsync (unlike a user's file): a torn entry does not parse, and is linted again.
    path = _piece_path(kind, text, region)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError:
        return  # a cache that cannot be written only costs the next lint its time
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump([f.as_json() for f in findings], out)
        os.replace(name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(name)
