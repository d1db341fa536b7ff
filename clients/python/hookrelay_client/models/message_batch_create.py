from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.message_create import MessageCreate


T = TypeVar("T", bound="MessageBatchCreate")


@_attrs_define
class MessageBatchCreate:
    """Up to 100 events to publish in one request: all are accepted, or none.

    Attributes:
        messages (list[MessageCreate]):
    """

    messages: list[MessageCreate]

    def to_dict(self) -> dict[str, Any]:
        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "messages": messages,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.message_create import MessageCreate  # noqa: PLC0415

        d = dict(src_dict)
        messages = []
        _messages = d.pop("messages")
        for messages_item_data in _messages:
            messages_item = MessageCreate.from_dict(messages_item_data)

            messages.append(messages_item)

        message_batch_create = cls(
            messages=messages,
        )

        return message_batch_create
