"""Payload transformations: JMESPath expressions, compiled into bounded Python closures.

An endpoint may reshape each payload before it is signed and sent (``{"text": join(' ', …)}``
for a chat tool, a projection that drops fields). The language is JMESPath: a pure query
language over JSON, with no loops, variables or code; every expression terminates. Its
reference interpreter is not used to evaluate: a customer's expression such as
``[@,@]|[@,@]|…`` doubles its result per pipe in constant work, and ``join`` or ``to_string``
over it would hold the worker for minutes and gigabytes. The expression is parsed with
``jmespath``'s parser and its tree compiled here into closures that charge a :class:`Budget` as
they go:

- at most :data:`MAX_STEPS` steps: a step is one node evaluated or one element of an array or
  object touched (a projection over 1,000 items costs at least 1,000 steps);
- at most :data:`MAX_OUTPUT_BYTES` of produced output: strings made by ``join``, ``to_string``
  and ``reverse``, and the encoded size of the result (measured, without encoding, by a walk that
  stops at the limit, so a result that shares one subtree a billion times costs no more than one
  that is really 1 MiB large);
- equality (``==``, ``contains``) is a walk that charges a step per node compared.

Semantics are JMESPath's as ``jmespath.search`` implements them (tests compare the two on a
corpus and with hypothesis); the built-in functions are ``jmespath.functions``' own (type checks
included), called with the budget charged first, except ``contains`` (bounded equality). Unknown
functions and wrong argument counts are refused when the expression is compiled, not at delivery.

Errors::

    TransformError              any failure; ``message`` says what
     ├── TransformSyntaxError   refused when compiled: ``offset`` (0-based), ``line``, ``column``
     └── TransformRuntimeError  evaluation failed on this payload (a type error, a null result)
          └── BudgetExceeded    the step or output budget ran out
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jmespath.exceptions
import jmespath.functions
import jmespath.parser
import msgspec

MAX_STEPS = 20_000
MAX_OUTPUT_BYTES = 1024 * 1024
MAX_EXPRESSION_CHARS = 4096
MAX_DEPTH = 48  # of the expression's tree; a result's nesting is bounded by MAX_VALUE_DEPTH
MAX_VALUE_DEPTH = 64

Evaluate = Callable[[Any, "Budget"], Any]


class TransformError(ValueError):
    """A transformation that cannot be compiled or evaluated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransformSyntaxError(TransformError):
    """Refused when compiled, at ``offset`` (0-based) = ``line``:``column`` (1-based)."""

    def __init__(self, message: str, *, expression: str, offset: int) -> None:
        offset = max(0, min(offset, len(expression)))
        self.offset = offset
        self.line = expression.count("\n", 0, offset) + 1
        self.column = offset - (expression.rfind("\n", 0, offset) + 1) + 1
        super().__init__(f"{message} (line {self.line}, column {self.column})")
        self.reason = message


class TransformRuntimeError(TransformError):
    """The expression failed on this payload."""


class BudgetExceeded(TransformRuntimeError):
    """The expression needed more steps or produced more output than allowed."""


