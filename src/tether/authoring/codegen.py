"""Insert a catalogue operation into handler code: the call where the user dropped the resource,
plus what it needs at module level (imports, one client per service), as insertions only.

    inserted = insert_operation(source, 42, operation("s3.put_object"), "THUMBS_BUCKET")
    inserted.source        # the module's new text: every original line kept, unchanged, in order
    inserted.line          # where the call now is (1-based)
    inserted.added_lines   # every inserted line, for the diff and the editor's highlight

The code generated is the code a person would write, in a form Tether's analysis attributes to
the resource (the catalogue's `actions` are what it grants):

- the call goes before the statement at `line`, indented as it; on a blank or comment line, in
  the block the line sits in; past the end of the file, at module level. A line inside a
  multi-line statement, at class level, or in a file that does not parse is refused.
- `import boto3`, `import os` (and `import json` when the code uses it) are added with the
  module's other imports if missing; the client is created once at module level, next to the
  module's other clients, or reused (any name) when the module has one for the service. A
  DynamoDB table is called through the module's `Table` resource for that variable if it has one,
  else through the client API with typed attribute values, as examples/photos does.
- the resource's name is the module's constant for the environment variable if it has one, else
  `os.environ["<VAR>"]` inline.
- new local names (`body`, `response`...) never reuse a name the scope already has.
"""

from __future__ import annotations

import ast
import io
import re
import symtable
import sys
import tokenize
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from tether.authoring.catalogue import EVENT_JSON, OperationSpec
from tether.authoring.edits import AuthoringError

MAX_LINE = 99  # longer generated lines are wrapped, one argument per line
NO_EVENT_JSON = '"hello"'  # the message where the handler's `event` is not in scope
CLAUSE = re.compile(r"\s*(elif|else|except|finally)\b")  # continues a compound statement
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})


@dataclass(frozen=True)
class Inserted:
    source: str  # the module's new text
    line: int  # 1-based line of the inserted call in the new text
    added_lines: tuple[int, ...]  # 1-based lines (in the new text) that were inserted


def insert_operation(
    source: str,
    line: int,
    spec: OperationSpec,
    env_var: str,
    params: Mapping[str, str] | None = None,
    *,
    path: str = "handler.py",
) -> Inserted:
    """`source` with the operation `spec` on the resource of `env_var` inserted at `line`."""
    given = _given(spec, params or {})
    module = _Module(source, path)
    target = module.target(line)
    return _Generator(module, target, spec, env_var, given).run()


# --- parameters ---------------------------------------------------------------------------


def _given(spec: OperationSpec, params: Mapping[str, str]) -> dict[str, str]:
    """The user's values, checked: each a known parameter and a Python expression."""
    names = [p.name for p in spec.params]
    given: dict[str, str] = {}
    for name, text in params.items():
        if name not in names:
            raise AuthoringError(
                f"{spec.id} has no parameter {name!r}",
                hint="one of: " + ", ".join(names) if names else f"{spec.id} takes none",
                field=name,
            )
        expression = text.strip()
        if not expression:
            continue  # an empty field: the default, or nothing
        try:
            ast.parse(expression, mode="eval")
        except SyntaxError as error:
            raise AuthoringError(
                f"{name}: {expression!r} is not a Python expression ({error.msg})",
                hint='write a value such as "text", 3600, a variable or event["key"]',
                field=name,
            ) from None
        given[name] = expression
    return given


# --- the module ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Level:
    """A block of statements: where code can go, and in which scope it runs."""

    body: list[ast.stmt]
    owner: ast.AST  # Module, or the compound statement holding the block
    scope: ast.AST  # the nearest Module, function or class
    functions: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]  # enclosing, innermost last
    parent: _Level | None


@dataclass(frozen=True)
class _Target:
    index: int  # the code goes before raw line `index` (0-based; len(raw): at the end)
    indent: str
    level: _Level
    line: int  # the line the user gave, for messages


