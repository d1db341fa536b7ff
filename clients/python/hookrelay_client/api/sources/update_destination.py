from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.destination_out import DestinationOut
from ...models.endpoint_update import EndpointUpdate
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    source: str,
    destination: str,
    *,
    body: EndpointUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/v1/sources/{source}/destinations/{destination}".format(
            source=quote(str(source), safe=""),
            destination=quote(str(destination), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DestinationOut | Problem | None:
    if response.status_code == 200:
        response_200 = DestinationOut.from_dict(response.json())

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
    destination: str,
    *,
    client: AuthenticatedClient,
    body: EndpointUpdate,
) -> Response[DestinationOut | Problem]:
    """Change a destination; enabling it again resumes its waiting deliveries.

    Args:
        source (str):
        destination (str):
        body (EndpointUpdate): Changes to an endpoint; omitted fields stay as they are
            (``headers`` and ``metadata`` are replaced whole).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DestinationOut | Problem]
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
    body: EndpointUpdate,
) -> DestinationOut | Problem | None:
    """Change a destination; enabling it again resumes its waiting deliveries.

    Args:
        source (str):
        destination (str):
        body (EndpointUpdate): Changes to an endpoint; omitted fields stay as they are
            (``headers`` and ``metadata`` are replaced whole).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DestinationOut | Problem
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
    body: EndpointUpdate,
) -> Response[DestinationOut | Problem]:
    """Change a destination; enabling it again resumes its waiting deliveries.

    Args:
        source (str):
        destination (str):
        body (EndpointUpdate): Changes to an endpoint; omitted fields stay as they are
            (``headers`` and ``metadata`` are replaced whole).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DestinationOut | Problem]
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
    body: EndpointUpdate,
) -> DestinationOut | Problem | None:
    """Change a destination; enabling it again resumes its waiting deliveries.

    Args:
        source (str):
        destination (str):
        body (EndpointUpdate): Changes to an endpoint; omitted fields stay as they are
            (``headers`` and ``metadata`` are replaced whole).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DestinationOut | Problem
    """

    return (
        await asyncio_detailed(
            source=source,
            destination=destination,
            client=client,
            body=body,
        )
    ).parsed
