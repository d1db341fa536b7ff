"""The claimed delivery's type and the recorded rows' types match the statements that fill them."""

from __future__ import annotations

import typing

from app.deliveries import repository
from app.deliveries.repository import AttemptRow, ClaimedDelivery, DeliveryChange


class TestClaimedDelivery:
    def test_fields_are_the_claims_columns_in_order(self) -> None:
        # Rows become ClaimedDelivery by position: a column added to the claim but not to the
        # type (or in another order) would put values under the wrong names.
        columns = tuple(column.key for column in repository._CLAIM_COLUMNS)
        assert ClaimedDelivery._fields == columns

    def test_postgresql_statement_returns_the_same_columns(self) -> None:
        returned = [c.key for c in repository._CLAIM_FOR_SEND_PG.selected_columns]
        assert tuple(returned) == ClaimedDelivery._fields


class TestRecordedRows:
    def test_attempt_row_keys_are_the_postgresql_insert_columns(self) -> None:
        assert tuple(typing.get_type_hints(AttemptRow)) == tuple(repository._ATTEMPT_PG_TYPES)

    def test_delivery_change_keys_are_the_bind_names_of_both_statements(self) -> None:
        names = set(typing.get_type_hints(DeliveryChange))
        assert names <= set(repository._RECORD.compile().params)
        assert all(f"v.{name}" in repository._RECORD_PG.text for name in names)
