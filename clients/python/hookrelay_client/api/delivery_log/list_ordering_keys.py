from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_ordering_key_out import PageOrderingKeyOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    endpoint: str,
    *,
    held: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_held: bool | None | Unset
    if isinstance(held, Unset):
        json_held = UNSET
    else:
        json_held = held
    params["held"] = json_held

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
        "url": "/api/v1/tenants/{tenant}/endpoints/{endpoint}/ordering-keys".format(
            tenant=quote(str(tenant), safe=""),
            endpoint=quote(str(endpoint), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageOrderingKeyOut | Problem | None:
    if response.status_code == 200:
        response_200 = PageOrderingKeyOut.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[PageOrderingKeyOut | Problem]:
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
    held: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageOrderingKeyOut | Problem]:
    """An ordered endpoint's live ordering keys, each with its head and how many wait behind

     it (``held=true``: only keys held behind a head that exhausted its tries).

    Args:
        tenant (str):
        endpoint (str):
        held (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageOrderingKeyOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
        held=held,
        cursor=cursor,
        limit=limit,
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
    held: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageOrderingKeyOut | Problem | None:
    """An ordered endpoint's live ordering keys, each with its head and how many wait behind

     it (``held=true``: only keys held behind a head that exhausted its tries).

    Args:
        tenant (str):
        endpoint (str):
        held (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageOrderingKeyOut | Problem
    """

    return sync_detailed(
        tenant=tenant,
        endpoint=endpoint,
        client=client,
        held=held,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    held: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageOrderingKeyOut | Problem]:
    """An ordered endpoint's live ordering keys, each with its head and how many wait behind

     it (``held=true``: only keys held behind a head that exhausted its tries).

    Args:
        tenant (str):
        endpoint (str):
        held (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageOrderingKeyOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
        held=held,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    held: bool | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageOrderingKeyOut | Problem | None:
    """An ordered endpoint's live ordering keys, each with its head and how many wait behind

     it (``held=true``: only keys held behind a head that exhausted its tries).

    Args:
        tenant (str):
        endpoint (str):
        held (bool | None | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageOrderingKeyOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            endpoint=endpoint,
            client=client,
            held=held,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