class Budget:
    """What one evaluation may still spend."""

    __slots__ = ("output_bytes", "steps")

    def __init__(self, *, steps: int = MAX_STEPS, output_bytes: int = MAX_OUTPUT_BYTES) -> None:
        self.steps = steps
        self.output_bytes = output_bytes

    def tick(self, steps: int = 1) -> None:
        self.steps -= steps
        if self.steps < 0:
            raise BudgetExceeded(f"the expression needs more than {MAX_STEPS} steps")

    def produce(self, size_bytes: int) -> None:
        self.output_bytes -= size_bytes
        if self.output_bytes < 0:
            raise BudgetExceeded(f"the expression produces more than {MAX_OUTPUT_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled expression; ``apply`` may be called from any number of threads."""

    expression: str
    _evaluate: Evaluate

    def apply(self, payload: Any, *, budget: Budget | None = None) -> Any:
        """The expression's result on ``payload`` (a JSON value); raises TransformRuntimeError."""
        budget = budget or Budget()
        try:
            result = self._evaluate(payload, budget)
        except TransformError:
            raise
        except jmespath.exceptions.JMESPathError as exc:
            raise TransformRuntimeError(str(exc)) from None
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            # jmespath's functions on values their checks let through (`1 < 'a'`, `'a' in 1`)
            raise TransformRuntimeError(f"cannot evaluate: {exc}") from None
        except RecursionError:
            raise TransformRuntimeError("the value is nested too deeply") from None
        budget.produce(encoded_size(result, budget.output_bytes))
        return result

    def render(self, payload: Any, *, budget: Budget | None = None) -> bytes:
        """The result as the JSON bytes that are sent; a null result is an error (most often a
        misspelt field, and a receiver would be sent ``null``)."""
        result = self.apply(payload, budget=budget)
        if result is None:
            raise TransformRuntimeError("the expression produced null")
        try:
            return msgspec.json.encode(result)
        except (TypeError, ValueError, OverflowError) as exc:  # not expected: results are JSON
            raise TransformRuntimeError(f"the result is not JSON: {exc}") from None


def compile_expression(expression: str) -> Program:
    """Parse and compile ``expression``; raises TransformSyntaxError. Cached by its text, so a
    worker compiles an endpoint's expression once however many deliveries use it."""
    return _compile_cached(expression)


@lru_cache(maxsize=1024)
def _compile_cached(expression: str) -> Program:
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise TransformSyntaxError(
            f"the expression is longer than {MAX_EXPRESSION_CHARS} characters",
            expression=expression,
            offset=MAX_EXPRESSION_CHARS,
        )
    if not expression.strip():
        raise TransformSyntaxError("the expression is empty", expression=expression, offset=0)
    try:
        with warnings.catch_warnings():
            # `foo` (a string in backquotes) is JMESPath's deprecated literal form: accepted, as
            # jmespath.search accepts it, without a warning per compile.
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            tree = jmespath.parser.Parser().parse(expression).parsed
    except jmespath.exceptions.LexerError as exc:
        raise TransformSyntaxError(
            exc.message, expression=expression, offset=exc.lexer_position
        ) from None
    except jmespath.exceptions.IncompleteExpressionError:
        raise TransformSyntaxError(
            "the expression is incomplete", expression=expression, offset=len(expression)
        ) from None
    except jmespath.exceptions.ParseError as exc:
        token = exc.token_value if exc.token_value is not None else ""
        raise TransformSyntaxError(
            f"unexpected {token!r}" if token != "" else exc.msg,
            expression=expression,
            offset=exc.lex_position,
        ) from None
    except RecursionError:
        raise TransformSyntaxError(
            "the expression is nested too deeply", expression=expression, offset=0
        ) from None
    return Program(expression, _Compiler(expression).compile(tree, 0))


# -- JMESPath's notions of truth and equality ------------------------------------------------


def _is_false(value: Any) -> bool:
    return value is None or value is False or (type(value) in (str, list, dict) and not value)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _is_comparable(value: Any) -> bool:
    return type(value) in (int, float, str)


def _equals(left: Any, right: Any, budget: Budget) -> bool:
    """``jmespath``'s ``==``: Python's equality, except that 0 and 1 never equal a boolean at the
    top (nested, Python's ``True == 1`` holds, as in jmespath); a step per node compared."""
    if (_is_number(left) and left in (0, 1) and type(right) is bool) or (
        _is_number(right) and right in (0, 1) and type(left) is bool
    ):
        return False
    return _deep_equals(left, right, budget)


def _deep_equals(left: Any, right: Any, budget: Budget) -> bool:
    budget.tick()
    if left is right:
        return True  # Python's containers compare items by identity first (no NaN here)
    kind = type(left)
    if kind is list:
        return (
            type(right) is list
            and len(left) == len(right)
            and all(_deep_equals(a, b, budget) for a, b in zip(left, right, strict=True))
        )
    if kind is dict:
        if type(right) is not dict or len(left) != len(right):
            return False
        for key, value in left.items():
            other = right.get(key, _MISSING)
            if other is _MISSING or not _deep_equals(value, other, budget):
                return False
        return True
    if type(right) in (list, dict):
        return False
    return bool(left == right)


_MISSING: Any = object()


def encoded_size(value: Any, limit: int) -> int:
    """About how many bytes ``value`` encodes to as JSON, counted until ``limit`` is passed (then
    BudgetExceeded); shared subtrees count every time they appear, as they would be encoded.

    Level by level, so that the depth needs no bookkeeping per node, and an object's keys are
    summed in C: this runs on every transformed delivery.
    """
    total = 0
    level = [value]
    for depth in range(MAX_VALUE_DEPTH + 1):
        below: list[Any] = []
        for item in level:
            kind = type(item)
            if kind is str:
                total += len(item) + 2
            elif kind is dict:
                total += 2 + 4 * len(item) + sum(map(len, item))
                below.extend(item.values())
            elif kind is list:
                total += 2 + len(item)
                below.extend(item)
            else:
                total += 5  # numbers, booleans, null: small; exact sizes matter little here
            if total > limit:
                raise BudgetExceeded(f"the expression produces more than {MAX_OUTPUT_BYTES} bytes")
        if not below:
            return total
        if depth == MAX_VALUE_DEPTH:
            break
        level = below
    raise TransformRuntimeError(f"the result is nested deeper than {MAX_VALUE_DEPTH}")


# -- functions -------------------------------------------------------------------------------


class _Expression:
    """An ``&expr`` argument, as ``jmespath.functions`` expects one (it checks the class name)."""

    __slots__ = ("budget", "expression")

    def __init__(self, expression: Evaluate, budget: Budget) -> None:
        self.expression = expression
        self.budget = budget

    def visit(self, expression: Evaluate, value: Any) -> Any:
        return expression(value, self.budget)


_FUNCTIONS = jmespath.functions.Functions()
_TABLE: dict[str, dict[str, Any]] = _FUNCTIONS.FUNCTION_TABLE

# jmespath checks argument types by the Python type's name; these are the types JSON values
# and the closures here produce.
_PYTHON_TYPES: dict[str, type] = {
    "bool": bool,
    "list": list,
    "dict": dict,
    "NoneType": type(None),
    "str": str,
    "float": float,
    "int": int,
    "_Expression": _Expression,
}
# One argument's check: the allowed types (None: any), and for arrays the allowed item types
# (several: every item of the type the first one has, as jmespath checks them).
_ArgCheck = tuple[frozenset[type] | None, tuple[frozenset[type], ...]]


def _arg_checks(signature: tuple[dict[str, Any], ...]) -> list[_ArgCheck]:
    checks: list[_ArgCheck] = []
    for spec in signature:
        if not spec["types"]:
            checks.append((None, ()))
            continue
        allowed, subtypes = _FUNCTIONS._get_allowed_pytypes(spec["types"])
        checks.append(
            (
                frozenset(_PYTHON_TYPES[n] for n in allowed if n in _PYTHON_TYPES),
                tuple(
                    frozenset(_PYTHON_TYPES[n] for n in s if n in _PYTHON_TYPES) for s in subtypes
                ),
            )
        )
    return checks


def _types_pass(args: list[Any], checks: list[_ArgCheck], budget: Budget) -> bool:
    """Whether jmespath's type checks pass; zip() leaves a variadic call's extra arguments
    unchecked, as jmespath does."""
    for arg, (types, subtypes) in zip(args, checks, strict=False):
        if types is None:
            continue
        if type(arg) not in types:
            return False
        if subtypes and type(arg) is list and arg:
            budget.tick(len(arg))
            option = next((s for s in subtypes if type(arg[0]) in s), None)
            if option is None or not all(type(item) in option for item in arg):
                return False
    return True


def _charge_join(args: list[Any], budget: Budget) -> None:
    separator, parts = args
    budget.produce(len(separator) * len(parts) + sum(map(len, parts)))


def _charge_to_string(args: list[Any], budget: Budget) -> None:
    if type(args[0]) is not str:
        budget.produce(encoded_size(args[0], budget.output_bytes))


def _charge_reverse(args: list[Any], budget: Budget) -> None:
    budget.tick(len(args[0]))
    if type(args[0]) is str:
        budget.produce(len(args[0]))


def _charge_items(args: list[Any], budget: Budget) -> None:
    budget.tick(sum(len(a) for a in args if type(a) in (list, dict)))


# Functions that go over every item of an array or object argument: a step per item.
_ITEM_WALKERS = frozenset(
    {
        "avg",
        "keys",
        "map",
        "max",
        "max_by",
        "merge",
        "min",
        "min_by",
        "sort",
        "sort_by",
        "sum",
        "values",
    }
)
# What a function costs beyond its step, charged once its argument types are known to be right.
_CHARGES: dict[str, Callable[[list[Any], Budget], None]] = {
    "join": _charge_join,
    "to_string": _charge_to_string,
    "reverse": _charge_reverse,
    **{name: _charge_items for name in _ITEM_WALKERS},
}


def _contains(subject: Any, search: Any, budget: Budget) -> bool:
    """``contains`` with bounded equality (``search in subject``, as jmespath)."""
    if type(subject) is str:
        return search in subject  # a non-string search raises TypeError, as in jmespath
    budget.tick(len(subject))
    return any(_deep_equals(search, item, budget) for item in subject)


# jmespath's to_string is json.dumps(arg, separators=(",", ":"), default=str), which builds an
# encoder per call; one built once encodes the same.
_TO_STRING = json.JSONEncoder(separators=(",", ":"), default=str)
_SCALAR_TEXT: dict[Any, str] = {True: "true", False: "false", None: "null"}


def _to_string(arg: Any) -> str:
    kind = type(arg)
    if kind is str:
        return arg  # type: ignore[no-any-return]
    if kind is int:
        return str(arg)
    if kind is bool or arg is None:
        return _SCALAR_TEXT[arg]
    return _TO_STRING.encode(arg)


Call = Callable[[list[Any], Budget], Any]


def _caller(name: str) -> Call:
    """How the compiled expression calls ``name``: jmespath's own function once the arguments
    pass its type checks (checked here, faster), with the budget charged first; arguments that
    fail go through jmespath's ``call_function``, which raises its own type error."""
    spec = _TABLE[name]
    function = spec["function"]
    checks = _arg_checks(spec["signature"])
    charge = _CHARGES.get(name)

    def call(args: list[Any], budget: Budget) -> Any:
        if not _types_pass(args, checks, budget):
            return _FUNCTIONS.call_function(name, args)
        if name == "contains":
            return _contains(args[0], args[1], budget)
        if charge is not None:
            charge(args, budget)
        if name == "to_string":
            return _to_string(args[0])
        return function(_FUNCTIONS, *args)

    return call


def _check_arity(name: str, count: int) -> str | None:
    """Why ``name`` cannot be called with ``count`` arguments (None: it can)."""
    spec = _TABLE.get(name)
    if spec is None:
        return f"unknown function {name}()"
    signature = spec["signature"]
    if signature and signature[-1].get("variadic"):
        if count < len(signature):
            return f"{name}() takes at least {len(signature)} argument(s), {count} given"
    elif count != len(signature):
        return f"{name}() takes {len(signature)} argument(s), {count} given"
    return None


# -- the compiler ----------------------------------------------------------------------------


class _Compiler:
    """Turns a ``jmespath`` parse tree into closures ``(value, budget) -> value``."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self._function_searched_from: dict[str, int] = {}
        self._literals: dict[Evaluate, Any] = {}  # the closures of literals, and their values

    def fail(self, message: str, offset: int) -> TransformSyntaxError:
        return TransformSyntaxError(message, expression=self.expression, offset=offset)

    def compile(self, node: dict[str, Any], depth: int) -> Evaluate:
        if depth > MAX_DEPTH:
            raise self.fail(f"the expression is nested deeper than {MAX_DEPTH}", 0)
        kind = node["type"]
        method: Callable[[dict[str, Any], int], Evaluate] | None = getattr(self, f"_{kind}", None)
        if method is None:
            raise self.fail(f"{kind.replace('_', ' ')} is not supported", 0)
        return method(node, depth)

    def children(self, node: dict[str, Any], depth: int) -> list[Evaluate]:
        return [self.compile(child, depth + 1) for child in node["children"]]

    # paths

    def _field(self, node: dict[str, Any], depth: int) -> Evaluate:
        name = node["value"]

        def field(value: Any, budget: Budget) -> Any:
            budget.steps -= 1  # budget.tick(), inlined on the hottest nodes
            if budget.steps < 0:
                budget.tick(0)
            return value.get(name) if type(value) is dict else None

        return field

    def _current(self, node: dict[str, Any], depth: int) -> Evaluate:
        return _identity

    _identity = _current

    def _literal(self, node: dict[str, Any], depth: int) -> Evaluate:
        literal = node["value"]
        if not _is_json(literal):
            raise self.fail("a literal must be JSON (no NaN or Infinity)", 0)

        def constant(value: Any, budget: Budget) -> Any:
            budget.tick()
            return literal

        self._literals[constant] = literal
        return constant

    def _chain(self, node: dict[str, Any], depth: int) -> Evaluate:
        # `a | b | c` parses as a left-leaning tree; composed as one flat list, a long chain
        # costs no depth (of the tree here, or of the stack when it runs).
        steps: list[Evaluate] = []
        pending = [node]
        while pending:
            current = pending.pop()
            if current["type"] in _CHAINS:
                pending.extend(reversed(current["children"]))
            else:
                steps.append(self.compile(current, depth + 1))
        if len(steps) == 2:
            first, second = steps

            def pair(value: Any, budget: Budget) -> Any:
                return second(first(value, budget), budget)

            return pair

        def chain(value: Any, budget: Budget) -> Any:
            for step in steps:
                value = step(value, budget)
            return value

        return chain

    _subexpression = _index_expression = _pipe = _chain

    def _index(self, node: dict[str, Any], depth: int) -> Evaluate:
        position = node["value"]

        def index(value: Any, budget: Budget) -> Any:
            budget.tick()
            if type(value) is not list or not -len(value) <= position < len(value):
                return None
            return value[position]

        return index

    def _slice(self, node: dict[str, Any], depth: int) -> Evaluate:
        start, stop, step = node["children"]
        if step == 0:
            found = re.search(r":\s*0*\s*\]", self.expression)
            raise self.fail("a slice's step cannot be 0", found.start() if found else 0)
        bounds = slice(start, stop, step)

        def slice_(value: Any, budget: Budget) -> Any:
            budget.tick()
            if type(value) is not list:
                return None
            taken = value[bounds]
            budget.tick(len(taken))
            return taken

        return slice_

    def _key_val_pair(self, node: dict[str, Any], depth: int) -> Evaluate:
        return self.compile(node["children"][0], depth + 1)

    # projections

    def _projection(self, node: dict[str, Any], depth: int) -> Evaluate:
        left, right = self.children(node, depth)

        def projection(value: Any, budget: Budget) -> Any:
            base = left(value, budget)
            if type(base) is not list:
                return None
            return _project(base, right, budget)

        return projection

    def _value_projection(self, node: dict[str, Any], depth: int) -> Evaluate:
        left, right = self.children(node, depth)

        def value_projection(value: Any, budget: Budget) -> Any:
            base = left(value, budget)
            if type(base) is not dict:
                return None
            return _project(base.values(), right, budget)

        return value_projection

    def _filter_projection(self, node: dict[str, Any], depth: int) -> Evaluate:
        left, right, condition = self.children(node, depth)

        def filter_projection(value: Any, budget: Budget) -> Any:
            base = left(value, budget)
            if type(base) is not list:
                return None
            collected = []
            for element in base:
                budget.tick()
                if not _is_false(condition(element, budget)):
                    current = right(element, budget)
                    if current is not None:
                        collected.append(current)
            return collected

        return filter_projection

    def _flatten(self, node: dict[str, Any], depth: int) -> Evaluate:
        (inner,) = self.children(node, depth)

        def flatten(value: Any, budget: Budget) -> Any:
            base = inner(value, budget)
            if type(base) is not list:
                return None
            merged: list[Any] = []
            for element in base:
                if type(element) is list:
                    budget.tick(len(element) + 1)
                    merged.extend(element)
                else:
                    budget.tick()
                    merged.append(element)
            return merged

        return flatten

    # building

    def _multi_select_list(self, node: dict[str, Any], depth: int) -> Evaluate:
        gather = self.gatherer(self.children(node, depth))

        def multi_select_list(value: Any, budget: Budget) -> Any:
            if value is None:
                budget.tick()
                return None
            return gather(value, budget)

        return multi_select_list

    def _multi_select_dict(self, node: dict[str, Any], depth: int) -> Evaluate:
        keys = [child["value"] for child in node["children"]]
        gather = self.gatherer([self.compile(child, depth + 1) for child in node["children"]])

        def multi_select_dict(value: Any, budget: Budget) -> Any:
            if value is None:
                budget.tick()
                return None
            return dict(zip(keys, gather(value, budget), strict=True))

        return multi_select_dict

    def gatherer(self, items: list[Evaluate]) -> Callable[[Any, Budget], list[Any]]:
        """The values of ``items`` on one value, in order, with a step for the whole (building
        it) and one per item; literals are filled in without being called (a reshaping into a
        chat tool's format is mostly literals)."""
        literal_at = {i: self._literals[f] for i, f in enumerate(items) if f in self._literals}
        evaluated = [(i, f) for i, f in enumerate(items) if i not in literal_at]
        template = [literal_at.get(i) for i in range(len(items))]
        fixed_steps = 1 + len(literal_at)
        if not literal_at:

            def gather_all(value: Any, budget: Budget) -> list[Any]:
                budget.steps -= 1
                if budget.steps < 0:
                    budget.tick(0)
                return [item(value, budget) for item in items]

            return gather_all

        def gather(value: Any, budget: Budget) -> list[Any]:
            budget.tick(fixed_steps)
            values = template.copy()
            for i, item in evaluated:
                values[i] = item(value, budget)
            return values

        return gather

    # logic

    def _comparator(self, node: dict[str, Any], depth: int) -> Evaluate:
        left, right = self.children(node, depth)
        operator = node["value"]
        if operator in ("eq", "ne"):
            wanted = operator == "eq"

            def equality(value: Any, budget: Budget) -> Any:
                return _equals(left(value, budget), right(value, budget), budget) is wanted

            return equality
        compare = _ORDERINGS[operator]

        def ordering(value: Any, budget: Budget) -> Any:
            a, b = left(value, budget), right(value, budget)
            if not (_is_comparable(a) and _is_comparable(b)):
                return None
            return compare(a, b)  # a number against a string: TypeError, as in jmespath

        return ordering

    def _or_expression(self, node: dict[str, Any], depth: int) -> Evaluate:
        left, right = self.children(node, depth)

        def or_(value: Any, budget: Budget) -> Any:
            matched = left(value, budget)
            return right(value, budget) if _is_false(matched) else matched

        return or_

    def _and_expression(self, node: dict[str, Any], depth: int) -> Evaluate:
        left, right = self.children(node, depth)

        def and_(value: Any, budget: Budget) -> Any:
            matched = left(value, budget)
            return matched if _is_false(matched) else right(value, budget)

        return and_

    def _not_expression(self, node: dict[str, Any], depth: int) -> Evaluate:
        (inner,) = self.children(node, depth)

        def not_(value: Any, budget: Budget) -> Any:
            result = inner(value, budget)
            if _is_number(result) and result == 0:
                return False  # jmespath: 0 is truthy
            return not result

        return not_

    # functions

    def _expref(self, node: dict[str, Any], depth: int) -> Evaluate:
        # Elsewhere jmespath would hand back a value that is not JSON (or fail on it).
        found = re.search(r"(?<!&)&(?!&)", self.expression)
        raise self.fail(
            "&expression is only an argument of map, sort_by, min_by and max_by",
            found.start() if found else 0,
        )

    def expref(self, node: dict[str, Any], depth: int) -> Evaluate:
        (inner,) = self.children(node, depth)

        def expref(value: Any, budget: Budget) -> Any:
            return _Expression(inner, budget)

        return expref

    def _function_expression(self, node: dict[str, Any], depth: int) -> Evaluate:
        name = node["value"]
        offset = self._function_offset(name)  # every call, in source order, so each is found
        why = _check_arity(name, len(node["children"]))
        if why is not None:
            raise self.fail(why, offset)
        signature = _TABLE[name]["signature"]
        args = [
            self.expref(arg, depth + 1)
            if arg["type"] == "expref"
            and signature[min(i, len(signature) - 1)]["types"] == ["expref"]
            else self.compile(arg, depth + 1)
            for i, arg in enumerate(node["children"])
        ]
        gather = self.gatherer(args)
        call = _caller(name)

        def function(value: Any, budget: Budget) -> Any:
            return call(gather(value, budget), budget)

        return function

    def _function_offset(self, name: str) -> int:
        """Where the call of ``name`` is in the expression (the tree does not keep places)."""
        start = self._function_searched_from.get(name, 0)
        found = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}\s*\(").search(
            self.expression, start
        )
        if found is None:
            return 0
        self._function_searched_from[name] = found.end()
        return found.start()


def _identity(value: Any, budget: Budget) -> Any:
    budget.tick()
    return value


def _project(base: Iterable[Any], right: Evaluate, budget: Budget) -> list[Any]:
    collected = []
    for element in base:
        budget.tick()
        current = right(element, budget)
        if current is not None:
            collected.append(current)
    return collected


_CHAINS = frozenset({"subexpression", "index_expression", "pipe"})

_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def _is_json(value: Any) -> bool:
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(_is_json(item) for item in value)
    if type(value) is dict:
        return all(_is_json(item) for item in value.values())
    return True