def _start(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _bodies(node: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        body = getattr(node, name, None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            yield body
    for handler in getattr(node, "handlers", []):
        yield handler.body
    for case in getattr(node, "cases", []):
        yield case.body


class _Module:
    """The parsed module: its raw lines, statements, logical lines and scopes."""

    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path
        try:
            self.tree = ast.parse(source, filename=path)
            self.symbols = symtable.symtable(source, path, "exec")
        except SyntaxError as error:
            where = f"{path}:{error.lineno}" if error.lineno else path
            raise AuthoringError(
                f"{where}: the file has a syntax error ({error.msg})",
                hint=f"fix line {error.lineno} first, then add the operation",
            ) from None
        self.raw: list[str] = _LINE.findall(source)
        first = re.search(r"\r\n|\r|\n", source)
        self.newline = first.group() if first else "\n"
        self.level_of: dict[int, _Level] = {}
        self.statements: list[ast.stmt] = []
        self.root = self._walk(self.tree.body, self.tree, self.tree, (), None)
        self.inside: dict[int, int] = {}  # line -> first line of the statement it continues
        self.header_ends: set[int] = set()  # last lines of logical lines that end with ':'
        self.logical_ends: list[int] = []
        self._logical_lines()
        for node in self.statements:
            start = _start(node)
            for number in range(start + 1, node.lineno + 1):  # decorators, then `def`
                self.inside[number] = start
        self.step = self._indent_step()

    # -- structure

    def _walk(
        self,
        body: list[ast.stmt],
        owner: ast.AST,
        scope: ast.AST,
        functions: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...],
        parent: _Level | None,
    ) -> _Level:
        level = _Level(body, owner, scope, functions, parent)
        for node in body:
            self.level_of[id(node)] = level
            self.statements.append(node)
            inner_scope, inner_functions = scope, functions
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner_scope, inner_functions = node, (*functions, node)
            elif isinstance(node, ast.ClassDef):
                inner_scope = node
            for inner in _bodies(node):
                self._walk(inner, node, inner_scope, inner_functions, level)
        return level

    def _logical_lines(self) -> None:
        start = 0
        last = ""
        readline = io.StringIO(self.source).readline
        skip = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
        try:
            tokens = list(tokenize.generate_tokens(readline))
        except (tokenize.TokenError, SyntaxError) as error:  # what ast.parse let through
            raise AuthoringError(
                f"{self.path}: the file cannot be read as Python ({error})",
                hint="fix it first, then add the operation",
            ) from None
        for token in tokens:
            if token.type in skip or token.type == tokenize.ENDMARKER:
                continue
            if token.type == tokenize.NEWLINE:
                if start:
                    for number in range(start + 1, token.start[0] + 1):
                        self.inside[number] = start
                    if last == ":":
                        self.header_ends.add(token.start[0])
                    self.logical_ends.append(token.start[0])
                start, last = 0, ""
                continue
            if not start:
                start = token.start[0]
            last = token.string

    def _indent_step(self) -> str:
        for node in self.statements:
            for body in _bodies(node):
                inner = self.indent_of(body[0])
                outer = self.indent_of(node)
                if inner is not None and outer is not None and inner.startswith(outer):
                    step = inner[len(outer) :]
                    if step:
                        return step
        return "    "

    def text(self, number: int) -> str:
        """Line `number` (1-based) without its line ending."""
        return self.raw[number - 1].rstrip("\r\n")

    def indent_of(self, node: ast.stmt) -> str | None:
        """The indentation of the line `node` starts, if `node` is the first thing on it."""
        text = self.text(_start(node))
        indent = text[: len(text) - len(text.lstrip(" \t\f"))]
        return indent if len(indent.encode()) == node.col_offset else None

    def level_indent(self, level: _Level) -> str | None:
        if level.owner is self.tree:
            return ""
        return self.indent_of(level.body[0])

    # -- where the code goes

    def target(self, line: int) -> _Target:
        count = len(self.raw)
        if line < 1:
            raise AuthoringError(
                f"{self.path}: there is no line {line}", hint="lines start at 1", field="line"
            )
        if line > count:  # past the end: module level
            return _Target(count, "", self.root, line)
        if line in self.inside:
            start = self.inside[line]
            raise AuthoringError(
                f"{self.path}:{line} is inside a statement",
                hint=f"drop it on a line between statements (line {start} starts this statement)",
                field="line",
            )
        text = self.text(line)
        starting = [n for n in self.statements if _start(n) == line]
        if starting and not CLAUSE.match(text):
            node = min(starting, key=lambda n: n.col_offset)
            level = self.level_of[id(node)]
            index = line - 1
            if node is level.body[0] and _is_docstring(node) and level.owner is not self.tree:
                index = node.end_lineno or node.lineno  # after a function's docstring
            indent = self.indent_of(node)
            assert indent is not None
            return self._checked(_Target(index, indent, level, line))
        comment = text.lstrip().startswith("#")
        target = self._between(line, comment)
        if comment and target.index == line - 1:
            top = line  # a comment stays with the comment lines above it, as one paragraph
            while top > 1 and top - 1 not in self.inside:
                above = self.text(top - 1)
                if not above.lstrip().startswith("#") or _indent(above) != _indent(text):
                    break
                top -= 1
            target = replace(target, index=top - 1)
        return self._checked(target)

    def _between(self, line: int, comment: bool) -> _Target:
        """A blank, comment or clause (`else:`) line: the block it sits in."""
        before = [n for n in self.statements if (n.end_lineno or n.lineno) < line]
        after = [n for n in self.statements if _start(n) > line]
        following = min(after, key=lambda n: (_start(n), n.col_offset)) if after else None
        previous_end = max((e for e in self.logical_ends if e < line), default=0)
        if following is not None and previous_end in self.header_ends:
            block = self.level_of[id(following)]  # the first line(s) of a block
            indent = self.level_indent(block)
            if indent is not None:
                index = line - 1
                if _is_docstring(following) and block.owner is not self.tree:
                    index = following.end_lineno or following.lineno
                return _Target(index, indent, block, line)
        if not before:
            first = self.level_of[id(following)] if following is not None else self.root
            return _Target(line - 1, self.level_indent(first) or "", first, line)
        last = max(before, key=lambda n: (n.end_lineno or n.lineno, self._depth(n)))
        chain: list[_Level] = []
        level: _Level | None = self.level_of[id(last)]
        while level is not None:  # the blocks that end before the line, innermost first
            chain.append(level)
            owner = level.owner
            if not isinstance(owner, ast.stmt) or (owner.end_lineno or owner.lineno) >= line:
                break
            level = self.level_of[id(owner)]
        usable = [lv for lv in chain if self.level_indent(lv) is not None]
        if not usable:
            usable = [self.root]
        choice = usable[0]
        following_level = self.level_of[id(following)] if following is not None else None
        if comment:
            column = len(self.text(line)) - len(self.text(line).lstrip())
            matching = [lv for lv in usable if len(self.level_indent(lv) or "") == column]
            if matching:
                choice = matching[0]
        elif (
            following_level is not None
            and any(lv is following_level for lv in usable)
            and (
                following_level is usable[0]
                or isinstance(following_level.scope, ast.FunctionDef | ast.AsyncFunctionDef)
            )
        ):
            choice = following_level  # the next statement's block, if in a function
        return _Target(line - 1, self.level_indent(choice) or "", choice, line)

    def _depth(self, node: ast.stmt) -> int:
        depth, level = 0, self.level_of.get(id(node))
        while level is not None:
            depth, level = depth + 1, level.parent
        return depth

    def _checked(self, target: _Target) -> _Target:
        scope = target.level.scope
        if isinstance(scope, ast.ClassDef):
            raise AuthoringError(
                f"{self.path}:{target.line} is in the body of class {scope.name}, not in a "
                "function",
                hint="drop it inside a method, or at module level",
                field="line",
            )
        return target

    # -- scopes

    def function_table(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> symtable.SymbolTable:
        def search(table: symtable.SymbolTable) -> symtable.SymbolTable | None:
            for child in table.get_children():
                if (
                    child.get_type() == "function"
                    and child.get_name() == node.name
                    and child.get_lineno() in (node.lineno, _start(node))
                ):
                    return child
                found = search(child)
                if found is not None:
                    return found
            return None

        found = search(self.symbols)
        assert found is not None, node.name
        return found

    def local_in(self, functions: tuple[ast.AST, ...], name: str) -> bool:
        """Whether `name` is bound in any of these functions (hiding a module-level name)."""
        for node in functions:
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            table = self.function_table(node)
            try:
                symbol = table.lookup(name)
            except KeyError:
                continue
            if symbol.is_local() or symbol.is_parameter():
                return True
        return False

    def names_near(self, level: _Level) -> set[str]:
        """Every name a new local variable of this scope could collide with."""
        names: set[str] = set()
        if not level.functions:
            tables = [self.symbols]
        else:
            tables = [self.function_table(level.functions[-1])]
            for outer in level.functions[:-1]:
                names.update(self.function_table(outer).get_identifiers())
        while tables:
            table = tables.pop()
            names.update(table.get_identifiers())
            tables.extend(table.get_children())
        return names

    def module_names(self) -> set[str]:
        """Names bound at module level, or declared global anywhere."""
        names = set(self.symbols.get_identifiers())
        tables = list(self.symbols.get_children())
        while tables:
            table = tables.pop()
            names.update(s.get_name() for s in table.get_symbols() if s.is_declared_global())
            tables.extend(table.get_children())
        return names


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t\f"))]


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


# --- what the module already has ----------------------------------------------------------


def _assigned(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """(name, value) of a module-level `name = value` or `name: T = value`."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None
    return (target.id, value) if isinstance(target, ast.Name) else None


def _const(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


@dataclass
class _Facts:
    """The module's imports, clients, tables and environment constants, at module level."""

    module: ast.Module
    imports: dict[str, tuple[str, ast.stmt]] = field(default_factory=dict)  # os -> (name, node)
    environ: set[str] = field(default_factory=set)  # names of os.environ / os.getenv
    getenv: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for node in self.module.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in ("os", "boto3", "json") and alias.name not in self.imports:
                        self.imports[alias.name] = (alias.asname or alias.name, node)
                    elif alias.name.startswith("os.") and alias.asname is None:
                        self.imports.setdefault("os", ("os", node))
            elif isinstance(node, ast.ImportFrom) and node.module == "os" and not node.level:
                for alias in node.names:
                    if alias.name == "environ":
                        self.environ.add(alias.asname or alias.name)
                    elif alias.name == "getenv":
                        self.getenv.add(alias.asname or alias.name)

    def name(self, module: str) -> str | None:
        found = self.imports.get(module)
        return found[0] if found else None

    def env_read(self, node: ast.expr | None) -> str | None:
        """The variable an expression reads: os.environ["X"], os.environ.get("X"), getenv."""
        os_name = self.name("os")

        def is_environ(value: ast.expr) -> bool:
            if isinstance(value, ast.Name):
                return value.id in self.environ
            return (
                isinstance(value, ast.Attribute)
                and value.attr == "environ"
                and isinstance(value.value, ast.Name)
                and value.value.id == os_name
            )

        if isinstance(node, ast.Subscript) and is_environ(node.value):
            return _const(node.slice)
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get" and is_environ(func.value):
                return _const(node.args[0])
            if isinstance(func, ast.Name) and func.id in self.getenv:
                return _const(node.args[0])
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "getenv"
                and isinstance(func.value, ast.Name)
                and func.value.id == os_name
            ):
                return _const(node.args[0])
        return None

    def boto3_call(self, node: ast.expr | None, kind: str) -> str | None:
        """The service of `boto3.client("s3")` (kind "client") or `boto3.resource(...)`."""
        boto3_name = self.name("boto3")
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == kind
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == boto3_name
        ):
            return None
        if node.args:
            return _const(node.args[0])
        for keyword in node.keywords:
            if keyword.arg == "service_name":
                return _const(keyword.value)
        return None

    def constants(self, env_var: str) -> list[tuple[str, ast.stmt]]:
        found = []
        for node in self.module.body:
            pair = _assigned(node)
            if pair and self.env_read(pair[1]) == env_var:
                found.append((pair[0], node))
        return found

    def clients(self, service: str) -> list[tuple[str, ast.stmt]]:
        found = []
        for node in self.module.body:
            pair = _assigned(node)
            if pair and self.boto3_call(pair[1], "client") == service:
                found.append((pair[0], node))
        return found

    def tables(self, env_var: str) -> list[tuple[str, ast.stmt]]:
        """Module-level `NAME = <dynamodb resource>.Table(<the variable>)`."""
        resources: set[str] = set()
        constants = {name for name, _ in self.constants(env_var)}
        found = []
        for node in self.module.body:
            pair = _assigned(node)
            if pair is None:
                continue
            name, value = pair
            if self.boto3_call(value, "resource") == "dynamodb":
                resources.add(name)
                continue
            if not (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "Table"
                and len(value.args) == 1
            ):
                continue
            owner = value.func.value
            is_resource = self.boto3_call(owner, "resource") == "dynamodb" or (
                isinstance(owner, ast.Name) and owner.id in resources
            )
            arg = value.args[0]
            reads = self.env_read(arg) == env_var or (
                isinstance(arg, ast.Name) and arg.id in constants
            )
            if is_resource and reads:
                found.append((name, node))
        return found

    def clients_block_end(self) -> int | None:
        """The last line of the module's client and resource assignments before its first
        function or class, if any: new clients join them."""
        end = None
        for node in self.module.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                break
            pair = _assigned(node)
            if pair is None:
                continue
            value = pair[1]
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "Table"
            ):
                value = value.func.value
            if self.boto3_call(value, "client") or self.boto3_call(value, "resource"):
                end = node.end_lineno
        return end


# --- generated code -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """`<prefix><callee>(<args>)<suffix>`, wrapped one argument per line when too long."""

    callee: str
    args: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""
    depth: int = 0  # nesting under the first line (a loop's body)

    def lines(self, indent: str, step: str) -> list[str]:
        indent = indent + step * self.depth
        if not self.callee:  # a plain statement
            return [f"{indent}{self.prefix}"]
        call = f"{self.callee}({', '.join(self.args)})"
        return _layout(indent, self.prefix, call, self.suffix, step)


def _layout(indent: str, head: str, expression: str, tail: str, step: str) -> list[str]:
    """`head + expression + tail` on one line if it fits, else in the black style: the
    outermost brackets of `expression` opened, one element per line with a trailing comma,
    each element laid out the same way."""
    line = f"{indent}{head}{expression}{tail}"
    parts = _parts(expression) if len(line) > MAX_LINE else None
    if parts is None:
        return [line]
    opening, items, closing = parts
    lines = [f"{indent}{head}{opening}"]
    for item_head, item in items:
        lines.extend(_layout(indent + step, item_head, item, ",", step))
    lines.append(f"{indent}{closing}{tail}")
    return lines


def _parts(expression: str) -> tuple[str, list[tuple[str, str]], str] | None:
    """(opening, [(head, element)], closing) of a bracketed expression, None for others."""
    if "\n" in expression or "\r" in expression:
        return None  # written over several lines by the user: kept as written
    try:
        node = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return None

    def text(part: ast.AST) -> str:
        return ast.get_source_segment(expression, part) or ""

    items: list[tuple[str, str]] = []
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            items.append(("**" if key is None else f"{text(key)}: ", text(value)))
        opening, closing = "{", "}"
    elif isinstance(node, ast.List | ast.Set):
        items = [("", text(e)) for e in node.elts]
        opening, closing = ("[", "]") if isinstance(node, ast.List) else ("{", "}")
    elif isinstance(node, ast.Tuple) and expression.startswith("(") and node.elts:
        items = [("", text(e)) for e in node.elts]
        opening, closing = "(", ")"
    elif isinstance(node, ast.Call) and not any(isinstance(a, ast.GeneratorExp) for a in node.args):
        arguments: list[tuple[tuple[int, int], str, str]] = [
            ((a.lineno, a.col_offset), "", text(a)) for a in node.args
        ]
        for keyword in node.keywords:
            head = "**" if keyword.arg is None else f"{keyword.arg}="
            position = (keyword.value.lineno, keyword.value.col_offset)
            arguments.append((position, head, text(keyword.value)))
        items = [(head, value) for _, head, value in sorted(arguments)]
        opening, closing = f"{text(node.func)}(", ")"
    else:
        return None
    if not items or not all(value for _, value in items):
        return None
    return opening, items, closing


@dataclass
class _Insertions:
    """Lines to insert before raw lines, by index; blank separators are trimmed in context."""

    module: _Module
    at: dict[int, list[tuple[int, list[str]]]] = field(default_factory=dict)

    def add(self, index: int, order: int, lines: list[str]) -> None:
        self.at.setdefault(index, []).append((order, lines))

    def apply(self, call_order: int) -> tuple[str, int, tuple[int, ...]]:
        raw = list(self.module.raw)
        newline = self.module.newline
        if raw and not raw[-1].endswith(("\n", "\r")) and len(raw) in self.at:
            raw[-1] += newline  # appending after a last line without a line ending
        out: list[str] = []
        added: list[int] = []
        call_line = 0
        for index in range(len(raw) + 1):
            blocks = sorted(self.at.get(index, []), key=lambda pair: pair[0])
            lines: list[tuple[int, str]] = []
            for order, block in blocks:
                if block and block[0] == "" and lines and lines[-1][1] == "":
                    block = block[1:]  # one blank line between two blocks
                lines.extend((order, text) for text in block)
            # Blank lines around the insertion count with the blank lines it adds.
            before = next((i for i in range(index) if raw[index - 1 - i].strip()), index)
            after = next(
                (i for i in range(len(raw) - index) if raw[index + i].strip()), len(raw) - index
            )
            if index == 0 or index == len(raw):
                before, after = (99, after) if index == 0 else (before, 99)
            while lines and lines[0][1] == "" and before > 0:
                lines.pop(0)
                before -= 1
            while lines and lines[-1][1] == "" and after > 0:
                lines.pop()
                after -= 1
            for order, text in lines:
                out.append(text + newline)
                added.append(len(out))
                if order == call_order and text and not call_line:
                    call_line = len(out)
            if index < len(raw):
                out.append(raw[index])
        return "".join(out), call_line, tuple(added)


_STDLIB = frozenset(sys.stdlib_module_names)
_IMPORT, _CLIENT, _CALL = 0, 1, 2


def _import_key(node: ast.stmt) -> tuple[int, str]:
    if isinstance(node, ast.Import):
        return 0, node.names[0].name.lower()
    assert isinstance(node, ast.ImportFrom)
    return 1, ("." * node.level + (node.module or "")).lower()


def _import_group(node: ast.stmt) -> str:
    if isinstance(node, ast.ImportFrom):
        if node.module == "__future__":
            return "future"
        if node.level:
            return "other"
        top = (node.module or "").split(".")[0]
    else:
        assert isinstance(node, ast.Import)
        top = node.names[0].name.split(".")[0]
    return "stdlib" if top in _STDLIB else "other"


class _Generator:
    def __init__(
        self,
        module: _Module,
        target: _Target,
        spec: OperationSpec,
        env_var: str,
        given: dict[str, str],
    ) -> None:
        self.module = module
        self.target = target
        self.spec = spec
        self.env_var = env_var
        self.given = given
        self.facts = _Facts(module.tree)
        self.inserts = _Insertions(module)
        self.at_module = not target.level.functions
        self.taken = module.names_near(target.level)
        self.module_taken = module.module_names()
        self.needed_before: list[tuple[int, str]] = []  # (line, what): module-level order
        self.new_imports: list[str] = []

    # -- names

    def fresh(self, base: str) -> str:
        name, number = base, 2
        while name in self.taken or name in self.module_taken:
            name, number = f"{base}_{number}", number + 1
        self.taken.add(name)
        return name

    def _module_name(self, module: str) -> str:
        found = self.facts.imports.get(module)
        if found is not None:
            end = found[1].end_lineno or found[1].lineno
            self.needed_before.append((end, f"import {module} (line {end})"))
            return found[0]
        if module not in self.new_imports:
            self.new_imports.append(module)
        return module

    def _usable(self, name: str, node: ast.stmt) -> bool:
        """Whether a module-level name can be read at the target."""
        if self.module.local_in(self.target.level.functions, name):
            return False
        return not self.at_module or (node.end_lineno or node.lineno) < self.target.line

    # -- what the call needs

    def _resource(self) -> str:
        for name, node in self.facts.constants(self.env_var):
            if self._usable(name, node):
                return name
        return f'{self._module_name("os")}.environ["{self.env_var}"]'

    def _client(self) -> str:
        service = self.spec.service
        for name, node in self.facts.clients(service):
            if not self.module.local_in(self.target.level.functions, name):
                end = node.end_lineno or node.lineno
                self.needed_before.append((end, f"the {name} client (line {end})"))
                return name
        boto3_name = self._module_name("boto3")
        name, number = service, 1
        while name in self.module_taken or self.module.local_in(self.target.level.functions, name):
            name = f"{service}_client" if number == 1 else f"{service}_client_{number}"
            number += 1
        self.module_taken.add(name)
        self.taken.add(name)
        statement = f'{name} = {boto3_name}.client("{service}")'
        joined = self.facts.clients_block_end()  # next to the module's other clients
        if joined is not None:
            self.inserts.add(joined, _CLIENT, [statement])
        else:
            self.inserts.add(self._after_imports(), _CLIENT, ["", statement, ""])
        index = self._after_imports() if joined is None else joined
        self.needed_before.append((index, f"the {name} client it adds after line {index}"))
        return name

    def _table(self) -> str | None:
        for name, node in self.facts.tables(self.env_var):
            if not self.module.local_in(self.target.level.functions, name):
                end = node.end_lineno or node.lineno
                self.needed_before.append((end, f"the {name} table (line {end})"))
                return name
        return None

    def value(self, name: str) -> str | None:
        """The expression for a parameter: the user's, the default if required, else None."""
        if name in self.given:
            return self.given[name]
        param = self.spec.param(name)
        assert param is not None, name
        if not param.required:
            return None
        default = param.default
        if EVENT_JSON in default and not self._event_in_scope():
            default = default.replace(EVENT_JSON, NO_EVENT_JSON)
        return default

    def _event_in_scope(self) -> bool:
        return self.module.local_in(self.target.level.functions, "event")

    # -- imports

    def _leading_imports(self) -> list[ast.stmt]:
        body = self.module.tree.body
        start = 1 if body and _is_docstring(body[0]) else 0
        leading: list[ast.stmt] = []
        for node in body[start:]:
            if not isinstance(node, ast.Import | ast.ImportFrom):
                break
            leading.append(node)
        return leading

    def _after_imports(self) -> int:
        leading = self._leading_imports()
        if leading:
            return leading[-1].end_lineno or leading[-1].lineno
        body = self.module.tree.body
        if body and _is_docstring(body[0]):
            return body[0].end_lineno or body[0].lineno
        return 0

    def _add_imports(self) -> None:
        if not self.new_imports:
            return
        leading = self._leading_imports()
        sections: list[list[ast.stmt]] = []
        for node in leading:
            previous = sections[-1][-1] if sections else None
            joined = previous is not None and _start(node) == (previous.end_lineno or 0) + 1
            if joined:
                sections[-1].append(node)
            else:
                sections.append([node])
        new_sections: dict[str, list[str]] = {}
        for module in sorted(self.new_imports):
            node = ast.Import(names=[ast.alias(name=module)])
            group = "stdlib" if module in _STDLIB else "other"
            key = _import_key(node)
            section = next((s for s in sections if any(_import_group(n) == group for n in s)), None)
            if section is None:
                new_sections.setdefault(group, []).append(f"import {module}")
                continue
            later = [n for n in section if _import_key(n) > key]
            index = _start(later[0]) - 1 if later else (section[-1].end_lineno or 0)
            self.inserts.add(index, _IMPORT, [f"import {module}"])
        for group in ("stdlib", "other"):
            if group in new_sections:
                index = self._section_index(group, sections)
                self.inserts.add(index, _IMPORT, ["", *new_sections[group], ""])

    def _section_index(self, group: str, sections: list[list[ast.stmt]]) -> int:
        """Where a new section of imports of this group goes."""
        groups = [{_import_group(n) for n in s} for s in sections]
        if group == "stdlib":
            for section, kinds in zip(sections, groups, strict=True):
                if kinds != {"future"}:
                    index = _start(section[0]) - 1
                    while index > 0 and self.module.text(index).lstrip().startswith("#"):
                        index -= 1  # a comment heading the section stays with it
                    return index
        else:
            stdlib = [s for s, kinds in zip(sections, groups, strict=True) if "stdlib" in kinds]
            if stdlib:
                return stdlib[-1][-1].end_lineno or 0
        return self._after_imports()

    # -- the code

    def run(self) -> Inserted:
        lines = self._snippet()
        self._add_imports()
        if self.at_module:
            self._check_order()
        body = self.module.tree.body
        if self.target.index == len(self.module.raw) and body:
            defines = isinstance(body[-1], ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            lines = ["", "", *lines] if defines else lines  # two blank lines after a def
        self.inserts.add(self.target.index, _CALL, lines)
        source, line, added = self.inserts.apply(_CALL)
        try:
            compile(source, self.module.path, "exec", dont_inherit=True)
        except SyntaxError as error:
            try:
                compile(self.module.source, self.module.path, "exec", dont_inherit=True)
            except SyntaxError as original:
                raise AuthoringError(
                    f"{self.module.path}:{original.lineno}: the file has an error ({original.msg})",
                    hint=f"fix line {original.lineno} first, then add the operation",
                ) from None
            raise AuthoringError(
                f"the code for {self.spec.id} does not compile ({error.msg} on line "
                f"{error.lineno})",
                hint="check the values given to its parameters",
            ) from None
        return Inserted(source, line, added)

    def _check_order(self) -> None:
        """Module-level code runs top to bottom: what the call uses must come before it."""
        line = self.target.line
        needed = list(self.needed_before)
        if self.new_imports:
            end = self._after_imports()
            needed.append((end, f"the imports it adds after line {end}"))
        late = [(end, what) for end, what in needed if end >= line]
        if late:
            end, what = max(late)
            raise AuthoringError(
                f"{self.module.path}:{line} is at module level: the code would run before {what}",
                hint=f"module-level code runs top to bottom: drop it after line {end}",
                field="line",
            )

    def _snippet(self) -> list[str]:
        style_table = None
        if self.spec.service == "dynamodb":
            style_table = self._table()
        builder = _BUILDERS[self.spec.id]
        if style_table is not None:
            calls = builder(self, style_table, "", True)
        else:
            calls = builder(self, self._client(), self._resource(), False)
        uses = " ".join(f"{c.callee} {' '.join(c.args)} {c.suffix}" for c in calls)
        if re.search(r"\bjson\.", uses) and (
            "json" in self.facts.imports or "json" not in self.module_taken
        ):
            self._module_name("json")
        lines = []
        for call in calls:
            lines.extend(call.lines(self.target.indent, self.module.step))
        newline = self.module.newline
        return [line.replace("\r\n", "\n").replace("\n", newline) for line in lines]

    def args(self, *names: str, table: bool = False) -> tuple[str, ...]:
        """`Name=value` for each parameter given or required, in this order."""
        found = []
        for name in names:
            value = self.value(name)
            if value is not None:
                found.append(f"{name}={_plain(value) if table else value}")
        return tuple(found)


# --- one builder per operation ------------------------------------------------------------

_Builder = Callable[[_Generator, str, str, bool], list[_Call]]


def _s3_get(g: _Generator, s3: str, bucket: str, _: bool) -> list[_Call]:
    body = g.fresh(g.spec.result)
    args = (f"Bucket={bucket}", *g.args("Key"))
    return [_Call(f"{s3}.get_object", args, f"{body} = ", '["Body"].read()')]


def _s3_plain(method: str) -> _Builder:
    def build(g: _Generator, s3: str, bucket: str, _: bool) -> list[_Call]:
        names = [p.name for p in g.spec.params]
        return [_Call(f"{s3}.{method}", (f"Bucket={bucket}", *g.args(*names)))]

    return build


def _s3_list(g: _Generator, s3: str, bucket: str, _: bool) -> list[_Call]:
    response = g.fresh("response")
    keys = g.fresh(g.spec.result)
    args = (f"Bucket={bucket}", *g.args("Prefix", "MaxKeys"))
    return [
        _Call(f"{s3}.list_objects_v2", args, f"{response} = "),
        _Call("", (), f'{keys} = [obj["Key"] for obj in {response}.get("Contents", [])]'),
    ]


def _s3_copy(g: _Generator, s3: str, bucket: str, _: bool) -> list[_Call]:
    source = g.value("SourceKey")
    args = (f"Bucket={bucket}", f'CopySource={{"Bucket": {bucket}, "Key": {source}}}')
    return [_Call(f"{s3}.copy_object", (*args, *g.args("Key")))]


def _s3_presigned(method: str) -> _Builder:
    def build(g: _Generator, s3: str, bucket: str, _: bool) -> list[_Call]:
        url = g.fresh(g.spec.result)
        params = f'Params={{"Bucket": {bucket}, "Key": {g.value("Key")}}}'
        args = (f'"{method}"', params, *g.args("ExpiresIn"))
        return [_Call(f"{s3}.generate_presigned_url", args, f"{url} = ")]

    return build


def _dynamodb(method: str, suffix: str = "") -> _Builder:
    def build(g: _Generator, client: str, table: str, is_table: bool) -> list[_Call]:
        names = [p.name for p in g.spec.params]
        head = () if is_table else (f"TableName={table}",)
        args = (*head, *g.args(*names, table=is_table))
        prefix = f"{g.fresh(g.spec.result)} = " if g.spec.result else ""
        return [_Call(f"{client}.{method}", args, prefix, suffix)]

    return build


def _dynamodb_batch(g: _Generator, client: str, table: str, is_table: bool) -> list[_Call]:
    requests = g.value("Requests")
    if is_table:  # the client under the Table: the requests keep their typed values
        return [
            _Call(
                f"{client}.meta.client.batch_write_item",
                (f"RequestItems={{{client}.name: {requests}}}",),
            )
        ]
    return [_Call(f"{client}.batch_write_item", (f"RequestItems={{{table}: {requests}}}",))]


def _plain_call(method: str, resource_param: str, suffix: str = "") -> _Builder:
    def build(g: _Generator, client: str, resource: str, _: bool) -> list[_Call]:
        names = [p.name for p in g.spec.params]
        prefix = f"{g.fresh(g.spec.result)} = " if g.spec.result else ""
        args = (f"{resource_param}={resource}", *g.args(*names))
        return [_Call(f"{client}.{method}", args, prefix, suffix)]

    return build


def _sqs_delete(g: _Generator, sqs: str, queue: str, _: bool) -> list[_Call]:
    messages, message = g.fresh("messages"), g.fresh("message")
    receive = (f"QueueUrl={queue}", *g.args("MaxNumberOfMessages"))
    delete = (f"QueueUrl={queue}", f'ReceiptHandle={message}["ReceiptHandle"]')
    return [
        _Call(f"{sqs}.receive_message", receive, f"{messages} = ", '.get("Messages", [])'),
        _Call("", (), f"for {message} in {messages}:"),
        _Call(f"{sqs}.delete_message", delete, depth=1),
    ]


_BUILDERS: dict[str, _Builder] = {
    "s3.get_object": _s3_get,
    "s3.put_object": _s3_plain("put_object"),
    "s3.delete_object": _s3_plain("delete_object"),
    "s3.list_objects_v2": _s3_list,
    "s3.copy_object": _s3_copy,
    "s3.presigned_get": _s3_presigned("get_object"),
    "s3.presigned_put": _s3_presigned("put_object"),
    "dynamodb.get_item": _dynamodb("get_item", '.get("Item")'),
    "dynamodb.put_item": _dynamodb("put_item"),
    "dynamodb.update_item": _dynamodb("update_item"),
    "dynamodb.delete_item": _dynamodb("delete_item"),
    "dynamodb.query": _dynamodb("query", '["Items"]'),
    "dynamodb.scan": _dynamodb("scan", '["Items"]'),
    "dynamodb.batch_write_item": _dynamodb_batch,
    "sns.publish": _plain_call("publish", "TopicArn"),
    "sqs.send_message": _plain_call("send_message", "QueueUrl"),
    "sqs.send_message_batch": _plain_call("send_message_batch", "QueueUrl"),
    "sqs.receive_message": _plain_call("receive_message", "QueueUrl", '.get("Messages", [])'),
    "sqs.delete_message": _sqs_delete,
}


# --- DynamoDB values for a Table resource -------------------------------------------------


def _plain(text: str) -> str:
    """A typed DynamoDB value expression as the Table resource takes it: `{"S": "x"}` -> `"x"`,
    `{"N": "1"}` -> `1`, through dicts and lists; anything else is left as written."""
    tree = ast.parse(text, mode="eval")
    lines = text.splitlines(keepends=True) or [""]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, col: int) -> int:
        line = lines[lineno - 1]
        return starts[lineno - 1] + len(line.encode()[:col].decode(errors="ignore"))

    def span(node: ast.expr) -> tuple[int, int]:
        end_line = node.end_lineno or node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return offset(node.lineno, node.col_offset), offset(end_line, end_col)

    def convert(node: ast.expr) -> str:
        begin, end = span(node)
        if (
            isinstance(node, ast.Dict)
            and len(node.keys) == 1
            and _const(node.keys[0]) in _TYPES
            and node.keys[0] is not None
        ):
            kind, value = _const(node.keys[0]), node.values[0]
            if kind in ("S", "BOOL", "M", "L"):
                return convert(value)
            if kind == "NULL":
                return "None"
            number = _const(value)
            if kind == "N" and number is not None and re.fullmatch(r"-?\d+", number):
                return str(int(number))
            return text[begin:end]
        children: list[ast.expr] = []
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                children.extend([key, value] if key is not None else [value])
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            children = list(node.elts)
        pieces, position = [], begin
        for child in children:
            child_begin, child_end = span(child)
            pieces.extend([text[position:child_begin], convert(child)])
            position = child_end
        pieces.append(text[position:end])
        return "".join(pieces)

    return convert(tree.body)
