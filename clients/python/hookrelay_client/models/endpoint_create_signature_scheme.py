from typing import Literal

EndpointCreateSignatureScheme = Literal["both", "v1", "v1a"]

ENDPOINT_CREATE_SIGNATURE_SCHEME_VALUES: set[EndpointCreateSignatureScheme] = {
    "both",
    "v1",
    "v1a",
}


def check_endpoint_create_signature_scheme(value: str) -> EndpointCreateSignatureScheme:
    if value in ENDPOINT_CREATE_SIGNATURE_SCHEME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENDPOINT_CREATE_SIGNATURE_SCHEME_VALUES!r}")
