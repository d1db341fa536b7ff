from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_type_update_example_type_0 import EventTypeUpdateExampleType0
    from ..models.event_type_update_schema_type_0 import EventTypeUpdateSchemaType0


T = TypeVar("T", bound="EventTypeUpdate")


@_attrs_define
class EventTypeUpdate:
    """Changes to an event type; omitted fields stay as they are.

    Attributes:
        archived (bool | Unset):
        description (str | Unset):
        example (EventTypeUpdateExampleType0 | None | Unset):
        schema (EventTypeUpdateSchemaType0 | None | Unset):
    """

    archived: bool | Unset = UNSET
    description: str | Unset = UNSET
    example: EventTypeUpdateExampleType0 | None | Unset = UNSET
    schema: EventTypeUpdateSchemaType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_type_update_example_type_0 import EventTypeUpdateExampleType0  # noqa: PLC0415
        from ..models.event_type_update_schema_type_0 import EventTypeUpdateSchemaType0  # noqa: PLC0415

        archived = self.archived

        description = self.description

        example: dict[str, Any] | None | Unset
        if isinstance(self.example, Unset):
            example = UNSET
        elif isinstance(self.example, EventTypeUpdateExampleType0):
            example = self.example.to_dict()
        else:
            example = self.example

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EventTypeUpdateSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if archived is not UNSET:
            field_dict["archived"] = archived
        if description is not UNSET:
            field_dict["description"] = description
        if example is not UNSET:
            field_dict["example"] = example
        if schema is not UNSET:
            field_dict["schema"] = schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_type_update_example_type_0 import EventTypeUpdateExampleType0  # noqa: PLC0415
        from ..models.event_type_update_schema_type_0 import EventTypeUpdateSchemaType0  # noqa: PLC0415

        d = dict(src_dict)
        archived = d.pop("archived", UNSET)

        description = d.pop("description", UNSET)

        def _parse_example(data: object) -> EventTypeUpdateExampleType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                example_type_0 = EventTypeUpdateExampleType0.from_dict(data)

                return example_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventTypeUpdateExampleType0 | None | Unset, data)

        example = _parse_example(d.pop("example", UNSET))

        def _parse_schema(data: object) -> EventTypeUpdateSchemaType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = EventTypeUpdateSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventTypeUpdateSchemaType0 | None | Unset, data)

        schema = _parse_schema(d.pop("schema", UNSET))

        event_type_update = cls(
            archived=archived,
            description=description,
            example=example,
            schema=schema,
        )

        return event_type_update
