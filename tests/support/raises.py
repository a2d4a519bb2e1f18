"""Which problem types can a route raise? A static over-approximation from the source: the
problem classes referenced by the route's endpoint, its dependencies and every medrecord
function they call, transitively (nested functions and lambdas included).

Calls are resolved through each module's imports: ``name(...)``, ``module.name(...)``, a class
(its ``__init__``/``__post_init__``) and ``obj.method(...)`` where a medrecord class defines a
method of that name. References in ``except`` clauses and ``isinstance`` checks are not raises.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import medrecord
from medrecord import errors, problems

PACKAGE_ROOT = Path(medrecord.__file__).parent


def catalogue() -> dict[str, type[errors.DomainError]]:
    """Every problem class, by its qualified name."""
    return {
        f"medrecord.problems.{name}": cls
        for name, cls in vars(problems).items()
        if isinstance(cls, type)
        and issubclass(cls, errors.DomainError)
        and cls.__module__ == problems.__name__
    }


@dataclass
class Function:
    node: ast.AST
    module: str
    problems: set[str] = field(default_factory=set)
    base_errors: set[str] = field(default_factory=set)
    callees: set[str] = field(default_factory=set)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(), filename=str(p))
        for p in sorted(PACKAGE_ROOT.rglob("*.py"))
    }


def _imports(module: str, tree: ast.Module) -> dict[str, str]:
    """Local name → what it names, fully qualified (a module or ``module.attr``)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                base = ".".join([*module.split(".")[: -node.level], node.module])
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
    return names


@cache
def index() -> dict[str, Function]:
    """Every module-level function, class and method of medrecord, by qualified name."""
    found: dict[str, Function] = {}
    for module, tree in _modules().items():
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[f"{module}.{node.name}"] = Function(node, module)
            elif isinstance(node, ast.ClassDef):
                found[f"{module}.{node.name}"] = Function(node, module)
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        found[f"{module}.{node.name}.{item.name}"] = Function(item, module)
    methods: dict[str, set[str]] = {}
    for qualified, fn in found.items():
        if isinstance(fn.node, ast.FunctionDef) and qualified.count(".") > fn.module.count(".") + 1:
            methods.setdefault(fn.node.name, set()).add(qualified)
    for fn in found.values():
        _analyse(fn, found, methods)
    return found


def _is_rule_question(call: ast.Call) -> bool:
    """A call to a rule that *returns* a problem (``…_problem``, ``why_not_…``)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name.endswith("_problem") or name.startswith("why_not_")


def _not_raises(node: ast.AST) -> set[int]:
    """Ids of expressions that name an exception, or ask a rule, without raising: decorators
    (a route's declaration), ``except`` clauses, ``isinstance`` checks, and rules that return a
    problem asked only as a condition (``if rule(...)``, ``rule(...) is None``), unless the
    condition keeps the problem (``if p := rule(...)``). Any other call in a condition counts:
    it may raise."""
    skip: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            # A route's decorator *declares* problems (documented(...)); it raises none.
            skip.update(id(x) for d in n.decorator_list for x in ast.walk(d))
        conditions: list[ast.expr] = []
        if isinstance(n, ast.If | ast.While | ast.IfExp):
            conditions.append(n.test)
        elif isinstance(n, ast.comprehension):
            conditions.extend(n.ifs)
        elif isinstance(n, ast.Compare):
            conditions.append(n)
        for condition in conditions:
            if any(isinstance(x, ast.NamedExpr) for x in ast.walk(condition)):
                continue
            for call in ast.walk(condition):
                if isinstance(call, ast.Call) and _is_rule_question(call):
                    skip.add(id(call))
                    skip.update(id(x) for x in ast.walk(call.func))
        if isinstance(n, ast.ExceptHandler) and n.type is not None:
            skip.update(id(x) for x in ast.walk(n.type))
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id
            in (
                "isinstance",
                "issubclass",
            )
        ):
            skip.update(id(x) for x in ast.walk(n))
    return skip


def _resolve(expr: ast.expr, names: dict[str, str], module: str) -> str | None:
    if isinstance(expr, ast.Name):
        return names.get(expr.id, f"{module}.{expr.id}")
    if isinstance(expr, ast.Attribute):
        owner = _resolve(expr.value, names, module)
        return None if owner is None else f"{owner}.{expr.attr}"
    return None


def _analyse(fn: Function, found: dict[str, Function], methods: dict[str, set[str]]) -> None:
    names = _imports(fn.module, _modules()[fn.module])
    known_problems = catalogue()
    base_names = {
        f"medrecord.errors.{n}"
        for n, c in vars(errors).items()
        if isinstance(c, type) and issubclass(c, errors.DomainError)
    }
    skip = _not_raises(fn.node)
    for node in ast.walk(fn.node):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Name | ast.Attribute):
            target = _resolve(node, names, fn.module)
            if target in known_problems:
                fn.problems.add(target)
            elif target in found and not isinstance(found[target].node, ast.ClassDef):
                # A function passed on (a sort key, a callback) may be called: it counts.
                fn.callees.add(target)
        if not isinstance(node, ast.Call):
            continue
        target = _resolve(node.func, names, fn.module)
        if target in base_names:
            fn.base_errors.add(target)
        if target in found:
            fn.callees.add(target)
            if isinstance(found[target].node, ast.ClassDef):
                fn.callees.update(
                    f"{target}.{m}"
                    for m in ("__init__", "__post_init__")
                    if f"{target}.{m}" in found
                )
        elif isinstance(node.func, ast.Attribute):
            fn.callees.update(methods.get(node.func.attr, set()))


def qualified_name(call: object) -> str | None:
    """The index key of a Python function (endpoint or dependency), if it is medrecord's."""
    module = getattr(call, "__module__", None)
    qualname = getattr(call, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(qualname, str)):
        return None
    if not module.startswith("medrecord") or "<locals>" in qualname:
        return None
    return f"{module}.{qualname}"


def reachable_problems(roots: list[str]) -> set[type[errors.DomainError]]:
    """Problem classes referenced by ``roots`` and all they call, transitively."""
    found, known = index(), catalogue()
    seen: set[str] = set()
    todo = [r for r in roots if r in found]
    result: set[str] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        result |= found[current].problems
        todo.extend(found[current].callees - seen)
    return {known[name] for name in result}


def dependency_calls(dependant: object) -> Iterator[object]:
    """The callables of a FastAPI dependant's whole dependency tree."""
    for sub in getattr(dependant, "dependencies", []):
        yield sub.call
        yield from dependency_calls(sub)


def referenced_anywhere() -> set[type[errors.DomainError]]:
    known = catalogue()
    return {known[p] for fn in index().values() for p in fn.problems}


def base_error_constructions() -> dict[str, set[str]]:
    """Functions that construct a base domain error instead of a catalogue class."""
    return {q: fn.base_errors for q, fn in index().items() if fn.base_errors}
