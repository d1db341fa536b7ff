from typing import Literal

EndpointCreateOrderingFailurePolicy = Literal["hold", "skip"]

ENDPOINT_CREATE_ORDERING_FAILURE_POLICY_VALUES: set[EndpointCreateOrderingFailurePolicy] = {
    "hold",
    "skip",
}


def check_endpoint_create_ordering_failure_policy(value: str) -> EndpointCreateOrderingFailurePolicy:
    if value in ENDPOINT_CREATE_ORDERING_FAILURE_POLICY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENDPOINT_CREATE_ORDERING_FAILURE_POLICY_VALUES!r}")
