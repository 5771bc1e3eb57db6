"""Call graph: the function bodies each Tether function may run, from what the code reads.

A Lambda function runs the top-level code of every module it imports (class bodies included),
then its handler. From there it may run any function of the project whose value running code
reads: a call names it, an argument, a default or a dict holds it, a decorator that may keep it
receives it; and every method of a class it reads (instances come from the class). A body that
looks names up at run time (globals(), getattr(module, name)) may run every function and class
of that module. Nothing else can get hold of a function, so nothing else runs: a function
defined twice runs only in the definition its name holds when read (the later one, unless code
read the name in between), and code a handler does not reach is neither granted nor reported
for its function.
The resolver (resolve.py) keeps only the records of the bodies a function may run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tether.analysis.program import Program
from tether.analysis.values import Class, Func, Instance, Lazy, Partial, Value, options

Node = int | str  # a function's id, or a module's name for its top-level code


class CallGraph:
    """Which function bodies each body may run; built once the program was read."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self._members: dict[int, list[int]] = {}  # class id -> the functions its body defines
        self._module_defs: dict[str, list[int]] = {}  # module -> every function in it
        for info in program.defs.values():
            self._module_defs.setdefault(info.module, []).append(info.id)
        for cls in program.classes.values():
            self._members[cls.id] = [*cls.methods.values(), *cls.accessors]
        self._top: dict[str, list[Value]] | None = None  # see `top`: few bodies ask it
        self._edges: dict[Node, tuple[int, ...]] = {}

    def top(self, module: str) -> list[Value]:
        """What a lookup by name in `module` may find: the values of its names once imported,
        and every function and class it defines at top level (one redefined later may be
        found too, when the lookup runs while the module is being imported)."""
        if self._top is None:
            program = self.program
            found = {name: list(state.env.values()) for name, state in program.modules.items()}
            for info in program.defs.values():
                if info.cls is None and info.parent is None:
                    found.setdefault(info.module, []).append(Func(info.id))
            for cls in program.classes.values():
                found.setdefault(cls.module, []).append(Class(cls.id))
            self._top = found
        return self._top.get(module, [])

    def live(self, modules: Iterable[str], handlers: Iterable[int]) -> frozenset[int]:
        """The functions that importing `modules` and calling `handlers` may run."""
        seen: set[int] = set()
        stack: list[int] = list(handlers)
        for module in modules:
            stack.extend(self.edges(module))
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(self.edges(node))
        return frozenset(seen)

    def every_function(self, modules: Iterable[str]) -> frozenset[int]:
        """Every function of `modules`: what may run when the handler is not a plain function
        of the project (an object, a value analysis lost)."""
        return frozenset(d for module in modules for d in self._module_defs.get(module, ()))

    def edges(self, node: Node) -> tuple[int, ...]:
        """The functions body `node` may run directly."""
        found = self._edges.get(node)
        if found is None:
            found = self._edges[node] = tuple(sorted(set(self._targets(node))))
        return found

    def _targets(self, node: Node) -> Iterator[int]:
        program = self.program
        if isinstance(node, str):
            state, owner = program.modules.get(node), None
        else:
            info = program.defs[node]
            state, owner = program.modules.get(info.module), node
        if state is None:
            return
        for value in state.refs.get(owner, ()):
            yield from self._runnable(value)
        for module in state.dynamic.get(owner, ()):
            for value in self.top(module):
                yield from self._runnable(value)

    def _runnable(self, value: Value) -> Iterator[int]:
        if isinstance(value, Lazy):
            value = self.program.expand(value)
        for option in options(value):
            if isinstance(option, Func):
                yield option.id
            elif isinstance(option, Class | Instance):
                cls_id = option.id if isinstance(option, Class) else option.cls
                for info in self.program.mro(cls_id):
                    yield from self._members.get(info.id, ())
            elif isinstance(option, Partial):
                yield from self._runnable(option.func)
