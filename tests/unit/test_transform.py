"""The transformation compiler: JMESPath's semantics (compared with ``jmespath.search``), its
budgets against hostile expressions, and the places of its errors."""

from __future__ import annotations

import warnings
from typing import Any

import jmespath
import jmespath.exceptions
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kit.transform import (
    MAX_STEPS,
    Budget,
    BudgetExceeded,
    TransformError,
    TransformRuntimeError,
    TransformSyntaxError,
    compile_expression,
)

ORDER = {
    "id": "ord_1",
    "total": 129.5,
    "count": 3,
    "paid": True,
    "note": "",
    "zero": 0,
    "customer": {"name": "Ada", "email": "ada@example.com", "tags": ["vip", "b2b"]},
    "lines": [
        {"sku": "A-1", "qty": 2, "price": 10.0, "gift": False},
        {"sku": "B-2", "qty": 1, "price": 99.5, "gift": True},
        {"sku": "C-3", "qty": 5, "price": 2.0, "meta": {"color": "red"}},
    ],
    "matrix": [[1, 2], [3, [4, 5]], 6],
    "flags": {"a": True, "b": False, "c": None},
    "empty": [],
    "obj": {},
}

CORPUS = [
    "@",
    "id",
    "customer.name",
    "customer.missing.deeper",
    "lines[0].sku",
    "lines[-1].meta.color",
    "lines[7]",
    "lines[*].sku",
    "lines[*].meta.color",
    "lines[].qty",
    "lines[?qty > `1`].sku",
    "lines[?gift].sku",
    "lines[?!gift].sku",
    "lines[?price >= `10`] | [0].sku",
    "lines[?sku == 'B-2'].qty",
    "lines[?sku != 'B-2'].qty",
    "lines[:2].sku",
    "lines[::-1].sku",
    "lines[1:].price",
    "matrix[]",
    "matrix[][]",
    "flags.*",
    "*.name",
    "customer.tags[0]",
    "{id: id, who: customer.name, n: length(lines)}",
    "[id, total, customer.email]",
    "lines[*].[sku, qty]",
    "lines[*].{s: sku, q: qty}",
    "note || 'none'",
    "empty || obj || `false` || 'last'",
    "paid && customer.name",
    "note && 'x'",
    "!note",
    "!zero",
    "!empty",
    "zero == `false`",
    "count == `3.0`",
    "paid == `true`",
    "customer.tags == ['vip', 'b2b']",
    "total > `100`",
    "id < 'z'",
    "customer < `1`",
    "length(customer.tags)",
    "length(id)",
    "length(flags)",
    "keys(flags)",
    "values(customer)",
    "join(', ', customer.tags)",
    "join('', lines[*].sku)",
    "to_string(total)",
    "to_string(customer)",
    "to_string(id)",
    "to_string(paid)",
    "to_string(missing)",
    "to_string(zero)",
    "to_string(lines[1].price)",
    "to_string(flags)",
    'to_string(`{"name": "Zoë", "n": [1.5, null]}`)',
    "to_number('12.5')",
    "to_number('nope')",
    "to_number(count)",
    "to_array(id)",
    "to_array(lines)[0].sku",
    "contains(customer.tags, 'vip')",
    "contains(id, 'ord')",
    "contains(lines[*].qty, `5`)",
    "starts_with(id, 'ord_')",
    "ends_with(customer.email, '.com')",
    "merge(customer, {tags: null, vip: `true`})",
    "not_null(missing, note, id)",
    "sort_by(lines, &price)[*].sku",
    "sort_by(lines, &sku)[-1].sku",
    "max_by(lines, &qty).sku",
    "min_by(lines, &price).sku",
    "sort(customer.tags)",
    "sort(lines[*].qty)",
    "max(lines[*].price)",
    "min(lines[*].sku)",
    "sum(lines[*].qty)",
    "avg(lines[*].qty)",
    "abs(`-3`)",
    "ceil(total)",
    "floor(total)",
    "reverse(id)",
    "reverse(customer.tags)",
    "type(lines)",
    "type(missing)",
    "map(&sku, lines)",
    "map(&qty, lines) | sum(@)",
    "lines[?contains(sku, 'B')].sku",
    "lines | length(@)",
    "`[1, 2, 3]`[1]",
    "'literal'",
    "{text: join(' ', [id, 'paid', to_string(total)]), blocks: lines[*].{type: 'section', text: sku}}",
]


