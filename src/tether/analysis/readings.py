"""Readings: a module read once per analysis, and installed in every other group's program.

groups.py gives each group of functions a program of its own (program.py), so a helper that
many handlers import would be read once per group. A module's reading (its top-level code and
each of its function bodies: the values of its names, its functions and classes, what they
record) is the same in every program in which nothing reaches into it, and function and class
ids are the same in every program (scopes.node_id). So the first program that reads such a
module keeps its reading (`Readings.keep`), and the next programs install it instead of
reading the module again (`Program.run_module`): its functions as they are (no program changes
a function read in full), a copy of the rest. Nothing reaches into a module when:

- its function bodies define no functions, classes or lambdas and hold no `global`,
  `nonlocal` or import statements (so every function it has is defined when it is imported,
  and reading its bodies neither defines nor imports anything);
- no code writes a global of it or of a module it imports, or an attribute of a class of
  another module (a write that changes what reading finds);
- no function of another module has one of its functions read before its turn, no recursive
  call is cut short, and no module is first imported from a function body (which would change
  the order things are read in);
- importing it imports what it imports before it defines anything, and calls none of its own
  functions (whose early values other modules could reuse);
- the same holds for every module it imports.

`Watch` notes, for one program, what would break these conditions. A program that installed a
reading checks afterwards that none broke (`Watch.valid`); if one did, groups.py reads the
group again without installing anything, so a result never depends on a reading's reuse. A
reading points into one analysis's syntax trees and lives as long as that analysis.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tether.analysis.imports import ModuleIndex, Probe
from tether.analysis.records import ClassInfo, DefInfo, ModuleState
from tether.analysis.scopes import function_scope

if TYPE_CHECKING:
    from tether.analysis.program import Program


@dataclass(frozen=True)
class Reading:
    """One module's reading, as a program left it once every function body was read."""

    module: str
    imports: tuple[str, ...]  # modules its top-level code imported (run_module), in order
    closure: frozenset[str]  # itself and what it imports, directly or not
    defs: tuple[DefInfo, ...]  # in the order they were defined
    classes: tuple[ClassInfo, ...]
    state: ModuleState
    probes: frozenset[Probe]  # what reading it asked the project's files


class Readings:
    """The readings kept during one analysis, of the modules more than one group imports."""

    def __init__(self, shared: Iterable[str]) -> None:
        self.shared = frozenset(shared)
        self.kept: dict[str, Reading] = {}

    def reusable(self, module: str) -> Reading | None:
        return self.kept.get(module)

    def keep(self, program: Program, watch: Watch) -> None:
        """Keep the readings of the shared modules `program` read in full with nothing
        reaching into them (call it once every body was read, before Lazy values are filled
        in: filling them in depends on the group)."""
        names = [
            name
            for name in program.modules
            if name in self.shared and name not in self.kept and name not in watch.installed
        ]
        if not names:
            return
        found = _Found(program)
        clean: dict[str, bool] = {}
        for name in names:
            if watch.clean(program, found, name, clean):
                self.kept[name] = _reading(program, watch, found, name)


class _Found:
    """A program's functions and classes by module, and the modules whose globals were
    written: what deciding which readings to keep looks up for each module."""

    def __init__(self, program: Program) -> None:
        self.defs: dict[str, list[DefInfo]] = {}
        for info in program.order:
            self.defs.setdefault(info.module, []).append(info)
        self.classes: dict[str, list[ClassInfo]] = {}
        for cls in program.classes.values():
            self.classes.setdefault(cls.module, []).append(cls)
        self.written = frozenset(module for module, _ in program.global_writes)


