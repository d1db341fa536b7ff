from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.endpoint_out_headers import EndpointOutHeaders
    from ..models.endpoint_out_metadata import EndpointOutMetadata
    from ..models.endpoint_out_payload_filter_type_0 import EndpointOutPayloadFilterType0
    from ..models.transformation import Transformation


T = TypeVar("T", bound="EndpointOut")


@_attrs_define
class EndpointOut:
    """
    Attributes:
        channels (list[str] | None):
        circuit_next_probe_at (datetime.datetime | None):
        circuit_state (str):
        created_at (datetime.datetime):
        description (str):
        disabled (bool):
        disabled_reason (None | str):
        event_types (list[str]):
        failing_since (datetime.datetime | None):
        headers (EndpointOutHeaders):
        id (str):
        last_success_at (datetime.datetime | None):
        metadata (EndpointOutMetadata):
        payload_filter (EndpointOutPayloadFilterType0 | None):
        rate_limit_per_second (int | None):
        signature_scheme (str):
        tenant_id (str):
        transformation (None | Transformation):
        updated_at (datetime.datetime):
        url (str):
        ordered (bool | Unset):  Default: False.
        ordering_failure_policy (str | Unset):  Default: 'hold'.
    """

    channels: list[str] | None
    circuit_next_probe_at: datetime.datetime | None
    circuit_state: str
    created_at: datetime.datetime
    description: str
    disabled: bool
    disabled_reason: None | str
    event_types: list[str]
    failing_since: datetime.datetime | None
    headers: EndpointOutHeaders
    id: str
    last_success_at: datetime.datetime | None
    metadata: EndpointOutMetadata
    payload_filter: EndpointOutPayloadFilterType0 | None
    rate_limit_per_second: int | None
    signature_scheme: str
    tenant_id: str
    transformation: None | Transformation
    updated_at: datetime.datetime
    url: str
    ordered: bool | Unset = False
    ordering_failure_policy: str | Unset = "hold"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.endpoint_out_payload_filter_type_0 import EndpointOutPayloadFilterType0  # noqa: PLC0415
        from ..models.transformation import Transformation  # noqa: PLC0415

        channels: list[str] | None
        if isinstance(self.channels, list):
            channels = self.channels

        else:
            channels = self.channels

        circuit_next_probe_at: None | str
        if isinstance(self.circuit_next_probe_at, datetime.datetime):
            circuit_next_probe_at = self.circuit_next_probe_at.isoformat()
        else:
            circuit_next_probe_at = self.circuit_next_probe_at

        circuit_state = self.circuit_state

        created_at = self.created_at.isoformat()

        description = self.description

        disabled = self.disabled

        disabled_reason: None | str
        disabled_reason = self.disabled_reason

        event_types = self.event_types

        failing_since: None | str
        if isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        headers = self.headers.to_dict()

        id = self.id

        last_success_at: None | str
        if isinstance(self.last_success_at, datetime.datetime):
            last_success_at = self.last_success_at.isoformat()
        else:
            last_success_at = self.last_success_at

        metadata = self.metadata.to_dict()

        payload_filter: dict[str, Any] | None
        if isinstance(self.payload_filter, EndpointOutPayloadFilterType0):
            payload_filter = self.payload_filter.to_dict()
        else:
            payload_filter = self.payload_filter

        rate_limit_per_second: int | None
        rate_limit_per_second = self.rate_limit_per_second

        signature_scheme = self.signature_scheme

        tenant_id = self.tenant_id

        transformation: dict[str, Any] | None
        if isinstance(self.transformation, Transformation):
            transformation = self.transformation.to_dict()
        else:
            transformation = self.transformation

        updated_at = self.updated_at.isoformat()

        url = self.url

        ordered = self.ordered

        ordering_failure_policy = self.ordering_failure_policy

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channels": channels,
                "circuit_next_probe_at": circuit_next_probe_at,
                "circuit_state": circuit_state,
                "created_at": created_at,
                "description": description,
                "disabled": disabled,
                "disabled_reason": disabled_reason,
                "event_types": event_types,
                "failing_since": failing_since,
                "headers": headers,
                "id": id,
                "last_success_at": last_success_at,
                "metadata": metadata,
                "payload_filter": payload_filter,
                "rate_limit_per_second": rate_limit_per_second,
                "signature_scheme": signature_scheme,
                "tenant_id": tenant_id,
                "transformation": transformation,
                "updated_at": updated_at,
                "url": url,
            }
        )
        if ordered is not UNSET:
            field_dict["ordered"] = ordered
        if ordering_failure_policy is not UNSET:
            field_dict["ordering_failure_policy"] = ordering_failure_policy

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.endpoint_out_headers import EndpointOutHeaders  # noqa: PLC0415
        from ..models.endpoint_out_metadata import EndpointOutMetadata  # noqa: PLC0415
        from ..models.endpoint_out_payload_filter_type_0 import EndpointOutPayloadFilterType0  # noqa: PLC0415
        from ..models.transformation import Transformation  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_channels(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                channels_type_0 = cast(list[str], data)

                return channels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        channels = _parse_channels(d.pop("channels"))

        def _parse_circuit_next_probe_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                circuit_next_probe_at_type_0 = datetime.datetime.fromisoformat(data)

                return circuit_next_probe_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        circuit_next_probe_at = _parse_circuit_next_probe_at(d.pop("circuit_next_probe_at"))

        circuit_state = d.pop("circuit_state")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        disabled = d.pop("disabled")

        def _parse_disabled_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        event_types = cast(list[str], d.pop("event_types"))

        def _parse_failing_since(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failing_since_type_0 = datetime.datetime.fromisoformat(data)

                return failing_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        failing_since = _parse_failing_since(d.pop("failing_since"))

        headers = EndpointOutHeaders.from_dict(d.pop("headers"))

        id = d.pop("id")

        def _parse_last_success_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_success_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_success_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_success_at = _parse_last_success_at(d.pop("last_success_at"))

        metadata = EndpointOutMetadata.from_dict(d.pop("metadata"))

        def _parse_payload_filter(data: object) -> EndpointOutPayloadFilterType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payload_filter_type_0 = EndpointOutPayloadFilterType0.from_dict(data)

                return payload_filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EndpointOutPayloadFilterType0 | None, data)

        payload_filter = _parse_payload_filter(d.pop("payload_filter"))

        def _parse_rate_limit_per_second(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rate_limit_per_second = _parse_rate_limit_per_second(d.pop("rate_limit_per_second"))

        signature_scheme = d.pop("signature_scheme")

        tenant_id = d.pop("tenant_id")

        def _parse_transformation(data: object) -> None | Transformation:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                transformation_type_0 = Transformation.from_dict(data)

                return transformation_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Transformation, data)

        transformation = _parse_transformation(d.pop("transformation"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        ordered = d.pop("ordered", UNSET)

        ordering_failure_policy = d.pop("ordering_failure_policy", UNSET)

        endpoint_out = cls(
            channels=channels,
            circuit_next_probe_at=circuit_next_probe_at,
            circuit_state=circuit_state,
            created_at=created_at,
            description=description,
            disabled=disabled,
            disabled_reason=disabled_reason,
            event_types=event_types,
            failing_since=failing_since,
            headers=headers,
            id=id,
            last_success_at=last_success_at,
            metadata=metadata,
            payload_filter=payload_filter,
            rate_limit_per_second=rate_limit_per_second,
            signature_scheme=signature_scheme,
            tenant_id=tenant_id,
            transformation=transformation,
            updated_at=updated_at,
            url=url,
            ordered=ordered,
            ordering_failure_policy=ordering_failure_policy,
        )

        endpoint_out.additional_properties = d
        return endpoint_out

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