def search(expression: str, payload: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jmespath.search(expression, payload)


class TestSemantics:
    @pytest.mark.parametrize("expression", CORPUS)
    def test_corpus_matches_jmespath(self, expression: str) -> None:
        assert compile_expression(expression).apply(ORDER) == search(expression, ORDER)

    @pytest.mark.parametrize("expression", CORPUS)
    def test_result_types_match_jmespath(self, expression: str) -> None:
        # 1 == True in Python: compare the types too, so `true` never stands in for `1`.
        ours = compile_expression(expression).apply(ORDER)
        assert repr(ours) == repr(search(expression, ORDER))

    def test_type_errors_are_runtime_errors(self) -> None:
        for expression in ("length(total)", "join(', ', lines)", "sort_by(lines, &meta)"):
            with pytest.raises(jmespath.exceptions.JMESPathTypeError):
                search(expression, ORDER)
            with pytest.raises(TransformRuntimeError):
                compile_expression(expression).apply(ORDER)

    def test_ordering_a_number_against_a_string_is_a_runtime_error(self) -> None:
        with pytest.raises(TypeError):
            search("total < id", ORDER)
        with pytest.raises(TransformRuntimeError):
            compile_expression("total < id").apply(ORDER)

    def test_render_encodes_the_result_and_refuses_null(self) -> None:
        program = compile_expression("{id: id, qty: lines[*].qty}")
        assert program.render(ORDER) == b'{"id":"ord_1","qty":[2,1,5]}'
        with pytest.raises(TransformRuntimeError, match="null"):
            compile_expression("custmer.name").render(ORDER)

    def test_compiled_once_per_expression(self) -> None:
        assert compile_expression("customer.name") is compile_expression("customer.name")


# -- property: the compiled form equals jmespath.search wherever the budget holds ------------

KEYS = ["a", "b", "c", "n"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-5, 5, allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["", "a", "b", "ab", "ba"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    ),
    max_leaves=20,
)
ONE_ARGUMENT_FUNCTIONS = [
    *("length", "keys", "values", "to_string", "to_number", "type", "not_null"),
    *("sort", "reverse", "to_array", "sum", "max", "min", "avg", "abs", "floor", "ceil"),
]
TWO_ARGUMENT_FUNCTIONS = ["contains", "merge", "starts_with", "ends_with", "not_null", "join"]
literals = st.sampled_from(["`1`", "`0`", "`true`", "`null`", "'a'", "`[1, 2]`", "`{}`", "''"])


def expressions() -> st.SearchStrategy[str]:
    atoms = st.one_of(st.sampled_from(KEYS), st.just("@"), literals)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(KEYS)).map(lambda t: f"{t[0]}.{t[1]}"),
            st.tuples(inner, st.integers(-2, 2)).map(lambda t: f"{t[0]}[{t[1]}]"),
            inner.map(lambda e: f"{e}[*]"),
            inner.map(lambda e: f"{e}[]"),
            inner.map(lambda e: f"{e}.*"),
            inner.map(lambda e: f"{e}[::-1]"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]} | {t[1]}"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]}) || ({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]}) && ({t[1]})"),
            inner.map(lambda e: f"!({e})"),
            st.tuples(inner, st.sampled_from(["==", "!=", "<", ">="]), inner).map(
                lambda t: f"({t[0]}) {t[1]} ({t[2]})"
            ),
            st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"{{x: {t[0]}, y: {t[1]}}}"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[?{t[1]}]"),
            st.tuples(
                st.sampled_from(ONE_ARGUMENT_FUNCTIONS),
                inner,
            ).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(TWO_ARGUMENT_FUNCTIONS), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"
            ),
            inner.map(lambda e: f"join(',', {e})"),
            st.tuples(st.sampled_from(["sort_by", "min_by", "max_by"]), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, &{t[2]})"
            ),
            st.tuples(inner, inner).map(lambda t: f"map(&{t[1]}, {t[0]})"),
            st.tuples(inner, st.sampled_from(["[1:]", "[::2]", "[-2:]", "[:1]"])).map(
                lambda t: f"{t[0]}{t[1]}"
            ),
            st.tuples(inner, st.sampled_from(KEYS), inner).map(
                lambda t: f"{t[0]}[?{t[1]} == {t[2]}]"
            ),
        )

    return st.recursive(atoms, extend, max_leaves=6)


def outcome(evaluate: Any) -> tuple[str, Any]:
    try:
        return "value", repr(evaluate())
    except (jmespath.exceptions.JMESPathError, TransformRuntimeError, TypeError, ValueError):
        return "error", None


class TestSameAsJmespath:
    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(expression=expressions(), payload=json_values)
    def test_compiled_equals_search(self, expression: str, payload: Any) -> None:
        try:
            program = compile_expression(expression)
        except TransformSyntaxError:
            # Refused when saved: jmespath refuses it too, or fails it whenever it runs.
            with pytest.raises((jmespath.exceptions.JMESPathError, ValueError)):
                search(expression, payload)
            return
        try:
            ours = outcome(lambda: program.apply(payload))
        except BudgetExceeded:
            return
        assert ours == outcome(lambda: search(expression, payload))


# -- budgets ---------------------------------------------------------------------------------

