"""Per function: the operations its code performs, and what analysis could not resolve.

For one Tether function, every site recorded in the bodies it may run (callgraph.py: its
modules' top-level code, its handler, and what they reach) is replayed once per call context:
an argument (`Param`) is replaced by the value each of those callers passes (the handler's
first argument is the trigger event), up the call chain. Each concrete call becomes requests
(calls.py), each request's resource name is resolved (names.py), and the result is either an
operation (`Operation(origin="code")`) or a finding with file, line and a hint.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from tether.analysis import actions, calls
from tether.analysis.callgraph import CallGraph
from tether.analysis.calls import NOUNS, Request
from tether.analysis.imports import ModuleIndex, SourceModule, handler_module
from tether.analysis.names import Names, Outcome, article, label, resource_like
from tether.analysis.program import Program
from tether.analysis.reach import Reach
from tether.analysis.records import EnvRead, Site
from tether.analysis.values import (
    UNKNOWN,
    CallOf,
    Const,
    EventPath,
    Func,
    GetAttr,
    GetItem,
    IterOf,
    Method,
    Param,
    Seq,
    Union,
    Unknown,
    Unreached,
    Value,
    free_params,
    is_symbolic,
    options,
    substitute,
)
from tether.errors import Severity
from tether.model import Function, Location, Operation, Table, iam

MAX_CONTEXTS = 256
MAX_FILLS = 200
MAX_POSITIONAL = 3  # boto3's helpers name the resource in their first three arguments
MAX_DEPTH = 8
RESERVED_PREFIXES = ("AWS_", "LAMBDA_", "_")
RESERVED = frozenset({"TZ", "LANG", "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "HOME", "HOSTNAME"})


@dataclass(frozen=True, order=True)
class Finding:
    """A problem in one function's code; `yaml` is the operations line that would fix it."""

    file: str
    line: int
    column: int
    severity: Severity
    message: str
    hint: str = ""
    yaml: str = ""


@dataclass(frozen=True)
class Result:
    operations: tuple[Operation, ...]
    closure: frozenset[str]
    findings: tuple[Finding, ...]
    indexes: tuple[tuple[str, str], ...]
    reads: tuple[str, ...] = ()  # resources whose variable the code reads without calling them


