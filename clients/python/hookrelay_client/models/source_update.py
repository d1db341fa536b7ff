from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_secret_in import SourceSecretIn
    from ..models.source_update_options import SourceUpdateOptions


T = TypeVar("T", bound="SourceUpdate")


@_attrs_define
class SourceUpdate:
    """Changes to a source; omitted fields stay. ``secrets`` replaces the whole list.

    Attributes:
        disabled (bool | Unset):
        name (str | Unset):
        options (SourceUpdateOptions | Unset):
        secrets (list[SourceSecretIn] | Unset):
    """

    disabled: bool | Unset = UNSET
    name: str | Unset = UNSET
    options: SourceUpdateOptions | Unset = UNSET
    secrets: list[SourceSecretIn] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        disabled = self.disabled

        name = self.name

        options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.options, Unset):
            options = self.options.to_dict()

        secrets: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.secrets, Unset):
            secrets = []
            for secrets_item_data in self.secrets:
                secrets_item = secrets_item_data.to_dict()
                secrets.append(secrets_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if disabled is not UNSET:
            field_dict["disabled"] = disabled
        if name is not UNSET:
            field_dict["name"] = name
        if options is not UNSET:
            field_dict["options"] = options
        if secrets is not UNSET:
            field_dict["secrets"] = secrets

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_secret_in import SourceSecretIn  # noqa: PLC0415
        from ..models.source_update_options import SourceUpdateOptions  # noqa: PLC0415

        d = dict(src_dict)
        disabled = d.pop("disabled", UNSET)

        name = d.pop("name", UNSET)

        _options = d.pop("options", UNSET)
        options: SourceUpdateOptions | Unset
        if isinstance(_options, Unset):
            options = UNSET
        else:
            options = SourceUpdateOptions.from_dict(_options)

        _secrets = d.pop("secrets", UNSET)
        secrets: list[SourceSecretIn] | Unset = UNSET
        if _secrets is not UNSET:
            secrets = []
            for secrets_item_data in _secrets:
                secrets_item = SourceSecretIn.from_dict(secrets_item_data)

                secrets.append(secrets_item)

        source_update = cls(
            disabled=disabled,
            name=name,
            options=options,
            secrets=secrets,
        )

        return source_update
