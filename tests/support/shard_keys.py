"""Does a SQL statement route to one shard when the citizen-owned tables are distributed by
``citizen_id`` (Citus)? Parsed by PostgreSQL's own parser (pglast), so what is checked is what
the server would see, not a regular expression's guess.

Every reference to a citizen-owned table in a SELECT, UPDATE or DELETE (the main query, a CTE, a
sub-select in FROM, a scalar or EXISTS sub-query, a join) must have its ``citizen_id`` pinned by
a conjunct (a top-level ``AND`` term) of its own WHERE or JOIN ... ON:

- ``ref.citizen_id = <parameter or literal>`` (casts and functions of parameters included),
  ``ref.citizen_id = ANY(<parameter>)``, ``ref.citizen_id IN (<parameters or literals>)``;
- ``ref.citizen_id = other.citizen_id`` where ``other`` is pinned: a join or a correlation on
  the shard key, transitively, and through a CTE or sub-select that outputs a pinned
  ``citizen_id`` (``SELECT m.* ...`` included).

Only restricting directions count: a conjunct in ``LEFT JOIN r ON ...`` restricts ``r``, never
the preserved side; a correlation restricts the inner query's rows, never the outer's (a
conservative rule: an ``EXISTS`` whose inner rows are pinned does not pin the outer rows here). An
``OR`` pins nothing. An INSERT into a citizen-owned table must name ``citizen_id`` among its
columns; an INSERT ... SELECT is also checked as the SELECT it is. Any other statement that
names a citizen-owned table (COPY, LOCK, TRUNCATE, ...) is reported, as is a statement that does
not parse."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from pglast import ast, parse_sql
from pglast.enums import A_Expr_Kind, BoolExprType, JoinType, SetOperation, SubLinkType
from pglast.parser import ParseError

from medrecord.models import Base

SHARD_KEY = "citizen_id"


@cache
def citizen_owned_tables() -> frozenset[str]:
    """Every table of the model with a ``citizen_id`` column: the tables distributed by citizen.

    ``audit_event`` is one although its ``citizen_id`` may be NULL (an access that named no known
    citizen): under Citus its rows with a citizen are distributed with the citizen's other rows,
    and those without one belong in a table of their own (docs/sharding.md)."""
    return frozenset(table.name for table in Base.metadata.tables.values() if SHARD_KEY in table.c)


@cache
def reference_tables() -> frozenset[str]:
    """The model's other tables: replicated (drug, organisation, ...) or kept on one node."""
    return frozenset(Base.metadata.tables) - citizen_owned_tables()


# --- Placeholders ----------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((?P<name>[^)]+)\)s|%s|%%")