class FunctionResolver:
    """Resolves the code of one function against the project."""

    def __init__(
        self,
        program: Program,
        index: ModuleIndex,
        names: Names,
        function: Function,
        shared: Shared,
        modules: list[SourceModule],
    ) -> None:
        self.program = program
        self.index = index
        self.names = names
        self.function = function
        self.shared = shared
        self.modules = modules
        self.module_names = {m.name for m in self.modules}
        self.handler_defs = shared.handler_defs.get(function.name, frozenset())
        if function.name in shared.opaque_handlers:
            self.live = shared.graph.every_function(self.module_names)
        else:
            self.live = shared.graph.live(self.module_names, self.handler_defs)
        self.callers: dict[int, list[dict[str, Value]]] = defaultdict(list)
        for module in self.modules:
            state = program.modules.get(module.name)
            if state is None:
                continue
            for binding in state.bindings:
                if not self.runs(binding.owner):
                    continue  # a call in code this function never runs
                calls_of = self.callers[binding.func]
                values = dict(binding.values)
                if values not in calls_of:  # loops record a call twice
                    calls_of.append(values)
        self.operations: dict[tuple[str, str, int, int], set[str]] = defaultdict(set)
        self.findings: set[Finding] = set()
        self.indexes: set[tuple[str, str]] = set()
        self.reads: set[str] = set()
        self.missing_env_reported: set[str] = set()

    def runs(self, owner: int | None) -> bool:
        """Whether this function may run the body `owner` (None: a module's top-level code)."""
        return owner is None or owner in self.live

    # --- the whole function ---------------------------------------------------------------

    def run(self) -> Result:
        for module in sorted(self.modules, key=lambda m: m.file):
            error = module.error
            hint = "fix the file; until then Tether cannot see the AWS calls it makes"
            if error is None and module.name in self.program.too_deep:
                error = (
                    1,
                    1,
                    "its code is nested too deeply to follow (a very long expression, or a "
                    "long chain of calls)",
                )
                hint = (
                    "until it is shorter, Tether cannot see the AWS calls it makes: declare "
                    "them under the function's `operations:` in tether.yaml"
                )
            if error is not None:
                line, column, message = error
                self.findings.add(
                    Finding(
                        module.file,
                        line,
                        column,
                        "warning",
                        f"{module.file} cannot be analysed: {message}",
                        hint,
                    )
                )
        states = [
            state
            for module in sorted(self.modules, key=lambda m: m.file)
            if (state := self.program.modules.get(module.name)) is not None
        ]
        reads = [
            read
            for state in states
            for read in sorted(state.env_reads, key=_read_key)
            if self.runs(read.owner)
        ]
        for read in reads:
            if resource_like(read.var):
                self.check_env_read(read)  # reported where the variable is read
        for state in states:
            for site in sorted(state.sites, key=_site_key):
                if self.runs(site.owner):
                    self.site(site)
            for note in state.notes:
                if self.runs(note.owner):
                    self.findings.add(
                        Finding(
                            note.file, note.line, note.column, "warning", note.message, note.hint
                        )
                    )
        for read in reads:
            if not resource_like(read.var) and read.var not in self.missing_env_reported:
                self.check_env_read(read)
        self.check_unlinked_reads()
        operations = tuple(
            sorted(
                (
                    Operation(
                        resource=resource,
                        actions=tuple(sorted(granted)),
                        location=Location(file, line, column),
                        origin="code",
                    )
                    for (resource, file, line, column), granted in self.operations.items()
                ),
                key=lambda o: (o.location.file, o.location.line, o.location.column, o.resource),
            )
        )
        return Result(
            operations=operations,
            closure=frozenset(m.file for m in self.modules),
            findings=tuple(sorted(self.findings)),
            indexes=tuple(sorted(self.indexes)),
            reads=tuple(sorted(self.reads)),
        )

    # --- call contexts ----------------------------------------------------------------------

    def contexts(self, packed: Value, *, hot_only: bool = False) -> Iterator[Value]:
        """`packed` with every argument filled in, once per distinct call context (at most
        MAX_CONTEXTS of them, found with at most MAX_FILLS substitutions: a long chain of
        callers with many call sites each is not explored to the end)."""
        seen: set[Value] = set()
        stack: list[tuple[Value, tuple[int, ...]]] = [(packed, ())]
        fills = 0
        while stack and len(seen) < MAX_CONTEXTS and fills < MAX_FILLS:
            value, visited = stack.pop()
            if not is_symbolic(value):
                if value not in seen:
                    seen.add(value)
                    yield value
                continue
            value = self.program.expand(value)
            params = free_params(value)
            if not params:
                if value not in seen:
                    seen.add(value)
                    yield value
                continue
            # The function defined last first (by its place in the program, not its id).
            func_id = max((p.func for p in params), key=self.program.positions.__getitem__)
            bindings = self.bindings(func_id)
            if not bindings or func_id in visited or len(visited) >= MAX_DEPTH:
                fills += 1
                stack.append((self.fill(value, func_id, self.missing(func_id)), visited))
                continue
            names = {p.name for p in params if p.func == func_id}
            for binding in bindings:
                if hot_only and not any(
                    self.shared.reach.hot(binding[n]) for n in names if n in binding
                ):
                    continue  # this caller passes nothing that leads to boto3
                fills += 1
                stack.append((self.fill(value, func_id, binding), (*visited, func_id)))

    def bindings(self, func_id: int) -> list[dict[str, Value]]:
        found = list(self.callers.get(func_id, []))
        if func_id in self.handler_defs:
            info = self.program.defs[func_id]
            params = info.params
            event: dict[str, Value] = {}
            if params:
                event[params[0]] = EventPath(())
            if len(params) > 1:
                event[params[1]] = Unknown("it is the Lambda context object")
            found.append(event)
        return found

    def missing(self, func_id: int) -> dict[str, Value]:
        """Values for the arguments of a function no code this function runs calls (it hands
        the function on, or the call chain is too long to follow): defaults where it has them,
        else what the arguments may be is unknown."""
        info = self.program.defs[func_id]
        names = [*info.params, *info.kwonly, info.vararg or "", info.kwarg or ""]
        values: dict[str, Value] = dict(info.defaults)
        callers = (
            "no code of the project calls"
            if func_id not in self.shared.called
            else f"no code of function '{self.function.name}' calls"
        )
        for name in names:
            if not name or name in values:
                continue
            if func_id in self.callers or func_id in self.handler_defs:
                values[name] = Unreached()  # a recursive or too long chain: seen elsewhere
            else:
                values[name] = Unknown(
                    f"it comes from argument {name!r} of {info.describe()}, which {callers}"
                )
        return values

    def fill(self, value: Value, func_id: int, binding: dict[str, Value]) -> Value:
        def leaf(item: Value) -> Value | None:
            if isinstance(item, Param) and item.func == func_id:
                found = binding.get(item.name)
                return (
                    found if found is not None else Unknown(f"argument {item.name!r} is not passed")
                )
            return None

        return substitute(value, leaf, self.program)

    # --- sites --------------------------------------------------------------------------------

    def site(self, site: Site) -> None:
        known = self.shared.known
        cached = known.requests.get(site)
        if cached is not None:
            # A site with no argument in it: the same requests for every function.
            for request in cached:
                self.request(site, request)
            return
        if not self.reaches_boto(site):
            return
        packed = known.packed.get(site)
        if packed is None:
            packed = known.packed[site] = _packed(site)
        granted_any = False
        untraced: list[Unknown] = []
        found: list[Request] = []
        for concrete in self.contexts(packed):
            func, args, kwargs = _unpack(concrete)
            key = (site.kind, func, args, kwargs, site.name)
            requests = known.concrete.get(key)
            if requests is None:
                requests = known.concrete[key] = tuple(
                    calls.requests(site.kind, func, args, kwargs, site.name)
                )
            found.extend(r for r in requests if r not in found)
            granted_any = granted_any or bool(requests)
            untraced.extend(o for o in options(func) if isinstance(o, Unknown))
        # A receiver that may be one of several clients: a method only one of them has is
        # that one's call, not an unknown method of the others.
        valid = any(not r.problem for r in found)
        kept = [r for r in found if not (valid and r.problem == "unknown-method")]
        if not is_symbolic(packed) and not untraced:
            known.requests[site] = tuple(kept)
        for request in kept:
            self.request(site, request)
        if site.kind == "call" and not granted_any and untraced:
            self.untraced(site, untraced[0])

    def reaches_boto(self, site: Site) -> bool:
        """Whether some call context makes the site's receiver a boto3 object (or one analysis
        lost, for the look-alike warning): the receiver alone is cheap to fill in; the
        arguments are filled in only for sites that pass this test."""
        if not is_symbolic(site.func):
            return True
        lookalike = site.kind == "call" and site.name in actions.client_method_names()
        if _boto_shaped(site.func):
            return True  # a boto3 object whose name (not its kind) waits for the arguments
        if not lookalike and not self.shared.reach.may_reach(site.func):
            return False
        for receiver in self.contexts(site.func, hot_only=not lookalike):
            for option in options(receiver):
                if isinstance(option, Method) and calls.is_boto(option.recv):
                    return True
                if site.kind != "call" and calls.is_boto(option):
                    return True
                if lookalike and isinstance(option, Unknown):
                    return True
        return False

    def untraced(self, site: Site, receiver: Unknown) -> None:
        """x.put_object(Bucket=...) on an object analysis lost track of."""
        services = [
            service
            for service in sorted(actions.client_method_names().get(site.name, ()))
            if (method := actions.method(service, site.name)) is not None
            and set(method.params) & site.keywords
        ]
        if not services:
            return
        method = actions.method(services[0], site.name)
        assert method is not None
        why = f": {receiver.why}" if receiver.why else ""
        self.add(
            site,
            "warning",
            f"{site.name}({method.params[0]}=...) looks like {article(services[0])} call, but "
            "analysis "
            f"cannot tell which client it is called on{why}",
            "create the client with boto3.client(...) where analysis can see it, or declare "
            "the operation",
            yaml=_yaml("<name>", method.actions),
            service=services[0],
        )

    def request(self, site: Site, request: Request) -> None:
        if request.problem:
            self.problem(site, request)
            return
        if not request.actions:
            return
        if request.identity is None:
            self.add(
                site,
                "warning",
                f"{request.label} acts on every {NOUNS.get(request.service, 'resource')} "
                f"({', '.join(request.actions)}): Tether grants actions on named resources only",
                "grant it outside Tether if the function really needs it",
            )
            return
        outcomes = self.names.resolve(request.identity, request.service, self.function)
        # One of several values (joined branches) naming another service's resource next to
        # a valid one is likely analysis joining paths: a warning, not an error.
        uncertain = any(o.kind == "resource" for o in outcomes)
        for outcome in outcomes:
            self.outcome(site, request, outcome, uncertain=uncertain)

    def outcome(
        self, site: Site, request: Request, outcome: Outcome, *, uncertain: bool = False
    ) -> None:
        noun = NOUNS.get(request.service, "resource")
        if outcome.kind == "resource":
            resource = self.names.project.resources[outcome.resource]
            for action in request.actions:
                scopes = set(iam.resource_types(action) or ()) & resource.scopes
                if isinstance(resource, Table) and not resource.has_stream:
                    scopes.discard("stream")
                if not scopes:
                    self.add(
                        site,
                        "warning",
                        f"{request.label} needs {action}, which cannot be limited to "
                        f"{label(resource)}",
                        "Tether does not grant it; grant it outside Tether if needed",
                    )
                    continue
                key = (resource.name, site.file, site.line, site.column)
                self.operations[key].add(action)
            self.check_index(site, request, resource)
            return
        if outcome.kind == "ignore":
            return
        if outcome.kind == "unmanaged":
            self.unmanaged(site, request, outcome.why)
            return
        if outcome.kind == "mismatch":
            other = self.names.project.resources[outcome.resource]
            same = [r for r in self.names.of_service(request.service) if r.env_var]
            choices = ", ".join(r.env_var for r in same if r.env_var)
            self.add(
                site,
                "warning" if uncertain else "error",
                f"{request.label} needs a {noun}, but {outcome.via} names {label(other)}",
                (f"pass a {noun}: {choices}" if choices else f"the project declares no {noun}")
                + f"; or call {label(other)} with {article(other.service)} client",
            )
            return
        if outcome.kind == "missing-env":
            if outcome.var in self.missing_env_reported:
                return
            if outcome.var in self.names.configured:
                return  # set for another function: this code is presumably that one's
            self.missing_env_reported.add(outcome.var)
            self.add(
                site,
                "error",
                f"{request.label} is given {outcome.via}, but Tether sets {outcome.var} for no "
                f"resource and function '{self.function.name}' has no such `environment:` entry",
                self.names.suggest_env(outcome.var, self.function)
                + f"Tether sets <NAME>_{_env_suffix(request.service)} for each {noun} the "
                "function uses",
            )
            return
        param = f" ({request.param}=)" if request.param else ""
        self.add(
            site,
            "warning",
            f"cannot tell which {noun} {request.label}{param} calls: {outcome.why}",
            "",
            yaml=_yaml("<name>", request.actions),
            service=request.service,
        )

    def problem(self, site: Site, request: Request) -> None:
        if request.problem == "unmodeled":
            self.add(
                site,
                "warning",
                f"{request.label}: Tether does not manage {request.service} permissions, so this "
                "call gets none",
                "Tether grants calls to s3, dynamodb, sns and sqs; give the function's role the "
                f"{request.service} permission it needs outside Tether",
            )
        elif request.problem == "unmanaged":
            self.unmanaged(site, request, request.detail)
        elif request.problem == "unsupported":
            self.add(
                site,
                "warning",
                f"{request.label} cannot be granted by Tether: {request.detail}",
                "grant it outside Tether if the function needs it",
            )
        elif request.problem == "unknown-method":
            detail = f": {request.detail}" if request.detail else ""
            method = request.label.rpartition(".")[2]
            known = list(actions.methods(request.service))
            close = difflib.get_close_matches(method, known, n=1)
            self.add(
                site,
                "warning",
                f"{request.label} is not a boto3 call Tether knows{detail}",
                f"did you mean {close[0]}? "
                if close and not detail
                else "declare the operation if the call reaches a resource",
                yaml=_yaml("<name>", ()) if detail else "",
                service=request.service,
            )
        elif request.problem == "unknown-service":
            self.add(
                site,
                "warning",
                f"{request.label}: {request.detail}, so analysis cannot tell what it calls",
                'pass the service name as a literal, e.g. boto3.client("s3")',
            )

    def unmanaged(self, site: Site, request: Request, what: str) -> None:
        """A call aimed at something that is not a resource (an SMS): no grant, and no
        operation to declare, since no resource of the project can stand for it."""
        noun = NOUNS.get(request.service, "resource")
        param = f"({request.param}=...)" if request.param else ""
        self.add(
            site,
            "warning",
            f"{request.label}{param} {what}, which is not {article(noun)} operation: Tether does "
            "not manage it, so this call gets no permission",
            f"if the function needs it, give its role {', '.join(request.actions)} outside Tether",
        )

    def check_index(self, site: Site, request: Request, resource: object) -> None:
        if request.index is None or not isinstance(resource, Table):
            return
        for option in options(request.index):
            if not (isinstance(option, Const) and isinstance(option.value, str)):
                continue
            name = option.value
            self.indexes.add((resource.name, name))
            declared = [i.name for i in resource.indexes]
            if not resource.is_external and name not in declared:
                close = difflib.get_close_matches(name, declared, n=1)
                self.add(
                    site,
                    "warning",
                    f"{request.label} uses index {name!r}, which table '{resource.name}' does "
                    "not declare",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + f"declare it under `indexes:` of table '{resource.name}'",
                )

    # --- environment variables ------------------------------------------------------------------

    def check_env_read(self, read: EnvRead) -> None:
        var = read.var
        if var in self.names.by_env or var in dict(self.function.environment):
            return
        if var.startswith(RESERVED_PREFIXES) or var in RESERVED:
            return
        if resource_like(var):
            severity: Severity = "warning" if read.kind == "default" else "error"
            self.missing_env_reported.add(var)
            self.findings.add(
                Finding(
                    read.file,
                    read.line,
                    read.column,
                    severity,
                    f"os.environ[{var!r}] names no resource: Tether sets {var} for no resource "
                    "of the project",
                    self.names.suggest_env(var, self.function)
                    + "Tether sets <NAME>_BUCKET, <NAME>_TABLE, <NAME>_TOPIC_ARN and "
                    "<NAME>_QUEUE_URL for the resources a function uses; declare the resource, "
                    "or fix the name",
                )
            )
        elif read.kind == "index" and read.on_import and var not in self.names.configured:
            self.findings.add(
                Finding(
                    read.file,
                    read.line,
                    read.column,
                    "warning",
                    f"os.environ[{var!r}] is not set for function '{self.function.name}': the "
                    "read raises KeyError",
                    self.names.suggest_env(var, self.function)
                    + f"set it under `environment:` of function '{self.function.name}'",
                )
            )

    def check_unlinked_reads(self) -> None:
        """os.environ["X_BUCKET"] of a resource the function is not tied to, read by code the
        function runs (its modules' import, or a function it calls): without the variable the
        read raises KeyError, so the function gets it (`reads`), and no permission with it.
        A module often reads every variable at import while each handler calls only some
        resources (several handlers in one file)."""
        linked = set(self.function.linked_resources()) | {r for r, *_ in self.operations}
        for module in self.modules:
            state = self.program.modules.get(module.name)
            if state is None:
                continue
            for read in state.env_reads:
                resource = self.names.by_env.get(read.var)
                if resource is None or resource.name in linked or read.kind != "index":
                    continue
                if not self.runs(read.owner) or read.var in dict(self.function.environment):
                    continue
                self.reads.add(resource.name)

    # --- findings ---------------------------------------------------------------------------------

    def add(
        self,
        site: Site,
        severity: Severity,
        message: str,
        hint: str,
        *,
        yaml: str = "",
        service: str = "",
    ) -> None:
        if yaml and service:
            choices = [r.name for r in self.names.of_service(service)]
            if choices:
                yaml += f"\n        where <name> is one of: {', '.join(choices)}"
        self.findings.add(Finding(site.file, site.line, site.column, severity, message, hint, yaml))


