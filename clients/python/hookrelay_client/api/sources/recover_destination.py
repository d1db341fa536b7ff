from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.recovery_create import RecoveryCreate
from ...models.recovery_out import RecoveryOut
from ...types import Response


def _get_kwargs(
    source: str,
    destination: str,
    *,
    body: RecoveryCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sources/{source}/destinations/{destination}/recover".format(
            source=quote(str(source), safe=""),
            destination=quote(str(destination), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | RecoveryOut | None:
    if response.status_code == 202:
        response_202 = RecoveryOut.from_dict(response.json())

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
) -> Response[Problem | RecoveryOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    source: str,
    destination: str,
    *,
    client: AuthenticatedClient,
    body: RecoveryCreate,
) -> Response[Problem | RecoveryOut]:
    """Replay a time range: the events received in [since, until) that this destination

     selects and never had are delivered to it, and its failed deliveries of them tried again, in the
    background (progress: ``…/recoveries/{id}``).

    Args:
        source (str):
        destination (str):
        body (RecoveryCreate): Try again every failed delivery of the endpoint whose message was
            made in [since, until).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecoveryOut]
    """

    kwargs = _get_kwargs(
        source=source,
        destination=destination,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    source: str,
    destination: str,
    *,
    client: AuthenticatedClient,
    body: RecoveryCreate,
) -> Problem | RecoveryOut | None:
    """Replay a time range: the events received in [since, until) that this destination

     selects and never had are delivered to it, and its failed deliveries of them tried again, in the
    background (progress: ``…/recoveries/{id}``).

    Args:
        source (str):
        destination (str):
        body (RecoveryCreate): Try again every failed delivery of the endpoint whose message was
            made in [since, until).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecoveryOut
    """

    return sync_detailed(
        source=source,
        destination=destination,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    source: str,
    destination: str,
    *,
    client: AuthenticatedClient,
    body: RecoveryCreate,
) -> Response[Problem | RecoveryOut]:
    """Replay a time range: the events received in [since, until) that this destination

     selects and never had are delivered to it, and its failed deliveries of them tried again, in the
    background (progress: ``…/recoveries/{id}``).

    Args:
        source (str):
        destination (str):
        body (RecoveryCreate): Try again every failed delivery of the endpoint whose message was
            made in [since, until).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecoveryOut]
    """

    kwargs = _get_kwargs(
        source=source,
        destination=destination,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    source: str,
    destination: str,
    *,
    client: AuthenticatedClient,
    body: RecoveryCreate,
) -> Problem | RecoveryOut | None:
    """Replay a time range: the events received in [since, until) that this destination

     selects and never had are delivered to it, and its failed deliveries of them tried again, in the
    background (progress: ``…/recoveries/{id}``).

    Args:
        source (str):
        destination (str):
        body (RecoveryCreate): Try again every failed delivery of the endpoint whose message was
            made in [since, until).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecoveryOut
    """

    return (
        await asyncio_detailed(
            source=source,
            destination=destination,
            client=client,
            body=body,
        )
    ).parsed
