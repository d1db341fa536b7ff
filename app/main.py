"""The Litestar application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide

from app.auth.controllers import ApiKeyController
from app.auth.guards import require_credentials
from app.auth.service import Authenticator
from app.config import Settings
from app.db import create_engine, session_factory
from app.deliveries.controllers import EndpointLogController, RecoveryController
from app.endpoints.controllers import EndpointController, TransformationController
from app.errors import exception_handlers
from app.event_types.controllers import EventTypeController
from app.health.controllers import READY_CACHE_SECONDS, HealthController, readiness
from app.kit.bad_characters import RefuseNul
from app.kit.crypto import SecretBox
from app.kit.deps import provide_session
from app.kit.egress import EgressPolicy
from app.kit.fast_path import FastPath
from app.kit.jobs import BackgroundJobQueue, job_queue_for
from app.kit.openapi import ContractPlugin, openapi_config, openapi_json
from app.kit.strict_bodies import StrictBodies
from app.kit.throttle import Throttled
from app.messages.controllers import MessageController
from app.messages.fast_path import PublishFastPath
from app.metrics import GAUGES_CACHE_SECONDS, MetricsController, refresh
from app.portal.controllers import PortalLinkController, PortalTokenController
from app.portal_web.render import template_config
from app.portal_web.routes import portal_routers
from app.signing_keys.controllers import KeysDocumentController, SigningKeyController
from app.sources.controllers import (
    DestinationController,
    InboundLogController,
    IngestController,
    SourceController,
    handoff,
)
from app.sources.fast_path import IngestFastPath
from app.tenants.controllers import TenantController

if TYPE_CHECKING:
    import dramatiq

VERSION = "0.1.0"


Background = Callable[[State, asyncio.Event], Coroutine[Any, Any, None]]


def create_app(
    settings: Settings, broker: dramatiq.Broker, *, background: Sequence[Background] = ()
) -> Litestar:
    """The API. ``background`` jobs (the embedded scheduler) run on its event loop until shutdown."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    jobs = job_queue_for(broker, deliveries_per_task=settings.deliveries_per_task)
    state = State(
        {
            "settings": settings,
            "engine": engine,
            "sessions": sessions,
            "jobs": jobs,
            "secret_box": SecretBox(settings.secret_key),
            "auth": Authenticator(sessions),
            "egress": EgressPolicy(settings.egress_allow, https_only=settings.egress_https_only),
            "readiness": Throttled(
                partial(readiness, sessions, jobs), ttl_seconds=READY_CACHE_SECONDS
            ),
            "metrics_gauges": Throttled(
                partial(refresh, sessions), ttl_seconds=GAUGES_CACHE_SECONDS
            ),
            "destination_egress": EgressPolicy(settings.destination_allow),
        }
    )

    publish_fast = (
        PublishFastPath(
            database_url=settings.database_url,
            auth=state.auth,
            jobs=jobs,
            max_payload_bytes=settings.max_payload_bytes,
            deliveries_per_task=settings.deliveries_per_task,
            writers=settings.group_commit_writers,
        )
        if settings.publish_fast_path and not settings.is_embedded_database
        else None
    )
    ingest_fast = (
        IngestFastPath(
            database_url=settings.database_url,
            base_url=settings.base_url,
            sessions=sessions,
            box=state.secret_box,
            handoff=partial(handoff, state),
            max_body_bytes=settings.max_inbound_body_bytes,
            writers=settings.group_commit_writers,
        )
        if settings.ingest_fast_path and not settings.is_embedded_database
        else None
    )

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(job(state, stop)) for job in background]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            for fast in (publish_fast, ingest_fast):
                if fast is not None:
                    await fast.close()
            if isinstance(jobs, BackgroundJobQueue):
                await asyncio.to_thread(jobs.close)
            await engine.dispose()

    api = Router(
        path="/",
        route_handlers=[
            TenantController,
            EventTypeController,
            EndpointController,
            TransformationController,
            SigningKeyController,
            MessageController,
            PortalTokenController,
            EndpointLogController,
            RecoveryController,
            SourceController,
            DestinationController,
            InboundLogController,
            ApiKeyController,
        ],
        guards=[require_credentials],
        dependencies={"session": Provide(provide_session)},
    )
    portal_link = Router(
        path="/",
        # No credentials: the portal's magic links and the published signing keys.
        route_handlers=[PortalLinkController, KeysDocumentController],
        dependencies={"session": Provide(provide_session)},
    )
    app = Litestar(
        route_handlers=[
            api,
            portal_link,
            IngestController,  # no bearer key: the URL's token and the provider's signature
            *portal_routers(),
            HealthController,
            MetricsController,
            openapi_json,
        ],
        template_config=template_config(),
        state=state,
        lifespan=[lifespan],
        exception_handlers=exception_handlers,
        middleware=[RefuseNul()],  # NUL in a path, query or header: 400, before any lookup
        before_request=StrictBodies(),  # JSON bodies of the wrong type: 400, never coerced
        openapi_config=openapi_config(VERSION),
        plugins=[ContractPlugin()],
        cors_config=(
            CORSConfig(
                allow_origins=list(settings.cors_allow_origins),
                allow_methods=["GET", "POST", "PATCH", "DELETE"],
                allow_headers=["authorization", "content-type"],
                max_age=600,
            )
            if settings.cors_allow_origins
            else None
        ),
        logging_config=None,
        debug=False,
    )
    # Before routing (app.kit.fast_path); anything they do not answer goes on as before.
    routes = [fast.route() for fast in (publish_fast, ingest_fast) if fast is not None]
    if routes:
        app.asgi_handler = FastPath(app.asgi_handler, routes)
    state.publish_fast_path = publish_fast
    state.ingest_fast_path = ingest_fast
    return app