# A concrete site: its kind, callee, arguments, keywords and name (calls.requests's arguments).
Concrete = tuple[str, Value, tuple[Value, ...], tuple[tuple[str, Value], ...], str]


@dataclass
class Known:
    """What resolving learns that holds for every function and every group of one analysis
    (each a pure function of its key, so one analysis keeps one of each table): a helper's
    sites are resolved the same way for each function that imports it."""

    # The requests of each site whose values hold no argument.
    requests: dict[Site, tuple[Request, ...]] = field(default_factory=dict)
    # Each site's callee, arguments and keywords packed into one value to fill in (`_packed`).
    packed: dict[Site, Value] = field(default_factory=dict)
    # The requests of each concrete call (calls.requests).
    concrete: dict[Concrete, tuple[Request, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Shared:
    """What the resolver of each function of a group needs to know about its program."""

    handler_defs: dict[str, frozenset[int]]  # function name -> its handler's defs
    # Functions whose handler is not only functions of the project: they may run everything.
    opaque_handlers: frozenset[str]
    called: frozenset[int]  # defs some module of the closure calls
    reach: Reach
    graph: CallGraph
    known: Known = field(default_factory=Known)  # the analysis's, shared by its groups


def shared_facts(
    program: Program, functions: dict[str, Function], known: Known | None = None
) -> Shared:
    handler_defs: dict[str, frozenset[int]] = {}
    opaque: set[str] = set()
    for name, function in functions.items():
        module = handler_module(function.handler)
        state = program.modules.get(module)
        value = state.env.get(function.handler_function) if state is not None else None
        found = options(value) if value is not None else ()
        handler_defs[name] = frozenset(o.id for o in found if isinstance(o, Func))
        rebound = (module, function.handler_function) in program.global_writes
        if not found or rebound or not all(isinstance(o, Func) for o in found):
            opaque.add(name)
    called = frozenset(b.func for s in program.modules.values() for b in s.bindings)
    return Shared(
        handler_defs,
        frozenset(opaque),
        called,
        Reach(program),
        CallGraph(program),
        Known() if known is None else known,
    )


def _packed(site: Site) -> Value:
    """The site's callee, arguments and keywords as one value, to fill in per call context:
    only the arguments that can name a resource (the first few, the relevant keywords)."""
    relevant = actions.relevant_keywords()
    return Seq(
        (
            site.func,
            Seq(tuple(a if i < MAX_POSITIONAL else UNKNOWN for i, a in enumerate(site.args))),
            Seq(tuple(Seq((Const(k), v if k in relevant else UNKNOWN)) for k, v in site.kwargs)),
        )
    )


def _boto_shaped(value: Value) -> bool:
    """A boto3 object, or an operation on one, whatever its arguments turn out to be."""
    if calls.is_boto(value):
        return True
    if isinstance(value, Method):
        return _boto_shaped(value.recv)
    if isinstance(value, GetAttr | GetItem | IterOf):
        return _boto_shaped(value.base)
    if isinstance(value, CallOf):
        return _boto_shaped(value.func)
    return any(_boto_shaped(o) for o in value.options) if isinstance(value, Union) else False


def _unpack(value: Value) -> tuple[Value, tuple[Value, ...], tuple[tuple[str, Value], ...]]:
    """The callee, arguments and keywords packed into a Seq for substitution."""
    if isinstance(value, Seq) and len(value.items) == 3:
        func, args, kwargs = value.items
        if isinstance(args, Seq) and isinstance(kwargs, Seq):
            pairs: list[tuple[str, Value]] = []
            for pair in kwargs.items:
                if isinstance(pair, Seq) and len(pair.items) == 2:
                    key, item = pair.items
                    if isinstance(key, Const) and isinstance(key.value, str):
                        pairs.append((key.value, item))
            return func, args.items, tuple(pairs)
    return Unknown("it is computed in too many steps to follow"), (), ()


def _yaml(resource: str, granted: tuple[str, ...]) -> str:
    listed = ", ".join(f'"{a}"' for a in granted) or '"<service>:<Action>"'
    return f"- {{resource: {resource}, actions: [{listed}]}}"


def _env_suffix(service: str) -> str:
    return {"s3": "BUCKET", "dynamodb": "TABLE", "sns": "TOPIC_ARN", "sqs": "QUEUE_URL"}.get(
        service, "..."
    )


def _site_key(site: Site) -> tuple[str, int, int, str, str]:
    return (site.file, site.line, site.column, site.kind, site.name)


def _read_key(read: EnvRead) -> tuple[str, int, int, str]:
    return (read.file, read.line, read.column, read.var)
