from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.message_create import MessageCreate
from ...models.message_out import MessageOut
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    tenant: str,
    *,
    body: MessageCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/tenants/{tenant}/messages".format(
            tenant=quote(str(tenant), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MessageOut | Problem | None:
    if response.status_code == 202:
        response_202 = MessageOut.from_dict(response.json())

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
) -> Response[MessageOut | Problem]:
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
    body: MessageCreate,
) -> Response[MessageOut | Problem]:
    """Publish an event to the tenant's subscribed endpoints (idempotent on ``event_id``).

    Args:
        tenant (str):
        body (MessageCreate): An event to publish. ``event_id`` makes the publish idempotent per
            tenant; ``ordering_key`` puts it in order behind the earlier messages of that key on the
            endpoints with ordered delivery (without one, it is its own key).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: MessageCreate,
) -> MessageOut | Problem | None:
    """Publish an event to the tenant's subscribed endpoints (idempotent on ``event_id``).

    Args:
        tenant (str):
        body (MessageCreate): An event to publish. ``event_id`` makes the publish idempotent per
            tenant; ``ordering_key`` puts it in order behind the earlier messages of that key on the
            endpoints with ordered delivery (without one, it is its own key).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageOut | Problem
    """

    return sync_detailed(
        tenant=tenant,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: MessageCreate,
) -> Response[MessageOut | Problem]:
    """Publish an event to the tenant's subscribed endpoints (idempotent on ``event_id``).

    Args:
        tenant (str):
        body (MessageCreate): An event to publish. ``event_id`` makes the publish idempotent per
            tenant; ``ordering_key`` puts it in order behind the earlier messages of that key on the
            endpoints with ordered delivery (without one, it is its own key).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: MessageCreate,
) -> MessageOut | Problem | None:
    """Publish an event to the tenant's subscribed endpoints (idempotent on ``event_id``).

    Args:
        tenant (str):
        body (MessageCreate): An event to publish. ``event_id`` makes the publish idempotent per
            tenant; ``ordering_key`` puts it in order behind the earlier messages of that key on the
            endpoints with ordered delivery (without one, it is its own key).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            client=client,
            body=body,
        )
    ).parsed
