from typing import Literal

GetEndpointSeriesWindow = Literal["1h", "24h", "30d", "7d"]

GET_ENDPOINT_SERIES_WINDOW_VALUES: set[GetEndpointSeriesWindow] = {
    "1h",
    "24h",
    "30d",
    "7d",
}


def check_get_endpoint_series_window(value: str) -> GetEndpointSeriesWindow:
    if value in GET_ENDPOINT_SERIES_WINDOW_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_ENDPOINT_SERIES_WINDOW_VALUES!r}")
