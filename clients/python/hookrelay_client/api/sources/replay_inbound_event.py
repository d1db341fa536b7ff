from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_out import DeliveryOut
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    source: str,
    event: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sources/{source}/events/{event}/replay".format(
            source=quote(str(source), safe=""),
            event=quote(str(event), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | list[DeliveryOut] | None:
    if response.status_code == 202:
        response_202 = []
        _response_202 = response.json()
        for response_202_item_data in _response_202:
            response_202_item = DeliveryOut.from_dict(response_202_item_data)

            response_202.append(response_202_item)

        return response_202

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | list[DeliveryOut]]:
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
) -> Response[Problem | list[DeliveryOut]]:
    """Deliver an accepted event again, now, to every enabled destination that had it or,

     added since, selects it.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[DeliveryOut]]
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
) -> Problem | list[DeliveryOut] | None:
    """Deliver an accepted event again, now, to every enabled destination that had it or,

     added since, selects it.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[DeliveryOut]
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
) -> Response[Problem | list[DeliveryOut]]:
    """Deliver an accepted event again, now, to every enabled destination that had it or,

     added since, selects it.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[DeliveryOut]]
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
) -> Problem | list[DeliveryOut] | None:
    """Deliver an accepted event again, now, to every enabled destination that had it or,

     added since, selects it.

    Args:
        source (str):
        event (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[DeliveryOut]
    """

    return (
        await asyncio_detailed(
            source=source,
            event=event,
            client=client,
        )
    ).parsed
