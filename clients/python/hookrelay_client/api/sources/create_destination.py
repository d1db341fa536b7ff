from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.destination_out import DestinationOut
from ...models.endpoint_create import EndpointCreate
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    source: str,
    *,
    body: EndpointCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sources/{source}/destinations".format(
            source=quote(str(source), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DestinationOut | Problem | None:
    if response.status_code == 201:
        response_201 = DestinationOut.from_dict(response.json())

        return response_201

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

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
) -> Response[DestinationOut | Problem]:
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
    body: EndpointCreate,
) -> Response[DestinationOut | Problem]:
    """Add an internal service that receives the source's events (its secret is generated).

    Args:
        source (str):
        body (EndpointCreate): A new endpoint.

            ``event_types`` holds names or wildcards (``invoice.*``, ``*``); ``channels`` (null: every
            message) makes it receive only messages that carry one of them; ``payload_filter`` (see
            the README) only messages whose payload passes; ``headers`` are added to every request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DestinationOut | Problem]
    """

    kwargs = _get_kwargs(
        source=source,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    source: str,
    *,
    client: AuthenticatedClient,
    body: EndpointCreate,
) -> DestinationOut | Problem | None:
    """Add an internal service that receives the source's events (its secret is generated).

    Args:
        source (str):
        body (EndpointCreate): A new endpoint.

            ``event_types`` holds names or wildcards (``invoice.*``, ``*``); ``channels`` (null: every
            message) makes it receive only messages that carry one of them; ``payload_filter`` (see
            the README) only messages whose payload passes; ``headers`` are added to every request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DestinationOut | Problem
    """

    return sync_detailed(
        source=source,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    source: str,
    *,
    client: AuthenticatedClient,
    body: EndpointCreate,
) -> Response[DestinationOut | Problem]:
    """Add an internal service that receives the source's events (its secret is generated).

    Args:
        source (str):
        body (EndpointCreate): A new endpoint.

            ``event_types`` holds names or wildcards (``invoice.*``, ``*``); ``channels`` (null: every
            message) makes it receive only messages that carry one of them; ``payload_filter`` (see
            the README) only messages whose payload passes; ``headers`` are added to every request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DestinationOut | Problem]
    """

    kwargs = _get_kwargs(
        source=source,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    source: str,
    *,
    client: AuthenticatedClient,
    body: EndpointCreate,
) -> DestinationOut | Problem | None:
    """Add an internal service that receives the source's events (its secret is generated).

    Args:
        source (str):
        body (EndpointCreate): A new endpoint.

            ``event_types`` holds names or wildcards (``invoice.*``, ``*``); ``channels`` (null: every
            message) makes it receive only messages that carry one of them; ``payload_filter`` (see
            the README) only messages whose payload passes; ``headers`` are added to every request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DestinationOut | Problem
    """

    return (
        await asyncio_detailed(
            source=source,
            client=client,
            body=body,
        )
    ).parsed
