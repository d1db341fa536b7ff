from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_inbound_event_out import PageInboundEventOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    source: str,
    *,
    outcome: None | str | Unset = UNSET,
    event_type: None | str | Unset = UNSET,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_outcome: None | str | Unset
    if isinstance(outcome, Unset):
        json_outcome = UNSET
    else:
        json_outcome = outcome
    params["outcome"] = json_outcome

    json_event_type: None | str | Unset
    if isinstance(event_type, Unset):
        json_event_type = UNSET
    else:
        json_event_type = event_type
    params["event_type"] = json_event_type

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
        "url": "/api/v1/sources/{source}/events".format(
            source=quote(str(source), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageInboundEventOut | Problem | None:
    if response.status_code == 200:
        response_200 = PageInboundEventOut.from_dict(response.json())

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
) -> Response[PageInboundEventOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    source: str,
    *,
    client: AuthenticatedClient,
    outcome: None | str | Unset = UNSET,
    event_type: None | str | Unset = UNSET,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageInboundEventOut | Problem]:
    """The source's inbound log, newest first (``outcome``: accepted, duplicate, rejected;

     ``after``/``before`` bound the time received).

    Args:
        source (str):
        outcome (None | str | Unset):
        event_type (None | str | Unset):
        after (None | str | Unset):
        before (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageInboundEventOut | Problem]
    """

    kwargs = _get_kwargs(
        source=source,
        outcome=outcome,
        event_type=event_type,
        after=after,
        before=before,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    source: str,
    *,
    client: AuthenticatedClient,
    outcome: None | str | Unset = UNSET,
    event_type: None | str | Unset = UNSET,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageInboundEventOut | Problem | None:
    """The source's inbound log, newest first (``outcome``: accepted, duplicate, rejected;

     ``after``/``before`` bound the time received).

    Args:
        source (str):
        outcome (None | str | Unset):
        event_type (None | str | Unset):
        after (None | str | Unset):
        before (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageInboundEventOut | Problem
    """

    return sync_detailed(
        source=source,
        client=client,
        outcome=outcome,
        event_type=event_type,
        after=after,
        before=before,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    source: str,
    *,
    client: AuthenticatedClient,
    outcome: None | str | Unset = UNSET,
    event_type: None | str | Unset = UNSET,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[PageInboundEventOut | Problem]:
    """The source's inbound log, newest first (``outcome``: accepted, duplicate, rejected;

     ``after``/``before`` bound the time received).

    Args:
        source (str):
        outcome (None | str | Unset):
        event_type (None | str | Unset):
        after (None | str | Unset):
        before (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageInboundEventOut | Problem]
    """

    kwargs = _get_kwargs(
        source=source,
        outcome=outcome,
        event_type=event_type,
        after=after,
        before=before,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    source: str,
    *,
    client: AuthenticatedClient,
    outcome: None | str | Unset = UNSET,
    event_type: None | str | Unset = UNSET,
    after: None | str | Unset = UNSET,
    before: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> PageInboundEventOut | Problem | None:
    """The source's inbound log, newest first (``outcome``: accepted, duplicate, rejected;

     ``after``/``before`` bound the time received).

    Args:
        source (str):
        outcome (None | str | Unset):
        event_type (None | str | Unset):
        after (None | str | Unset):
        before (None | str | Unset):
        cursor (None | str | Unset): next_cursor of the previous page
        limit (int | Unset): Page size Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageInboundEventOut | Problem
    """

    return (
        await asyncio_detailed(
            source=source,
            client=client,
            outcome=outcome,
            event_type=event_type,
            after=after,
            before=before,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
