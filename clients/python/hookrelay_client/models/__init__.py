"""Contains all the data models used in inputs/outputs"""

from .attempt_out import AttemptOut
from .attempt_out_request_headers_type_0 import AttemptOutRequestHeadersType0
from .attempt_out_response_headers_type_0 import AttemptOutResponseHeadersType0
from .delivery_out import DeliveryOut
from .endpoint_create import EndpointCreate
from .endpoint_create_headers import EndpointCreateHeaders
from .endpoint_create_metadata import EndpointCreateMetadata
from .endpoint_create_payload_filter_type_0 import EndpointCreatePayloadFilterType0
from .endpoint_disable import EndpointDisable
from .endpoint_out import EndpointOut
from .endpoint_out_headers import EndpointOutHeaders
from .endpoint_out_metadata import EndpointOutMetadata
from .endpoint_out_payload_filter_type_0 import EndpointOutPayloadFilterType0
from .endpoint_secret_out import EndpointSecretOut
from .endpoint_series import EndpointSeries
from .endpoint_stats import EndpointStats
from .endpoint_test_event import EndpointTestEvent
from .endpoint_test_event_payload_type_0 import EndpointTestEventPayloadType0
from .endpoint_update import EndpointUpdate
from .endpoint_update_headers import EndpointUpdateHeaders
from .endpoint_update_metadata import EndpointUpdateMetadata
from .endpoint_update_payload_filter_type_0 import EndpointUpdatePayloadFilterType0
from .event_type_create import EventTypeCreate
from .event_type_create_example_type_0 import EventTypeCreateExampleType0
from .event_type_create_schema_type_0 import EventTypeCreateSchemaType0
from .event_type_out import EventTypeOut
from .event_type_out_example_type_0 import EventTypeOutExampleType0
from .event_type_out_schema_type_0 import EventTypeOutSchemaType0
from .event_type_update import EventTypeUpdate
from .event_type_update_example_type_0 import EventTypeUpdateExampleType0
from .event_type_update_schema_type_0 import EventTypeUpdateSchemaType0
from .field_error import FieldError
from .get_endpoint_series_window import GetEndpointSeriesWindow
from .health import Health
from .health_live_response_200 import HealthLiveResponse200
from .message_batch_create import MessageBatchCreate
from .message_create import MessageCreate
from .message_create_payload import MessageCreatePayload
from .message_out import MessageOut
from .message_out_payload_type_0 import MessageOutPayloadType0
from .page_attempt_out import PageAttemptOut
from .page_delivery_out import PageDeliveryOut
from .page_endpoint_out import PageEndpointOut
from .page_event_type_out import PageEventTypeOut
from .page_message_out import PageMessageOut
from .page_portal_token_out import PagePortalTokenOut
from .page_tenant_out import PageTenantOut
from .page_undelivered_out import PageUndeliveredOut
from .percentiles import Percentiles
from .portal_session import PortalSession
from .portal_token_create import PortalTokenCreate
from .portal_token_minted import PortalTokenMinted
from .portal_token_out import PortalTokenOut
from .problem import Problem
from .recovery_create import RecoveryCreate
from .recovery_out import RecoveryOut
from .secret_rotate import SecretRotate
from .series_point import SeriesPoint
from .tenant_create import TenantCreate
from .tenant_out import TenantOut
from .undelivered_out import UndeliveredOut
from .window_stats import WindowStats
from .window_stats_outcomes import WindowStatsOutcomes

__all__ = (
    "AttemptOut",
    "AttemptOutRequestHeadersType0",
    "AttemptOutResponseHeadersType0",
    "DeliveryOut",
    "EndpointCreate",
    "EndpointCreateHeaders",
    "EndpointCreateMetadata",
    "EndpointCreatePayloadFilterType0",
    "EndpointDisable",
    "EndpointOut",
    "EndpointOutHeaders",
    "EndpointOutMetadata",
    "EndpointOutPayloadFilterType0",
    "EndpointSecretOut",
    "EndpointSeries",
    "EndpointStats",
    "EndpointTestEvent",
    "EndpointTestEventPayloadType0",
    "EndpointUpdate",
    "EndpointUpdateHeaders",
    "EndpointUpdateMetadata",
    "EndpointUpdatePayloadFilterType0",
    "EventTypeCreate",
    "EventTypeCreateExampleType0",
    "EventTypeCreateSchemaType0",
    "EventTypeOut",
    "EventTypeOutExampleType0",
    "EventTypeOutSchemaType0",
    "EventTypeUpdate",
    "EventTypeUpdateExampleType0",
    "EventTypeUpdateSchemaType0",
    "FieldError",
    "GetEndpointSeriesWindow",
    "Health",
    "HealthLiveResponse200",
    "MessageBatchCreate",
    "MessageCreate",
    "MessageCreatePayload",
    "MessageOut",
    "MessageOutPayloadType0",
    "PageAttemptOut",
    "PageDeliveryOut",
    "PageEndpointOut",
    "PageEventTypeOut",
    "PageMessageOut",
    "PagePortalTokenOut",
    "PageTenantOut",
    "PageUndeliveredOut",
    "Percentiles",
    "PortalSession",
    "PortalTokenCreate",
    "PortalTokenMinted",
    "PortalTokenOut",
    "Problem",
    "RecoveryCreate",
    "RecoveryOut",
    "SecretRotate",
    "SeriesPoint",
    "TenantCreate",
    "TenantOut",
    "UndeliveredOut",
    "WindowStats",
    "WindowStatsOutcomes",
)
