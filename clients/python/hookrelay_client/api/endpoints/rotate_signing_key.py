from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.signing_key_out import SigningKeyOut
from ...models.signing_key_rotate import SigningKeyRotate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    endpoint: str,
    *,
    body: SigningKeyRotate | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/tenants/{tenant}/endpoints/{endpoint}/signing-keys/rotate".format(
            tenant=quote(str(tenant), safe=""),
            endpoint=quote(str(endpoint), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SigningKeyOut | None:
    if response.status_code == 200:
        response_200 = SigningKeyOut.from_dict(response.json())

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
) -> Response[Problem | SigningKeyOut]:
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
    body: SigningKeyRotate | Unset = UNSET,
) -> Response[Problem | SigningKeyOut]:
    """Rotate the ed25519 key; the old one keeps signing for the grace period (24 h).

    Args:
        tenant (str):
        endpoint (str):
        body (SigningKeyRotate | Unset): A secret key to rotate to (``whsk_``, 64 bytes or a
            32-byte seed); omitted: one is made.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SigningKeyOut]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
        body=body,
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
    body: SigningKeyRotate | Unset = UNSET,
) -> Problem | SigningKeyOut | None:
    """Rotate the ed25519 key; the old one keeps signing for the grace period (24 h).

    Args:
        tenant (str):
        endpoint (str):
        body (SigningKeyRotate | Unset): A secret key to rotate to (``whsk_``, 64 bytes or a
            32-byte seed); omitted: one is made.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SigningKeyOut
    """

    return sync_detailed(
        tenant=tenant,
        endpoint=endpoint,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    body: SigningKeyRotate | Unset = UNSET,
) -> Response[Problem | SigningKeyOut]:
    """Rotate the ed25519 key; the old one keeps signing for the grace period (24 h).

    Args:
        tenant (str):
        endpoint (str):
        body (SigningKeyRotate | Unset): A secret key to rotate to (``whsk_``, 64 bytes or a
            32-byte seed); omitted: one is made.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SigningKeyOut]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        endpoint=endpoint,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    endpoint: str,
    *,
    client: AuthenticatedClient,
    body: SigningKeyRotate | Unset = UNSET,
) -> Problem | SigningKeyOut | None:
    """Rotate the ed25519 key; the old one keeps signing for the grace period (24 h).

    Args:
        tenant (str):
        endpoint (str):
        body (SigningKeyRotate | Unset): A secret key to rotate to (``whsk_``, 64 bytes or a
            32-byte seed); omitted: one is made.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SigningKeyOut
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            endpoint=endpoint,
            client=client,
            body=body,
        )
    ).parsed
