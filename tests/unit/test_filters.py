from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.kit.filters import MAX_DEPTH, MAX_NODES, FilterError, compile_filter, parse_path
from app.kit.matching import Subscription, channels_match

PAYLOAD: dict[str, Any] = {
    "amount": 150,
    "price": 9.5,
    "currency": "EUR",
    "paid": True,
    "note": None,
    "customer": {"id": "cus_1", "tier": "gold", "tags": ["vip", "eu"]},
    "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}],
    "created_at": "2026-11-23T10:00:00Z",
}


def leaf(path: str, op: str, value: Any = None, *, with_value: bool = True) -> dict[str, Any]:
    node: dict[str, Any] = {"path": path, "op": op}
    if with_value:
        node["value"] = value
    return node


class TestEvaluation:
    @pytest.mark.parametrize(
        ("payload_filter", "expected"),
        [
            (leaf("$.amount", "eq", 150), True),
            (leaf("$.amount", "eq", 150.0), True),
            (leaf("amount", "eq", 150), True),
            (leaf("$.amount", "eq", "150"), False),
            (leaf("$.paid", "eq", 1), False),
            (leaf("$.paid", "eq", True), True),
            (leaf("$.note", "eq", None), True),
            (
                leaf("$.customer", "eq", {"id": "cus_1", "tier": "gold", "tags": ["vip", "eu"]}),
                True,
            ),
            (leaf("$.customer.tags", "eq", ["eu", "vip"]), False),
            (leaf("$.amount", "neq", 150), False),
            (leaf("$.amount", "neq", 151), True),
            (leaf("$.missing", "neq", 1), True),
            (leaf("$.missing", "eq", None), False),
            (leaf("$.currency", "in", ["USD", "EUR"]), True),
            (leaf("$.currency", "in", []), False),
            (leaf("$.currency", "nin", ["USD", "EUR"]), False),
            (leaf("$.missing", "nin", ["x"]), True),
            (leaf("$.missing", "in", ["x"]), False),
            (leaf("$.amount", "gt", 100), True),
            (leaf("$.amount", "gt", 150), False),
            (leaf("$.amount", "gte", 150), True),
            (leaf("$.price", "lt", 10), True),
            (leaf("$.price", "lte", 9.5), True),
            (leaf("$.currency", "gt", 1), False),
            (leaf("$.amount", "gt", "1"), False),
            (leaf("$.paid", "gt", 0), False),
            (leaf("$.created_at", "gte", "2026-11-01T00:00:00Z"), True),
            (leaf("$.missing", "lt", 5), False),
            (leaf("$.customer.id", "prefix", "cus_"), True),
            (leaf("$.customer.id", "prefix", "acct_"), False),
            (leaf("$.amount", "prefix", "1"), False),
            (leaf("$.customer.tier", "exists", with_value=False), True),
            (leaf("$.note", "exists", True), True),
            (leaf("$.missing", "exists", True), False),
            (leaf("$.missing", "exists", False), True),
            (leaf("$.lines[0].sku", "eq", "A-1"), True),
            (leaf("$.lines[1].qty", "lt", 2), True),
            (leaf("$.lines[2].sku", "exists", True), False),
            (leaf("$.customer[0]", "exists", True), False),
            (leaf("$.lines.sku", "exists", True), False),
            (leaf("$", "exists", True), True),
            ({"and": [leaf("$.amount", "gt", 100), leaf("$.currency", "eq", "EUR")]}, True),
            ({"and": [leaf("$.amount", "gt", 100), leaf("$.currency", "eq", "USD")]}, False),
            ({"or": [leaf("$.amount", "gt", 1000), leaf("$.currency", "eq", "EUR")]}, True),
            ({"or": [leaf("$.amount", "gt", 1000), leaf("$.currency", "eq", "USD")]}, False),
            ({"not": leaf("$.currency", "eq", "USD")}, True),
            ({"not": {"not": leaf("$.currency", "eq", "USD")}}, False),
        ],
    )
    def test_filter_on_payload(self, payload_filter: dict[str, Any], expected: bool) -> None:
        assert compile_filter(payload_filter)(PAYLOAD) is expected

    def test_non_object_payloads_simply_do_not_match(self) -> None:
        predicate = compile_filter(leaf("$.a", "eq", 1))
        for payload in (None, 1, "a", [1], True):
            assert predicate(payload) is False