def to_postgres_placeholders(statement: str) -> str:
    """psycopg's ``%(name)s`` and ``%s`` as PostgreSQL's ``$n`` (and ``%%`` as ``%``), so the
    server's parser reads the statement as psycopg sends it."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        key = match.group("name") or f"#{len(numbers)}"
        numbers.setdefault(key, len(numbers) + 1)
        return f"${numbers[key]}"

    return _PLACEHOLDER.sub(number, statement)


# --- Findings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unpinned:
    """A reference to a citizen-owned table whose ``citizen_id`` nothing pins."""

    table: str
    alias: str
    why: str

    def __str__(self) -> str:
        named = self.table if self.alias == self.table else f"{self.table} AS {self.alias}"
        return f"{named}: {self.why}"


@dataclass
class Analysis:
    """What one statement does to the citizen-owned tables."""

    statement: str
    tables: set[str] = field(default_factory=set)  # citizen-owned tables it names
    unpinned: list[Unpinned] = field(default_factory=list)
    error: str | None = None  # it did not parse, or is a kind of statement not checked

    @property
    def routes_to_one_shard(self) -> bool:
        return self.error is None and not self.unpinned


def analyse(statement: str) -> Analysis:
    """Parse ``statement`` (psycopg or PostgreSQL placeholders) and check its shard keys."""
    result = Analysis(statement)
    try:
        parsed = parse_sql(to_postgres_placeholders(statement))
    except ParseError as error:
        result.error = f"does not parse: {error}"
        return result
    for raw in parsed:
        _Statement(result).check(raw.stmt)
    return result


# --- The analysis ----------------------------------------------------------------------------


@dataclass(eq=False)
class _Ref:
    """A row source exposing ``citizen_id``: a citizen-owned table (real) or a CTE or
    sub-select whose output has a ``citizen_id`` column (virtual, a bridge only)."""

    name: str
    alias: str
    real: bool


@dataclass(eq=False)
class _Item:
    """A FROM item as a name in scope; ``ref`` when it exposes ``citizen_id``."""

    name: str
    ref: _Ref | None


_Scope = list[_Item]


class _Statement:
    def __init__(self, result: Analysis) -> None:
        self.result = result
        self.owned = citizen_owned_tables()
        self.refs: list[_Ref] = []
        self.pinned: set[int] = set()  # id() of pinned refs
        self.edges: dict[int, list[_Ref]] = {}  # id(from) -> the refs it restricts
        self.sublink_outputs: dict[int, _Ref] = {}  # id(SubLink) -> its output's citizen_id

    # Entry --------------------------------------------------------------------------------

    def check(self, stmt: ast.Node) -> None:
        if isinstance(stmt, ast.SelectStmt | ast.UpdateStmt | ast.DeleteStmt | ast.InsertStmt):
            self._query(stmt, outer=[], ctes={})
        else:
            named = sorted({n.relname for n in _walk(stmt) if isinstance(n, ast.RangeVar)})
            touched = [name for name in named if name in self.owned]
            if touched:
                self.result.tables.update(touched)
                self.result.error = (
                    f"{type(stmt).__name__} on a citizen-owned table is not checked: "
                    + ", ".join(touched)
                )
            return
        reached = self._reached()
        for ref in self.refs:
            if ref.real and id(ref) not in reached:
                self.result.unpinned.append(
                    Unpinned(
                        ref.name,
                        ref.alias,
                        "no conjunct pins its citizen_id to a parameter, a literal or a "
                        "pinned reference's citizen_id",
                    )
                )

    def _reached(self) -> set[int]:
        reached = set(self.pinned)
        todo = [ref for ref in self.refs if id(ref) in reached]
        while todo:
            for target in self.edges.get(id(todo.pop()), []):
                if id(target) not in reached:
                    reached.add(id(target))
                    todo.append(target)
        return reached

    def _new_ref(self, name: str, alias: str, *, real: bool) -> _Ref:
        ref = _Ref(name, alias, real)
        self.refs.append(ref)
        if real:
            self.result.tables.add(name)
        return ref

    def _edge(self, source: _Ref, target: _Ref) -> None:
        self.edges.setdefault(id(source), []).append(target)

    # Queries ------------------------------------------------------------------------------

    def _query(
        self, stmt: ast.Node, *, outer: list[_Scope], ctes: dict[str, _Ref | None]
    ) -> _Ref | None:
        """Check one query level (and everything under it); return the ref of its output's
        ``citizen_id`` column, if it has one."""
        ctes = dict(ctes)
        with_clause = getattr(stmt, "withClause", None)
        if with_clause is not None:
            for cte in with_clause.ctes or ():
                ctes[cte.ctename] = self._query(cte.ctequery, outer=outer, ctes=ctes)
        if isinstance(stmt, ast.SelectStmt):
            return self._select(stmt, outer=outer, ctes=ctes)
        if isinstance(stmt, ast.InsertStmt):
            self._insert(stmt, outer=outer, ctes=ctes)
            return None
        if isinstance(stmt, ast.UpdateStmt | ast.DeleteStmt):
            self._modify(stmt, outer=outer, ctes=ctes)
            return None
        self.result.error = f"{type(stmt).__name__} inside a query is not checked"
        return None

    def _select(
        self, stmt: ast.SelectStmt, *, outer: list[_Scope], ctes: dict[str, _Ref | None]
    ) -> _Ref | None:
        if stmt.op != SetOperation.SETOP_NONE:
            # Each branch is checked; the union's citizen_id is not tracked (conservative).
            self._query(stmt.larg, outer=outer, ctes=ctes)
            self._query(stmt.rarg, outer=outer, ctes=ctes)
            return None
        scope: _Scope = []
        restrictions: list[tuple[ast.Node, set[int]]] = []
        for item in stmt.fromClause or ():
            self._from_item(item, scope, restrictions, outer=outer, ctes=ctes)
        chain = [scope, *outer]
        expressions = [
            stmt.targetList,
            stmt.whereClause,
            stmt.havingClause,
            stmt.groupClause,
            stmt.sortClause,
            stmt.valuesLists,
            stmt.limitCount,
            stmt.limitOffset,
            stmt.distinctClause,
            stmt.windowClause,
        ]
        self._sublinks(expressions, chain, ctes)
        everything = {id(i.ref) for i in scope if i.ref is not None}
        for quals, restricted in restrictions:
            self._conjuncts(quals, restricted, chain)
        self._conjuncts(stmt.whereClause, everything, chain)
        self._conjuncts(stmt.havingClause, everything, chain)
        return self._output_ref(stmt.targetList or (), scope, chain)

    def _insert(
        self, stmt: ast.InsertStmt, *, outer: list[_Scope], ctes: dict[str, _Ref | None]
    ) -> None:
        table = stmt.relation.relname
        if table in self.owned:
            self.result.tables.add(table)
            columns = [col.name for col in stmt.cols or ()]
            if columns and SHARD_KEY not in columns:
                self.result.unpinned.append(
                    Unpinned(table, table, "INSERT without a citizen_id column")
                )
        if stmt.selectStmt is not None:
            self._query(stmt.selectStmt, outer=outer, ctes=ctes)
        target_scope: _Scope = [_Item(_alias(stmt.relation), None)]
        self._sublinks([stmt.onConflictClause, stmt.returningClause], [target_scope, *outer], ctes)

    def _modify(
        self,
        stmt: ast.UpdateStmt | ast.DeleteStmt,
        *,
        outer: list[_Scope],
        ctes: dict[str, _Ref | None],
    ) -> None:
        scope: _Scope = []
        restrictions: list[tuple[ast.Node, set[int]]] = []
        self._from_item(stmt.relation, scope, restrictions, outer=outer, ctes=ctes)
        extra = stmt.fromClause if isinstance(stmt, ast.UpdateStmt) else stmt.usingClause
        for item in extra or ():
            self._from_item(item, scope, restrictions, outer=outer, ctes=ctes)
        chain = [scope, *outer]
        targets = stmt.targetList if isinstance(stmt, ast.UpdateStmt) else None
        self._sublinks([targets, stmt.whereClause, stmt.returningClause], chain, ctes)
        for quals, restricted in restrictions:
            self._conjuncts(quals, restricted, chain)
        everything = {id(i.ref) for i in scope if i.ref is not None}
        self._conjuncts(stmt.whereClause, everything, chain)

    # FROM ---------------------------------------------------------------------------------

    def _from_item(
        self,
        item: ast.Node,
        scope: _Scope,
        restrictions: list[tuple[ast.Node, set[int]]],
        *,
        outer: list[_Scope],
        ctes: dict[str, _Ref | None],
    ) -> list[_Item]:
        """Add ``item`` to ``scope``; return the items it brought (for join sides)."""
        if isinstance(item, ast.RangeVar):
            alias = _alias(item)
            if item.schemaname is None and item.relname in ctes:
                cte = ctes[item.relname]
                ref = self._new_ref(item.relname, alias, real=False) if cte else None
                if cte and ref:
                    # The CTE's rows are pinned where its own query pins them. Not the other
                    # way round: a condition on a (materialised) CTE does not restrict its scan.
                    self._edge(cte, ref)
                added = [_Item(alias, ref)]
            elif item.relname in self.owned:
                added = [_Item(alias, self._new_ref(item.relname, alias, real=True))]
            else:
                added = [_Item(alias, None)]
            scope.extend(added)
            return added
        if isinstance(item, ast.JoinExpr):
            left = self._from_item(item.larg, scope, restrictions, outer=outer, ctes=ctes)
            right = self._from_item(item.rarg, scope, restrictions, outer=outer, ctes=ctes)
            left_refs = {id(i.ref) for i in left if i.ref is not None}
            right_refs = {id(i.ref) for i in right if i.ref is not None}
            restricted = {
                JoinType.JOIN_INNER: left_refs | right_refs,
                JoinType.JOIN_LEFT: right_refs,
                JoinType.JOIN_RIGHT: left_refs,
            }.get(item.jointype, set())
            if item.quals is not None:
                restrictions.append((item.quals, restricted))
                self._sublinks([item.quals], [scope, *outer], ctes)
            if SHARD_KEY in {s.sval for s in item.usingClause or ()}:
                for a in _providers(left):
                    for b in _providers(right):
                        if id(b) in restricted:
                            self._edge(a, b)
                        if id(a) in restricted:
                            self._edge(b, a)
            added = left + right
            if item.alias is not None:
                added = [_Item(item.alias.aliasname, None), *added]
                scope.insert(0, added[0])
            return added
        if isinstance(item, ast.RangeSubselect):
            chain = [scope, *outer] if item.lateral else outer
            output = self._query(item.subquery, outer=chain, ctes=ctes)
            alias = item.alias.aliasname if item.alias is not None else "?subselect"
            ref = None
            if output is not None:
                ref = self._new_ref("(sub-select)", alias, real=False)
                self._edge(output, ref)
                if _flattened(item.subquery):
                    # PostgreSQL pulls a plain sub-select up into the outer query, so a
                    # condition on its citizen_id restricts its scan (as does Citus).
                    self._edge(ref, output)
            added = [_Item(alias, ref)]
            scope.extend(added)
            return added
        # A function in FROM (unnest, json_to_recordset, ...): no table, but its arguments
        # may hold sub-queries.
        self._sublinks([item], [scope, *outer], ctes)
        alias = getattr(getattr(item, "alias", None), "aliasname", None) or "?function"
        added = [_Item(alias, None)]
        scope.extend(added)
        return added

    def _output_ref(
        self, targets: Iterable[ast.Node], scope: _Scope, chain: list[_Scope]
    ) -> _Ref | None:
        """The ref behind the query's output column ``citizen_id``, if it has one."""
        for target in targets:
            if not isinstance(target, ast.ResTarget):
                continue
            value = target.val
            if not isinstance(value, ast.ColumnRef):
                continue
            fields = value.fields
            if isinstance(fields[-1], ast.A_Star):
                qualifier = _name(fields[-2]) if len(fields) > 1 else None
                items = [i for i in scope if qualifier is None or i.name == qualifier]
                found = _providers(items)
                if len(found) == 1:
                    return found[0]
                continue
            name = target.name or _name(fields[-1])
            if name == SHARD_KEY:
                return self._resolve(value, chain)
        return None

    # Conditions ---------------------------------------------------------------------------

    def _conjuncts(self, node: ast.Node | None, restricted: set[int], chain: list[_Scope]) -> None:
        for term in _row_terms(_and_terms(node)):
            if not isinstance(term, ast.A_Expr) or _operator(term) != "=":
                if isinstance(term, ast.SubLink):
                    self._in_subquery(term, restricted, chain)
                continue
            left = self._resolve(term.lexpr, chain)
            if term.kind == A_Expr_Kind.AEXPR_OP:
                right = self._resolve(term.rexpr, chain)
                if left is not None and right is not None:
                    if id(left) in restricted:
                        self._edge(right, left)
                    if id(right) in restricted:
                        self._edge(left, right)
                elif left is not None and _constant(term.rexpr):
                    self._pin(left, restricted)
                elif right is not None and _constant(term.lexpr):
                    self._pin(right, restricted)
            elif term.kind in (A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_IN):
                values = term.rexpr if isinstance(term.rexpr, tuple | list) else [term.rexpr]
                if left is not None and all(_constant(v) for v in values):
                    self._pin(left, restricted)

    def _in_subquery(self, link: ast.SubLink, restricted: set[int], chain: list[_Scope]) -> None:
        """``x.citizen_id IN (SELECT citizen_id ...)``: x is restricted by the sub-query's
        output."""
        if link.subLinkType != SubLinkType.ANY_SUBLINK or link.operName:
            return
        target = self._resolve(link.testexpr, chain)
        output = self.sublink_outputs.get(id(link))
        if target is not None and output is not None and id(target) in restricted:
            self._edge(output, target)

    def _pin(self, ref: _Ref, restricted: set[int]) -> None:
        if id(ref) in restricted:
            self.pinned.add(id(ref))

    def _resolve(self, node: ast.Node | None, chain: list[_Scope]) -> _Ref | None:
        """The ref whose ``citizen_id`` ``node`` is, if it is one (casts ignored)."""
        while isinstance(node, ast.TypeCast):
            node = node.arg
        if not isinstance(node, ast.ColumnRef):
            return None
        names = [_name(f) for f in node.fields]
        if names[-1] != SHARD_KEY:
            return None
        qualifier = names[-2] if len(names) > 1 else None
        for scope in chain:
            if qualifier is not None:
                for item in scope:
                    if item.name == qualifier:
                        return item.ref
            else:
                found = _providers(scope)
                if len(found) == 1:
                    return found[0]
                if found:
                    return None  # ambiguous: PostgreSQL refuses it anyway
        return None

    def _sublinks(
        self, nodes: Iterable[object], chain: list[_Scope], ctes: dict[str, _Ref | None]
    ) -> None:
        """Check every sub-query in these expressions, with this level as their outer scope."""
        for node in nodes:
            for link in _walk(node, into=ast.SubLink):
                if isinstance(link, ast.SubLink):
                    output = self._query(link.subselect, outer=chain, ctes=ctes)
                    if output is not None:
                        self.sublink_outputs[id(link)] = output
                    self._sublinks([link.testexpr], chain, ctes)


