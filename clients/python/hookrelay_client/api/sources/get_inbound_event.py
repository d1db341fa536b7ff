from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.inbound_event_detail import InboundEventDetail
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    source: str,
    event: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/sources/{source}/events/{event}".format(
            source=quote(str(source), safe=""),
            event=quote(str(event), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InboundEventDetail | Problem | None:
    if response.status_code == 200:
        response_200 = InboundEventDetail.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[InboundEventDetail | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    source: str,
    event: str,
    *,
    client: AuthenticatedClient,
) -> Response[InboundEventDetail | Problem]:
    """An inbound event in full: the request as received, verification, deliveries, tries.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboundEventDetail | Problem]
    """

    kwargs = _get_kwargs(
        source=source,
        event=event,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    source: str,
    event: str,
    *,
    client: AuthenticatedClient,
) -> InboundEventDetail | Problem | None:
    """An inbound event in full: the request as received, verification, deliveries, tries.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboundEventDetail | Problem
    """

    return sync_detailed(
        source=source,
        event=event,
        client=client,
    ).parsed


async def asyncio_detailed(
    source: str,
    event: str,
    *,
    client: AuthenticatedClient,
) -> Response[InboundEventDetail | Problem]:
    """An inbound event in full: the request as received, verification, deliveries, tries.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboundEventDetail | Problem]
    """

    kwargs = _get_kwargs(
        source=source,
        event=event,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    source: str,
    event: str,
    *,
    client: AuthenticatedClient,
) -> InboundEventDetail | Problem | None:
    """An inbound event in full: the request as received, verification, deliveries, tries.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboundEventDetail | Problem
    """

    return (
        await asyncio_detailed(
            source=source,
            event=event,
            client=client,
        )
    ).parsed