class Watch:
    """What one program did that a kept or installed reading depends on not happening."""

    def __init__(self, shared: frozenset[str]) -> None:
        self.shared = shared
        self.installed: dict[str, Reading] = {}
        self.unclean: set[str] = set()  # modules something reached into, or that reached out
        self.cut = False  # a recursive call was cut short (where depends on the order read)
        self.late = False  # a module was first imported while function bodies were read
        self.reordered = False  # an installed function would have been read before its turn
        self.imports: dict[str, list[str]] = {}
        self.probes: dict[str, set[Probe]] = {}
        self.reading_def: DefInfo | None = None  # phase 2: the body read in its turn
        self._running: list[str] = []  # phase 1: the modules being imported, innermost last
        self._defined: set[str] = set()  # modules whose import defined something of theirs

    # --- noted while reading -------------------------------------------------------------

    def importing(self, name: str, *, phase: int, runs: bool) -> None:
        """`run_module(name)` was called; `runs` if the module is imported now."""
        if self._running:
            importer = self._running[-1]
            self.imports.setdefault(importer, []).append(name)
            if importer in self._defined:
                self.unclean.add(importer)  # imports after defining: ids would interleave
        if runs and phase >= 2:
            self.late = True

    @contextlib.contextmanager
    def running(self, name: str, index: ModuleIndex) -> Iterator[None]:
        """Around importing module `name` (its top-level code)."""
        self._running.append(name)
        try:
            with self.asking(name, index):
                yield
        finally:
            self._running.pop()

    @contextlib.contextmanager
    def asking(self, module: str, index: ModuleIndex) -> Iterator[None]:
        """Around reading code of `module`: keep the probes it asks, if it may be kept."""
        if module not in self.shared:
            yield
            return
        with index.tracing() as probes:
            yield
        self.probes.setdefault(module, set()).update(probes)

    def defined(self, module: str) -> None:
        """A function or class of `module` was defined."""
        if self._running:
            importing = self._running[-1]
            if module == importing:
                self._defined.add(importing)
            else:
                self.unclean.add(importing)  # something else defined while it is imported

    def early(self, info: DefInfo) -> None:
        """A function was called while modules are imported."""
        if info.module in self._running:
            self.unclean.add(info.module)  # its early value, computed mid-import, is reused

    def reads_early(self, info: DefInfo, program: Program) -> None:
        """Phase 2 is about to read `info`'s body, asked for its value by another body."""
        current = self.reading_def
        if current is None or current.module == info.module:
            return
        if program.positions[info.id] < program.positions[current.id]:
            return  # read already, in its turn
        if info.module in self.installed:
            self.reordered = True  # reading it would have happened now, out of its turn
        elif info.state == 0:
            self.unclean.add(info.module)  # read before its turn: its records' order changes

    def wrote_attribute(self, writer: str, owner: str) -> None:
        """Code of module `writer` set an attribute of a class of module `owner`."""
        if writer != owner:
            self.unclean.update((writer, owner))

    # --- after every body was read -------------------------------------------------------

    def valid(self, program: Program) -> bool:
        """Whether the installed readings are what reading the modules would have given."""
        if self.cut or self.late or self.reordered or program.too_deep:
            return False
        written = {module for module, _ in program.global_writes}
        for name, reading in self.installed.items():
            if name in self.unclean or written & reading.closure:
                return False
        return True

    def clean(self, program: Program, found: _Found, name: str, memo: dict[str, bool]) -> bool:
        """Whether `program`'s reading of module `name` may be kept."""
        known = memo.get(name)
        if known is None:
            memo[name] = False  # an import cycle: not clean
            known = memo[name] = self._clean(program, found, name, memo)
        return known

    def closure(self, name: str) -> frozenset[str]:
        reading = self.installed.get(name)
        if reading is not None:
            return reading.closure
        found = {name}
        stack = list(self.imports.get(name, ()))
        while stack:
            module = stack.pop()
            if module not in found:
                found.add(module)
                installed = self.installed.get(module)
                stack.extend(installed.closure if installed else self.imports.get(module, ()))
        return frozenset(found)

    def _clean(self, program: Program, found: _Found, name: str, memo: dict[str, bool]) -> bool:
        if name in self.installed:
            return True
        if self.cut or self.late or name in self.unclean or name in program.too_deep:
            return False
        state = program.modules.get(name)
        if state is None or state.state != 2:
            return False
        for info in found.defs.get(name, ()):
            # Every function was defined on import (none inside another), and reading its
            # body defined, imported and declared nothing.
            if info.state != 2 or info.parent is not None:
                return False
            if not function_scope(info.node).self_contained:
                return False
        if found.written & self.closure(name):
            return False
        return all(self.clean(program, found, m, memo) for m in self.imports.get(name, ()))


def install(program: Program, watch: Watch, reading: Reading) -> None:
    """Put `reading` in `program`, as reading its module would have left it; the modules it
    imports are imported first, in the same order."""
    name = reading.module
    with watch.running(name, program.index):
        for module in reading.imports:
            program.run_module(module)
        for info in reading.defs:
            # Shared, not copied: a function read in full is never changed by a program it is
            # installed in (its body is not read again; Program._normalize copies before it
            # fills in its defaults). Classes are copied: other code may set their attributes.
            program.add_def(info)
        for cls in reading.classes:
            program.add_class(_copy_class(cls))
    _copy_state(reading.state, program.modules[name])
    program.index.asked(reading.probes)
    watch.installed[name] = reading


def _reading(program: Program, watch: Watch, found: _Found, name: str) -> Reading:
    return Reading(
        module=name,
        imports=tuple(watch.imports.get(name, ())),
        closure=watch.closure(name),
        defs=tuple(_copy_def(info) for info in found.defs.get(name, ())),
        classes=tuple(_copy_class(cls) for cls in found.classes.get(name, ())),
        state=_copy_state(program.modules[name], ModuleState(program.modules[name].source)),
        probes=frozenset(watch.probes.get(name, ())),
    )


def _copy_def(info: DefInfo) -> DefInfo:
    return DefInfo(
        id=info.id,
        module=info.module,
        node=info.node,
        qualname=info.qualname,
        parent=info.parent,
        cls=info.cls,
        kind=info.kind,
        params=list(info.params),
        vararg=info.vararg,
        kwonly=list(info.kwonly),
        kwarg=info.kwarg,
        defaults=dict(info.defaults),
        local_names=info.local_names,
        global_names=info.global_names,
        returns=list(info.returns),
        assigned={k: list(v) for k, v in info.assigned.items()},
        state=info.state,
    )


def _copy_class(cls: ClassInfo) -> ClassInfo:
    return ClassInfo(
        id=cls.id,
        module=cls.module,
        name=cls.name,
        bases=list(cls.bases),
        methods=dict(cls.methods),
        attrs={k: list(v) for k, v in cls.attrs.items()},
        accessors=list(cls.accessors),
    )


def _copy_state(source: ModuleState, target: ModuleState) -> ModuleState:
    """`target` (a module's state, same source) given a copy of what `source` holds."""
    target.env = dict(source.env)
    target.star_externs = list(source.star_externs)
    target.state = source.state
    target.sites = set(source.sites)
    target.bindings = list(source.bindings)
    target.env_reads = set(source.env_reads)
    target.notes = set(source.notes)
    target.late_calls = list(source.late_calls)
    target.refs = {k: set(v) for k, v in source.refs.items()}
    target.dynamic = {k: set(v) for k, v in source.dynamic.items()}
    return target