# --- AST helpers -----------------------------------------------------------------------------


def _walk(node: object, into: type | None = None) -> Iterator[ast.Node]:
    """Every node under ``node`` (itself included); not under nodes of type ``into`` (which
    are yielded)."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from _walk(child, into)
        return
    if not isinstance(node, ast.Node):
        return
    yield node
    if into is not None and isinstance(node, into):
        return
    for attribute in node:
        yield from _walk(getattr(node, attribute), into)


def _name(node: ast.Node) -> str:
    return node.sval if isinstance(node, ast.String) else "*"


def _alias(var: ast.RangeVar) -> str:
    return var.alias.aliasname if var.alias is not None else var.relname


def _providers(items: Iterable[_Item]) -> list[_Ref]:
    return [item.ref for item in items if item.ref is not None]


def _operator(expr: ast.A_Expr) -> str | None:
    names = expr.name or ()
    return _name(names[-1]) if names else None


def _and_terms(node: ast.Node | None) -> Iterator[ast.Node]:
    if node is None:
        return
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        for arg in node.args:
            yield from _and_terms(arg)
    else:
        yield node


def _flattened(query: ast.Node) -> bool:
    """Whether PostgreSQL pulls this sub-select up into its parent: a plain SELECT ... FROM ...
    WHERE (no grouping, aggregates, DISTINCT, LIMIT, window, set operation or locking)."""
    if not isinstance(query, ast.SelectStmt) or query.op != SetOperation.SETOP_NONE:
        return False
    blockers = (
        query.groupClause,
        query.havingClause,
        query.distinctClause,
        query.limitCount,
        query.limitOffset,
        query.windowClause,
        query.lockingClause,
        query.withClause,
        query.valuesLists,
    )
    if any(b for b in blockers):
        return False
    targets = _walk(query.targetList, into=ast.SubLink)
    return not any(isinstance(n, ast.FuncCall) and (n.over or _aggregate(n)) for n in targets)


_AGGREGATES = frozenset(
    {
        "count",
        "sum",
        "min",
        "max",
        "avg",
        "array_agg",
        "json_agg",
        "jsonb_agg",
        "string_agg",
        "bool_and",
        "bool_or",
        "every",
        "json_object_agg",
        "jsonb_object_agg",
    }
)


def _aggregate(call: ast.FuncCall) -> bool:
    return call.agg_star or _name(call.funcname[-1]) in _AGGREGATES


def _row_terms(terms: Iterable[ast.Node]) -> Iterator[ast.Node]:
    """Row comparisons column by column: ``(a, b) = ($1, $2)`` as ``a = $1`` and ``b = $2``;
    ``(a, b) IN (($1, $2), ($3, $4))`` as ``a IN ($1, $3)`` and ``b IN ($2, $4)`` (what it
    implies, which is all a shard key needs)."""
    for term in terms:
        if not (isinstance(term, ast.A_Expr) and isinstance(term.lexpr, ast.RowExpr)):
            yield term
            continue
        width = len(term.lexpr.args)
        if term.kind == A_Expr_Kind.AEXPR_OP and isinstance(term.rexpr, ast.RowExpr):
            if len(term.rexpr.args) == width:
                for left, right in zip(term.lexpr.args, term.rexpr.args, strict=True):
                    yield ast.A_Expr(kind=term.kind, name=term.name, lexpr=left, rexpr=right)
        elif term.kind == A_Expr_Kind.AEXPR_IN and all(
            isinstance(row, ast.RowExpr) and len(row.args) == width for row in term.rexpr
        ):
            for i, left in enumerate(term.lexpr.args):
                values = tuple(row.args[i] for row in term.rexpr)
                yield ast.A_Expr(kind=term.kind, name=term.name, lexpr=left, rexpr=values)


_CONSTANT_LEAVES = (ast.ParamRef, ast.A_Const)


def _constant(node: object) -> bool:
    """A value known before the query runs: parameters, literals, and casts, arrays and
    function calls of them (``$1::uuid``, ``ARRAY[$1, $2]``, ``lower($1)``)."""
    if isinstance(node, list | tuple):
        return all(_constant(child) for child in node)
    if isinstance(node, _CONSTANT_LEAVES):
        return True
    if isinstance(node, ast.TypeCast):
        return _constant(node.arg)
    if isinstance(node, ast.A_ArrayExpr):
        return _constant(node.elements or ())
    if isinstance(node, ast.FuncCall):
        return _constant(node.args or ())
    if isinstance(node, ast.A_Expr):
        return _constant(node.lexpr) and _constant(node.rexpr)
    return node is None
