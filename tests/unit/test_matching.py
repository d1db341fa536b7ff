import pytest

from app.kit.matching import matches


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["invoice.paid"], "invoice.paid", True),
        (["invoice.paid"], "invoice.created", False),
        (["invoice.*"], "invoice.paid", True),
        (["invoice.*"], "invoice.line.added", True),
        (["invoice.*"], "invoice", False),
        (["invoice.*"], "invoicex.paid", False),
        (["invoice.*"], "customer.invoice.paid", False),
        (["*"], "anything.at.all", True),
        ([], "invoice.paid", False),
        (["customer.created", "invoice.*"], "invoice.paid", True),
        (["invoice.paid.*"], "invoice.paid", False),
    ],
)
def test_subscription_matching(patterns: list[str], event_type: str, expected: bool) -> None:
    assert matches(patterns, event_type) is expected
