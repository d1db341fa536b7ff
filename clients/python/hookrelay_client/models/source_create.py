from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_create_options import SourceCreateOptions
    from ..models.source_secret_in import SourceSecretIn


T = TypeVar("T", bound="SourceCreate")


@_attrs_define
class SourceCreate:
    """A new source: one provider account. ``secret`` is shorthand for one secret that does not expire; ``options`` are the
    provider's (tolerance, dedup window, generic HMAC settings, …).

        Attributes:
            name (str):
            provider (str):
            options (SourceCreateOptions | Unset):
            secret (None | str | Unset):
            secrets (list[SourceSecretIn] | None | Unset):
    """

    name: str
    provider: str
    options: SourceCreateOptions | Unset = UNSET
    secret: None | str | Unset = UNSET
    secrets: list[SourceSecretIn] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        provider = self.provider

        options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.options, Unset):
            options = self.options.to_dict()

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

        secrets: list[dict[str, Any]] | None | Unset
        if isinstance(self.secrets, Unset):
            secrets = UNSET
        elif isinstance(self.secrets, list):
            secrets = []
            for secrets_type_0_item_data in self.secrets:
                secrets_type_0_item = secrets_type_0_item_data.to_dict()
                secrets.append(secrets_type_0_item)

        else:
            secrets = self.secrets

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "provider": provider,
            }
        )
        if options is not UNSET:
            field_dict["options"] = options
        if secret is not UNSET:
            field_dict["secret"] = secret
        if secrets is not UNSET:
            field_dict["secrets"] = secrets

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_create_options import SourceCreateOptions  # noqa: PLC0415
        from ..models.source_secret_in import SourceSecretIn  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        provider = d.pop("provider")

        _options = d.pop("options", UNSET)
        options: SourceCreateOptions | Unset
        if isinstance(_options, Unset):
            options = UNSET
        else:
            options = SourceCreateOptions.from_dict(_options)

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        def _parse_secrets(data: object) -> list[SourceSecretIn] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                secrets_type_0 = []
                _secrets_type_0 = data
                for secrets_type_0_item_data in _secrets_type_0:
                    secrets_type_0_item = SourceSecretIn.from_dict(secrets_type_0_item_data)

                    secrets_type_0.append(secrets_type_0_item)

                return secrets_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[SourceSecretIn] | None | Unset, data)

        secrets = _parse_secrets(d.pop("secrets", UNSET))

        source_create = cls(
            name=name,
            provider=provider,
            options=options,
            secret=secret,
            secrets=secrets,
        )

        return source_create
