from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_series import EndpointSeries
from ...models.get_endpoint_series_window import GetEndpointSeriesWindow
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    endpoint: str,
    *,
    window: GetEndpointSeriesWindow | Unset = "24h",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_window: str | Unset = UNSET
    if not isinstance(window, Unset):
        json_window = window

    params["window"] = json_window

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/endpoints/{endpoint}/stats/series".format(
            tenant=quote(str(tenant), safe=""),
            endpoint=quote(str(endpoint), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EndpointSeries | Problem | None:
    if response.status_code == 200:
        response_200 = EndpointSeries.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EndpointSeries | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    window: GetEndpointSeriesWindow | Unset = "24h",
) -> Response[EndpointSeries | Problem]:
    """Attempts over time: succeeded, failed and mean duration per bucket (1 h: minutes,

     24 h: hours, 7 d: 6 hours, 30 d: days), oldest first.

    Args:
        tenant (str):
        endpoint (str):
        window (GetEndpointSeriesWindow | Unset):  Default: '24h'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointSeries | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
        window=window,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    window: GetEndpointSeriesWindow | Unset = "24h",
) -> EndpointSeries | Problem | None:
    """Attempts over time: succeeded, failed and mean duration per bucket (1 h: minutes,

     24 h: hours, 7 d: 6 hours, 30 d: days), oldest first.

    Args:
        tenant (str):
        endpoint (str):
        window (GetEndpointSeriesWindow | Unset):  Default: '24h'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointSeries | Problem
    """

    return sync_detailed(
        tenant=tenant,
        endpoint=endpoint,
        client=client,
        window=window,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    window: GetEndpointSeriesWindow | Unset = "24h",
) -> Response[EndpointSeries | Problem]:
    """Attempts over time: succeeded, failed and mean duration per bucket (1 h: minutes,

     24 h: hours, 7 d: 6 hours, 30 d: days), oldest first.

    Args:
        tenant (str):
        endpoint (str):
        window (GetEndpointSeriesWindow | Unset):  Default: '24h'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointSeries | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
        window=window,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    window: GetEndpointSeriesWindow | Unset = "24h",
) -> EndpointSeries | Problem | None:
    """Attempts over time: succeeded, failed and mean duration per bucket (1 h: minutes,

     24 h: hours, 7 d: 6 hours, 30 d: days), oldest first.

    Args:
        tenant (str):
        endpoint (str):
        window (GetEndpointSeriesWindow | Unset):  Default: '24h'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointSeries | Problem
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            endpoint=endpoint,
            client=client,
            window=window,
        )
    ).parsed
