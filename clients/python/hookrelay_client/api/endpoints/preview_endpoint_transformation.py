from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_transformation_preview import EndpointTransformationPreview
from ...models.problem import Problem
from ...models.transformation_preview_out import TransformationPreviewOut
from ...types import Response


def _get_kwargs(
    tenant: str,
    endpoint: str,
    *,
    body: EndpointTransformationPreview,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/tenants/{tenant}/endpoints/{endpoint}/transformation/preview".format(
            tenant=quote(str(tenant), safe=""),
            endpoint=quote(str(endpoint), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TransformationPreviewOut | None:
    if response.status_code == 200:
        response_200 = TransformationPreviewOut.from_dict(response.json())

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
) -> Response[Problem | TransformationPreviewOut]:
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
    body: EndpointTransformationPreview,
) -> Response[Problem | TransformationPreviewOut]:
    """Preview the endpoint's transformation (or a given one) on a payload or a past message;

     changes nothing.

    Args:
        tenant (str):
        endpoint (str):
        body (EndpointTransformationPreview): What to preview: the endpoint's saved
            transformation, or ``expression`` (and ``headers``) if given, on ``payload`` or on the
            payload of the past message ``message_id`` (exactly one of the two).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransformationPreviewOut]
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
    body: EndpointTransformationPreview,
) -> Problem | TransformationPreviewOut | None:
    """Preview the endpoint's transformation (or a given one) on a payload or a past message;

     changes nothing.

    Args:
        tenant (str):
        endpoint (str):
        body (EndpointTransformationPreview): What to preview: the endpoint's saved
            transformation, or ``expression`` (and ``headers``) if given, on ``payload`` or on the
            payload of the past message ``message_id`` (exactly one of the two).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransformationPreviewOut
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
    body: EndpointTransformationPreview,
) -> Response[Problem | TransformationPreviewOut]:
    """Preview the endpoint's transformation (or a given one) on a payload or a past message;

     changes nothing.

    Args:
        tenant (str):
        endpoint (str):
        body (EndpointTransformationPreview): What to preview: the endpoint's saved
            transformation, or ``expression`` (and ``headers``) if given, on ``payload`` or on the
            payload of the past message ``message_id`` (exactly one of the two).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransformationPreviewOut]
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
    body: EndpointTransformationPreview,
) -> Problem | TransformationPreviewOut | None:
    """Preview the endpoint's transformation (or a given one) on a payload or a past message;

     changes nothing.

    Args:
        tenant (str):
        endpoint (str):
        body (EndpointTransformationPreview): What to preview: the endpoint's saved
            transformation, or ``expression`` (and ``headers``) if given, on ``payload`` or on the
            payload of the past message ``message_id`` (exactly one of the two).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransformationPreviewOut
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            endpoint=endpoint,
            client=client,
            body=body,
        )
    ).parsed