DOUBLING = " | ".join(["[@, @]"] * 40)
HOSTILE = {
    "doubling pipes": DOUBLING,
    "to_string of a doubling": f"to_string({DOUBLING})",
    "join of doubled strings": "'x' | " + " | ".join(["join('', [@, @, @, @, @, @, @, @])"] * 12),
    "nested projections": "items[*].items[*].items[*].items[*].id",
    "cartesian filter": "items[?items[?items[?@ >= `0`]]].items[*].items[*]",
    "equality on shared trees": f"({DOUBLING}) == ({DOUBLING})",
    "contains on shared trees": f"contains([{DOUBLING}], {DOUBLING})",
    "sort of a long array": "sort(big)",
    "map over a long array": "map(&to_string(@), big)",
    "flatten many times": "[big, big, big, big][][][]",
}
BIG = {
    "items": [
        {"id": i, "items": [{"id": j, "items": list(range(30))} for j in range(30)]}
        for i in range(30)
    ],
    "big": list(range(30_000)),
}


class TestBudgets:
    @pytest.mark.parametrize("name", list(HOSTILE))
    def test_hostile_expression_stops_at_the_budget(self, name: str) -> None:
        with pytest.raises(BudgetExceeded):
            compile_expression(HOSTILE[name]).render(BIG)

    def test_steps_are_counted_per_item(self) -> None:
        budget = Budget()
        compile_expression("big[*]").apply({"big": list(range(100))}, budget=budget)
        assert MAX_STEPS - budget.steps >= 100

    def test_a_smaller_budget_stops_sooner(self) -> None:
        with pytest.raises(BudgetExceeded):
            compile_expression("items[*].id").apply(BIG, budget=Budget(steps=10))

    def test_output_budget_counts_the_encoded_result(self) -> None:
        payload = {"s": "x" * 600_000}
        compile_expression("s").render(payload)
        with pytest.raises(BudgetExceeded):
            compile_expression("[s, s]").render(payload)

    def test_deeply_nested_result_is_refused(self) -> None:
        with pytest.raises(TransformRuntimeError, match="nested"):
            compile_expression(" | ".join(["[@]"] * 70)).render(1)


# -- errors and their places -----------------------------------------------------------------


class TestErrorPlaces:
    @pytest.mark.parametrize(
        ("expression", "offset", "line", "column"),
        [
            ("customer.[", 10, 1, 11),
            ("customer.name |", 15, 1, 16),
            ("{a: id,\n b: total ^ 2}", 18, 2, 11),
            ("nope(id)", 0, 1, 1),
            ("id | length(id, total)", 5, 1, 6),
            ("join(',', tags) | join(',')", 18, 1, 19),
            ("lines[1:2:0]", 9, 1, 10),
            ("", 0, 1, 1),
        ],
    )
    def test_syntax_error_names_its_place(
        self, expression: str, offset: int, line: int, column: int
    ) -> None:
        with pytest.raises(TransformSyntaxError) as caught:
            compile_expression(expression)
        error = caught.value
        assert (error.offset, error.line, error.column) == (offset, line, column)
        assert f"line {line}, column {column}" in error.message

    @pytest.mark.parametrize("expression", ["&id", "not_null(&id)", "[&id]", "to_array(&id)"])
    def test_an_expression_reference_outside_its_functions_is_refused(
        self, expression: str
    ) -> None:
        with pytest.raises(TransformSyntaxError, match="only an argument of") as caught:
            compile_expression(expression)
        assert caught.value.offset == expression.index("&")

    def test_unknown_function_is_refused_when_compiled(self) -> None:
        with pytest.raises(TransformSyntaxError, match="unknown function eval"):
            compile_expression("eval(id)")

    def test_too_long_expression_is_refused(self) -> None:
        with pytest.raises(TransformSyntaxError, match="longer than"):
            compile_expression("a" * 5000)

    def test_too_deep_expression_is_refused(self) -> None:
        with pytest.raises(TransformSyntaxError, match="nested"):
            compile_expression("[" * 100 + "a" + "]" * 100)

    def test_every_error_is_a_transform_error(self) -> None:
        assert issubclass(TransformSyntaxError, TransformError)
        assert issubclass(BudgetExceeded, TransformRuntimeError)


class TestAnyInput:
    """Whatever a client sends, the outcome is a value or a TransformError: never another
    exception (which the API would answer as a 500)."""

    @settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        expression=st.one_of(
            st.text(max_size=60),
            st.text(alphabet="ab@*[]{}()|&!=<>?:,.'`\"0123456789-_ \n\\", max_size=60),
            expressions(),
        ),
        payload=json_values,
    )
    def test_text_compiles_and_runs_or_fails_as_a_transform_error(
        self, expression: str, payload: Any
    ) -> None:
        try:
            program = compile_expression(expression)
        except TransformSyntaxError as exc:
            assert 0 <= exc.offset <= len(expression)
            return
        try:
            body = program.render(payload)
        except TransformRuntimeError:
            return
        # What is sent is JSON, and is what the expression produced.
        assert msgspec.json.decode(body) == program.apply(payload)
