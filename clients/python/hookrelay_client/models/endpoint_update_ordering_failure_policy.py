from typing import Literal

EndpointUpdateOrderingFailurePolicy = Literal["hold", "skip"]

ENDPOINT_UPDATE_ORDERING_FAILURE_POLICY_VALUES: set[EndpointUpdateOrderingFailurePolicy] = {
    "hold",
    "skip",
}


def check_endpoint_update_ordering_failure_policy(value: str) -> EndpointUpdateOrderingFailurePolicy:
    if value in ENDPOINT_UPDATE_ORDERING_FAILURE_POLICY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENDPOINT_UPDATE_ORDERING_FAILURE_POLICY_VALUES!r}")