class TestValidation:
    @pytest.mark.parametrize(
        ("payload_filter", "where"),
        [
            ([], "$"),
            ({"path": "$.a", "op": "gtt", "value": 1}, "$"),
            ({"path": 1, "op": "eq", "value": 1}, "$"),
            ({"path": "$.a", "op": "eq"}, "$"),
            ({"path": "$..a", "op": "eq", "value": 1}, "$.path"),
            ({"path": "$.a[x]", "op": "eq", "value": 1}, "$.path"),
            ({"path": "$.a[-1]", "op": "eq", "value": 1}, "$.path"),
            ({"path": "", "op": "eq", "value": 1}, "$.path"),
            ({"path": "$.a", "op": "eq", "value": 1, "extra": 2}, "$"),
            ({"path": "$.a", "op": "in", "value": 1}, "$"),
            ({"path": "$.a", "op": "in", "value": list(range(101))}, "$"),
            ({"path": "$.a", "op": "prefix", "value": 1}, "$"),
            ({"path": "$.a", "op": "gt", "value": [1]}, "$"),
            ({"path": "$.a", "op": "gt", "value": True}, "$"),
            ({"path": "$.a", "op": "exists", "value": "yes"}, "$"),
            ({"and": []}, "$.and"),
            ({"and": {"path": "$.a", "op": "eq", "value": 1}}, "$.and"),
            ({"or": [leaf("$.a", "eq", 1), {"xor": []}]}, "$.or[1]"),
            ({"and": [leaf("$.a", "eq", 1)], "or": [leaf("$.a", "eq", 1)]}, "$"),
            ({"not": leaf("$.a", "nope", 1)}, "$.not"),
            (
                {"and": [leaf("$.a", "eq", 1), {"not": leaf("$.b..c", "eq", 1)}]},
                "$.and[1].not.path",
            ),
        ],
    )
    def test_malformed_filter_names_where(self, payload_filter: Any, where: str) -> None:
        with pytest.raises(FilterError) as raised:
            compile_filter(payload_filter)
        assert raised.value.where == where

    def test_depth_is_bounded(self) -> None:
        node: dict[str, Any] = leaf("$.a", "eq", 1)
        for _ in range(MAX_DEPTH):
            node = {"not": node}
        with pytest.raises(FilterError, match="nest"):
            compile_filter(node)

    def test_size_is_bounded(self) -> None:
        node = {"or": [{"and": [leaf("$.a", "eq", i)] * 10} for i in range(6)]}
        # 1 + 6 x (1 + 10) nodes
        with pytest.raises(FilterError, match=f"{MAX_NODES} nodes"):
            compile_filter(node)
        with pytest.raises(FilterError, match="bytes"):
            compile_filter(leaf("$.a", "eq", "x" * 9000))

    def test_paths(self) -> None:
        assert parse_path("$.a.b[0].c-d_e") == ("a", "b", 0, "c-d_e")
        assert parse_path("a[12]") == ("a", 12)
        assert parse_path("$") == ()


class TestSubscription:
    @pytest.mark.parametrize(
        ("subscribed", "channels", "expected"),
        [
            (None, None, True),
            (None, ["eu"], True),
            (["eu"], None, False),
            (["eu"], [], False),
            (["eu", "us"], ["us"], True),
            (["eu"], ["us", "eu"], True),
            (["eu"], ["us"], False),
        ],
    )
    def test_channels(
        self, subscribed: list[str] | None, channels: list[str] | None, expected: bool
    ) -> None:
        assert channels_match(subscribed, channels) is expected

    def test_types_channels_and_filter_all_apply(self) -> None:
        sub = Subscription(["invoice.*"], ["eu"], leaf("$.amount", "gt", 100))
        assert sub.accepts("invoice.paid", ["eu"], {"amount": 101})
        assert not sub.accepts("invoice.paid", ["eu"], {"amount": 100})
        assert not sub.accepts("invoice.paid", ["us"], {"amount": 101})
        assert not sub.accepts("customer.created", ["eu"], {"amount": 101})

    def test_a_stored_filter_that_does_not_compile_matches_nothing(self) -> None:
        assert not Subscription(["*"], None, {"bogus": 1}).accepts("a", None, {})


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "0"]), children, max_size=4)
    ),
    max_leaves=20,
)
PATHS = st.sampled_from(["$", "$.a", "$.a.b", "$.a[0]", "$.b[1].c", "a.a.a", "$.0"])
OPS = st.sampled_from(["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "prefix", "exists"])


@st.composite
def filters(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["leaf", "leaf", "and", "or", "not"] if depth < 3 else ["leaf"]))
    if kind == "not":
        return {"not": draw(filters(depth + 1))}
    if kind in ("and", "or"):
        return {kind: draw(st.lists(filters(depth + 1), min_size=1, max_size=3))}
    op = draw(OPS)
    value: Any
    if op in ("in", "nin"):
        value = draw(st.lists(JSON, max_size=3))
    elif op == "prefix":
        value = draw(st.text(max_size=3))
    elif op in ("gt", "gte", "lt", "lte"):
        value = draw(
            st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=3)
        )
    elif op == "exists":
        value = draw(st.booleans())
    else:
        value = draw(JSON)
    return {"path": draw(PATHS), "op": op, "value": value}


@settings(max_examples=300, deadline=None)
@given(payload_filter=filters(), payload=JSON)
def test_evaluation_never_raises_and_not_negates(
    payload_filter: dict[str, Any], payload: Any
) -> None:
    result = compile_filter(payload_filter)(payload)
    assert isinstance(result, bool)
    assert compile_filter({"not": payload_filter})(payload) is (not result)


@settings(max_examples=300, deadline=None)
@given(anything=JSON)
def test_arbitrary_json_either_compiles_or_is_a_filter_error(anything: Any) -> None:
    try:
        predicate = compile_filter(anything)
    except FilterError as exc:
        assert exc.where.startswith("$")
    else:
        assert isinstance(predicate(anything), bool)
