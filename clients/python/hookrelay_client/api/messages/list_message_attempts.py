from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_attempt_out import PageAttemptOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    message: str,
    *,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_endpoint_id: None | str | Unset
    if isinstance(endpoint_id, Unset):
        json_endpoint_id = UNSET
    else:
        json_endpoint_id = endpoint_id
    params["endpoint_id"] = json_endpoint_id

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/messages/{message}/attempts".format(
            tenant=quote(str(tenant), safe=""),
            message=quote(str(message), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageAttemptOut | Problem | None:
    if response.status_code == 200:
        response_200 = PageAttemptOut.from_dict(response.json())

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
) -> Response[PageAttemptOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant: str,
    message: str,
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageAttemptOut | Problem]:
    """The HTTP tries of a message, newest first.

    Args:
        tenant (str):
        message (str):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageAttemptOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        message=message,
        endpoint_id=endpoint_id,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant: str,
    message: str,
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageAttemptOut | Problem | None:
    """The HTTP tries of a message, newest first.

    Args:
        tenant (str):
        message (str):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageAttemptOut | Problem
    """

    return sync_detailed(
        tenant=tenant,
        message=message,
        client=client,
        endpoint_id=endpoint_id,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    message: str,
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageAttemptOut | Problem]:
    """The HTTP tries of a message, newest first.

    Args:
        tenant (str):
        message (str):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageAttemptOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        message=message,
        endpoint_id=endpoint_id,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    message: str,
    *,
    client: AuthenticatedClient,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageAttemptOut | Problem | None:
    """The HTTP tries of a message, newest first.

    Args:
        tenant (str):
        message (str):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageAttemptOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            message=message,
            client=client,
            endpoint_id=endpoint_id,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
