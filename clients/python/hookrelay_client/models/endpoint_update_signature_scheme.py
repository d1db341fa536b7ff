from typing import Literal

EndpointUpdateSignatureScheme = Literal["both", "v1", "v1a"]

ENDPOINT_UPDATE_SIGNATURE_SCHEME_VALUES: set[EndpointUpdateSignatureScheme] = {
    "both",
    "v1",
    "v1a",
}


def check_endpoint_update_signature_scheme(value: str) -> EndpointUpdateSignatureScheme:
    if value in ENDPOINT_UPDATE_SIGNATURE_SCHEME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENDPOINT_UPDATE_SIGNATURE_SCHEME_VALUES!r}")
