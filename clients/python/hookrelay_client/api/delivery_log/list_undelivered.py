from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_undelivered_out import PageUndeliveredOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    *,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

    json_before: None | str | Unset
    if isinstance(before, Unset):
        json_before = UNSET
    else:
        json_before = before
    params["before"] = json_before

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
        "url": "/api/v1/tenants/{tenant}/undelivered".format(
            tenant=quote(str(tenant), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageUndeliveredOut | Problem | None:
    if response.status_code == 200:
        response_200 = PageUndeliveredOut.from_dict(response.json())

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
) -> Response[PageUndeliveredOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageUndeliveredOut | Problem]:
    """Message x endpoint pairs that ended without success: failed deliveries, and pending

     ones on a disabled endpoint; ``after``/``before`` bound the message's creation time.

    Args:
        tenant (str):
        after (None | str | Unset):
        before (None | str | Unset):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageUndeliveredOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        after=after,
        before=before,
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
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageUndeliveredOut | Problem | None:
    """Message x endpoint pairs that ended without success: failed deliveries, and pending

     ones on a disabled endpoint; ``after``/``before`` bound the message's creation time.

    Args:
        tenant (str):
        after (None | str | Unset):
        before (None | str | Unset):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageUndeliveredOut | Problem
    """

    return sync_detailed(
        tenant=tenant,
        client=client,
        after=after,
        before=before,
        endpoint_id=endpoint_id,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageUndeliveredOut | Problem]:
    """Message x endpoint pairs that ended without success: failed deliveries, and pending

     ones on a disabled endpoint; ``after``/``before`` bound the message's creation time.

    Args:
        tenant (str):
        after (None | str | Unset):
        before (None | str | Unset):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageUndeliveredOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        after=after,
        before=before,
        endpoint_id=endpoint_id,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    endpoint_id: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageUndeliveredOut | Problem | None:
    """Message x endpoint pairs that ended without success: failed deliveries, and pending

     ones on a disabled endpoint; ``after``/``before`` bound the message's creation time.

    Args:
        tenant (str):
        after (None | str | Unset):
        before (None | str | Unset):
        endpoint_id (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageUndeliveredOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            client=client,
            after=after,
            before=before,
            endpoint_id=endpoint_id,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
