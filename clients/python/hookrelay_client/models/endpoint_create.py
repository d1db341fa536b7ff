from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.endpoint_create_ordering_failure_policy import (
    EndpointCreateOrderingFailurePolicy,
    check_endpoint_create_ordering_failure_policy,
)
from ..models.endpoint_create_signature_scheme import (
    EndpointCreateSignatureScheme,
    check_endpoint_create_signature_scheme,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.endpoint_create_headers import EndpointCreateHeaders
    from ..models.endpoint_create_metadata import EndpointCreateMetadata
    from ..models.endpoint_create_payload_filter_type_0 import EndpointCreatePayloadFilterType0
    from ..models.transformation import Transformation


T = TypeVar("T", bound="EndpointCreate")


@_attrs_define
class EndpointCreate:
    """A new endpoint.

    ``event_types`` holds names or wildcards (``invoice.*``, ``*``); ``channels`` (null: every message) makes it receive
    only messages that carry one of them; ``payload_filter`` (see the README) only messages whose payload passes;
    ``headers`` are added to every request.

        Attributes:
            url (str):
            channels (list[str] | None | Unset):
            description (str | Unset):  Default: ''.
            event_types (list[str] | Unset):
            headers (EndpointCreateHeaders | Unset):
            metadata (EndpointCreateMetadata | Unset):
            ordered (bool | Unset):  Default: False.
            ordering_failure_policy (EndpointCreateOrderingFailurePolicy | Unset):  Default: 'hold'.
            payload_filter (EndpointCreatePayloadFilterType0 | None | Unset):
            rate_limit_per_second (int | None | Unset):
            signature_scheme (EndpointCreateSignatureScheme | Unset):  Default: 'v1'.
            transformation (None | Transformation | Unset):
    """

    url: str
    channels: list[str] | None | Unset = UNSET
    description: str | Unset = ""
    event_types: list[str] | Unset = UNSET
    headers: EndpointCreateHeaders | Unset = UNSET
    metadata: EndpointCreateMetadata | Unset = UNSET
    ordered: bool | Unset = False
    ordering_failure_policy: EndpointCreateOrderingFailurePolicy | Unset = "hold"
    payload_filter: EndpointCreatePayloadFilterType0 | None | Unset = UNSET
    rate_limit_per_second: int | None | Unset = UNSET
    signature_scheme: EndpointCreateSignatureScheme | Unset = "v1"
    transformation: None | Transformation | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.endpoint_create_payload_filter_type_0 import EndpointCreatePayloadFilterType0  # noqa: PLC0415
        from ..models.transformation import Transformation  # noqa: PLC0415

        url = self.url

        channels: list[str] | None | Unset
        if isinstance(self.channels, Unset):
            channels = UNSET
        elif isinstance(self.channels, list):
            channels = self.channels

        else:
            channels = self.channels

        description = self.description

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = self.event_types

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        ordered = self.ordered

        ordering_failure_policy: str | Unset = UNSET
        if not isinstance(self.ordering_failure_policy, Unset):
            ordering_failure_policy = self.ordering_failure_policy

        payload_filter: dict[str, Any] | None | Unset
        if isinstance(self.payload_filter, Unset):
            payload_filter = UNSET
        elif isinstance(self.payload_filter, EndpointCreatePayloadFilterType0):
            payload_filter = self.payload_filter.to_dict()
        else:
            payload_filter = self.payload_filter

        rate_limit_per_second: int | None | Unset
        if isinstance(self.rate_limit_per_second, Unset):
            rate_limit_per_second = UNSET
        else:
            rate_limit_per_second = self.rate_limit_per_second

        signature_scheme: str | Unset = UNSET
        if not isinstance(self.signature_scheme, Unset):
            signature_scheme = self.signature_scheme

        transformation: dict[str, Any] | None | Unset
        if isinstance(self.transformation, Unset):
            transformation = UNSET
        elif isinstance(self.transformation, Transformation):
            transformation = self.transformation.to_dict()
        else:
            transformation = self.transformation

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if channels is not UNSET:
            field_dict["channels"] = channels
        if description is not UNSET:
            field_dict["description"] = description
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if headers is not UNSET:
            field_dict["headers"] = headers
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if ordered is not UNSET:
            field_dict["ordered"] = ordered
        if ordering_failure_policy is not UNSET:
            field_dict["ordering_failure_policy"] = ordering_failure_policy
        if payload_filter is not UNSET:
            field_dict["payload_filter"] = payload_filter
        if rate_limit_per_second is not UNSET:
            field_dict["rate_limit_per_second"] = rate_limit_per_second
        if signature_scheme is not UNSET:
            field_dict["signature_scheme"] = signature_scheme
        if transformation is not UNSET:
            field_dict["transformation"] = transformation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.endpoint_create_headers import EndpointCreateHeaders  # noqa: PLC0415
        from ..models.endpoint_create_metadata import EndpointCreateMetadata  # noqa: PLC0415
        from ..models.endpoint_create_payload_filter_type_0 import EndpointCreatePayloadFilterType0  # noqa: PLC0415
        from ..models.transformation import Transformation  # noqa: PLC0415

        d = dict(src_dict)
        url = d.pop("url")

        def _parse_channels(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                channels_type_0 = cast(list[str], data)

                return channels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        channels = _parse_channels(d.pop("channels", UNSET))

        description = d.pop("description", UNSET)

        event_types = cast(list[str], d.pop("event_types", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: EndpointCreateHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = EndpointCreateHeaders.from_dict(_headers)

        _metadata = d.pop("metadata", UNSET)
        metadata: EndpointCreateMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = EndpointCreateMetadata.from_dict(_metadata)

        ordered = d.pop("ordered", UNSET)

        _ordering_failure_policy = d.pop("ordering_failure_policy", UNSET)
        ordering_failure_policy: EndpointCreateOrderingFailurePolicy | Unset
        if isinstance(_ordering_failure_policy, Unset):
            ordering_failure_policy = UNSET
        else:
            ordering_failure_policy = check_endpoint_create_ordering_failure_policy(_ordering_failure_policy)

        def _parse_payload_filter(data: object) -> EndpointCreatePayloadFilterType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payload_filter_type_0 = EndpointCreatePayloadFilterType0.from_dict(data)

                return payload_filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EndpointCreatePayloadFilterType0 | None | Unset, data)

        payload_filter = _parse_payload_filter(d.pop("payload_filter", UNSET))

        def _parse_rate_limit_per_second(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit_per_second = _parse_rate_limit_per_second(d.pop("rate_limit_per_second", UNSET))

        _signature_scheme = d.pop("signature_scheme", UNSET)
        signature_scheme: EndpointCreateSignatureScheme | Unset
        if isinstance(_signature_scheme, Unset):
            signature_scheme = UNSET
        else:
            signature_scheme = check_endpoint_create_signature_scheme(_signature_scheme)

        def _parse_transformation(data: object) -> None | Transformation | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                transformation_type_0 = Transformation.from_dict(data)

                return transformation_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Transformation | Unset, data)

        transformation = _parse_transformation(d.pop("transformation", UNSET))

        endpoint_create = cls(
            url=url,
            channels=channels,
            description=description,
            event_types=event_types,
            headers=headers,
            metadata=metadata,
            ordered=ordered,
            ordering_failure_policy=ordering_failure_policy,
            payload_filter=payload_filter,
            rate_limit_per_second=rate_limit_per_second,
            signature_scheme=signature_scheme,
            transformation=transformation,
        )

        return endpoint_create
