from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_type_out_example_type_0 import EventTypeOutExampleType0
    from ..models.event_type_out_schema_type_0 import EventTypeOutSchemaType0


T = TypeVar("T", bound="EventTypeOut")


@_attrs_define
class EventTypeOut:
    """
    Attributes:
        archived (bool):
        created_at (datetime.datetime):
        description (str):
        example (EventTypeOutExampleType0 | None):
        id (str):
        name (str):
        schema (EventTypeOutSchemaType0 | None):
        updated_at (datetime.datetime):
    """

    archived: bool
    created_at: datetime.datetime
    description: str
    example: EventTypeOutExampleType0 | None
    id: str
    name: str
    schema: EventTypeOutSchemaType0 | None
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_type_out_example_type_0 import EventTypeOutExampleType0  # noqa: PLC0415
        from ..models.event_type_out_schema_type_0 import EventTypeOutSchemaType0  # noqa: PLC0415

        archived = self.archived

        created_at = self.created_at.isoformat()

        description = self.description

        example: dict[str, Any] | None
        if isinstance(self.example, EventTypeOutExampleType0):
            example = self.example.to_dict()
        else:
            example = self.example

        id = self.id

        name = self.name

        schema: dict[str, Any] | None
        if isinstance(self.schema, EventTypeOutSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "archived": archived,
                "created_at": created_at,
                "description": description,
                "example": example,
                "id": id,
                "name": name,
                "schema": schema,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_type_out_example_type_0 import EventTypeOutExampleType0  # noqa: PLC0415
        from ..models.event_type_out_schema_type_0 import EventTypeOutSchemaType0  # noqa: PLC0415

        d = dict(src_dict)
        archived = d.pop("archived")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        def _parse_example(data: object) -> EventTypeOutExampleType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                example_type_0 = EventTypeOutExampleType0.from_dict(data)

                return example_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventTypeOutExampleType0 | None, data)

        example = _parse_example(d.pop("example"))

        id = d.pop("id")

        name = d.pop("name")

        def _parse_schema(data: object) -> EventTypeOutSchemaType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = EventTypeOutSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventTypeOutSchemaType0 | None, data)

        schema = _parse_schema(d.pop("schema"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        event_type_out = cls(
            archived=archived,
            created_at=created_at,
            description=description,
            example=example,
            id=id,
            name=name,
            schema=schema,
            updated_at=updated_at,
        )

        event_type_out.additional_properties = d
        return event_type_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
