from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_type_create_example_type_0 import EventTypeCreateExampleType0
    from ..models.event_type_create_schema_type_0 import EventTypeCreateSchemaType0


T = TypeVar("T", bound="EventTypeCreate")


@_attrs_define
class EventTypeCreate:
    """A new event type in the catalog: ``schema`` is a JSON Schema (draft 2020-12) that every published payload must
    match; ``example`` is a payload (it must match the schema).

        Attributes:
            name (str):
            description (str | Unset):  Default: ''.
            example (EventTypeCreateExampleType0 | None | Unset):
            schema (EventTypeCreateSchemaType0 | None | Unset):
    """

    name: str
    description: str | Unset = ""
    example: EventTypeCreateExampleType0 | None | Unset = UNSET
    schema: EventTypeCreateSchemaType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_type_create_example_type_0 import EventTypeCreateExampleType0  # noqa: PLC0415
        from ..models.event_type_create_schema_type_0 import EventTypeCreateSchemaType0  # noqa: PLC0415

        name = self.name

        description = self.description

        example: dict[str, Any] | None | Unset
        if isinstance(self.example, Unset):
            example = UNSET
        elif isinstance(self.example, EventTypeCreateExampleType0):
            example = self.example.to_dict()
        else:
            example = self.example

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EventTypeCreateSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if example is not UNSET:
            field_dict["example"] = example
        if schema is not UNSET:
            field_dict["schema"] = schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_type_create_example_type_0 import EventTypeCreateExampleType0  # noqa: PLC0415
        from ..models.event_type_create_schema_type_0 import EventTypeCreateSchemaType0  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description", UNSET)

        def _parse_example(data: object) -> EventTypeCreateExampleType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                example_type_0 = EventTypeCreateExampleType0.from_dict(data)

                return example_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventTypeCreateExampleType0 | None | Unset, data)

        example = _parse_example(d.pop("example", UNSET))

        def _parse_schema(data: object) -> EventTypeCreateSchemaType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = EventTypeCreateSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventTypeCreateSchemaType0 | None | Unset, data)

        schema = _parse_schema(d.pop("schema", UNSET))

        event_type_create = cls(
            name=name,
            description=description,
            example=example,
            schema=schema,
        )

        return event_type_create
