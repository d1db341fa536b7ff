from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.signing_key_secret_out import SigningKeySecretOut
from ...types import Response


def _get_kwargs(
    tenant: str,
    endpoint: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/endpoints/{endpoint}/signing-keys/secret".format(
            tenant=quote(str(tenant), safe=""),
            endpoint=quote(str(endpoint), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SigningKeySecretOut | None:
    if response.status_code == 200:
        response_200 = SigningKeySecretOut.from_dict(response.json())

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
) -> Response[Problem | SigningKeySecretOut]:
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
) -> Response[Problem | SigningKeySecretOut]:
    """Reveal the endpoint's current ed25519 secret key (receivers need only the public one).

    Args:
        tenant (str):
        endpoint (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SigningKeySecretOut]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
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
) -> Problem | SigningKeySecretOut | None:
    """Reveal the endpoint's current ed25519 secret key (receivers need only the public one).

    Args:
        tenant (str):
        endpoint (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SigningKeySecretOut
    """

    return sync_detailed(
        tenant=tenant,
        endpoint=endpoint,
        client=client,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | SigningKeySecretOut]:
    """Reveal the endpoint's current ed25519 secret key (receivers need only the public one).

    Args:
        tenant (str):
        endpoint (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SigningKeySecretOut]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
) -> Problem | SigningKeySecretOut | None:
    """Reveal the endpoint's current ed25519 secret key (receivers need only the public one).

    Args:
        tenant (str):
        endpoint (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SigningKeySecretOut
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            endpoint=endpoint,
            client=client,
        )
    ).parsed
