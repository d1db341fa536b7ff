"""Contains all the data models used in inputs/outputs"""

from .api_key_create import ApiKeyCreate
from .api_key_created import ApiKeyCreated
from .api_key_out import ApiKeyOut
from .attempt_out import AttemptOut
from .attempt_out_request_headers_type_0 import AttemptOutRequestHeadersType0
from .attempt_out_response_headers_type_0 import AttemptOutResponseHeadersType0
from .delivery_out import DeliveryOut
from .destination_out import DestinationOut
from .destination_out_headers import DestinationOutHeaders
from .destination_out_payload_filter_type_0 import DestinationOutPayloadFilterType0
from .endpoint_create import EndpointCreate
from .endpoint_create_headers import EndpointCreateHeaders
from .endpoint_create_metadata import EndpointCreateMetadata
from .endpoint_create_ordering_failure_policy import EndpointCreateOrderingFailurePolicy
from .endpoint_create_payload_filter_type_0 import EndpointCreatePayloadFilterType0
from .endpoint_create_signature_scheme import EndpointCreateSignatureScheme
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
from .endpoint_transformation_preview import EndpointTransformationPreview
from .endpoint_transformation_preview_headers_type_0 import EndpointTransformationPreviewHeadersType0
from .endpoint_update import EndpointUpdate
from .endpoint_update_headers import EndpointUpdateHeaders
from .endpoint_update_metadata import EndpointUpdateMetadata
from .endpoint_update_ordering_failure_policy import EndpointUpdateOrderingFailurePolicy
from .endpoint_update_payload_filter_type_0 import EndpointUpdatePayloadFilterType0
from .endpoint_update_signature_scheme import EndpointUpdateSignatureScheme
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
from .inbound_event_detail import InboundEventDetail
from .inbound_event_detail_headers import InboundEventDetailHeaders
from .inbound_event_out import InboundEventOut
from .keys_document import KeysDocument
from .message_batch_create import MessageBatchCreate
from .message_create import MessageCreate
from .message_create_payload import MessageCreatePayload
from .message_out import MessageOut
from .message_out_payload_type_0 import MessageOutPayloadType0
from .ordering_key_out import OrderingKeyOut
from .page_api_key_out import PageApiKeyOut
from .page_attempt_out import PageAttemptOut
from .page_delivery_out import PageDeliveryOut
from .page_destination_out import PageDestinationOut
from .page_endpoint_out import PageEndpointOut
from .page_event_type_out import PageEventTypeOut
from .page_inbound_event_out import PageInboundEventOut
from .page_message_out import PageMessageOut
from .page_ordering_key_out import PageOrderingKeyOut
from .page_portal_token_out import PagePortalTokenOut
from .page_signing_key_out import PageSigningKeyOut
from .page_source_out import PageSourceOut
from .page_tenant_out import PageTenantOut
from .page_undelivered_out import PageUndeliveredOut
from .percentiles import Percentiles
from .portal_branding import PortalBranding
from .portal_branding_theme_type_0 import PortalBrandingThemeType0
from .portal_session import PortalSession
from .portal_token_create import PortalTokenCreate
from .portal_token_minted import PortalTokenMinted
from .portal_token_out import PortalTokenOut
from .problem import Problem
from .recovery_create import RecoveryCreate
from .recovery_out import RecoveryOut
from .secret_rotate import SecretRotate
from .series_point import SeriesPoint
from .signing_key_out import SigningKeyOut
from .signing_key_rotate import SigningKeyRotate
from .signing_key_secret_out import SigningKeySecretOut
from .source_create import SourceCreate
from .source_create_options import SourceCreateOptions
from .source_out import SourceOut
from .source_out_options import SourceOutOptions
from .source_secret_in import SourceSecretIn
from .source_secret_out import SourceSecretOut
from .source_update import SourceUpdate
from .source_update_options import SourceUpdateOptions
from .tenant_create import TenantCreate
from .tenant_out import TenantOut
from .token_rotate import TokenRotate
from .transformation import Transformation
from .transformation_headers import TransformationHeaders
from .transformation_preview import TransformationPreview
from .transformation_preview_headers import TransformationPreviewHeaders
from .transformation_preview_out import TransformationPreviewOut
from .transformation_preview_out_headers import TransformationPreviewOutHeaders
from .undelivered_out import UndeliveredOut
from .window_stats import WindowStats
from .window_stats_outcomes import WindowStatsOutcomes

__all__ = (
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyOut",
    "AttemptOut",
    "AttemptOutRequestHeadersType0",
    "AttemptOutResponseHeadersType0",
    "DeliveryOut",
    "DestinationOut",
    "DestinationOutHeaders",
    "DestinationOutPayloadFilterType0",
    "EndpointCreate",
    "EndpointCreateHeaders",
    "EndpointCreateMetadata",
    "EndpointCreateOrderingFailurePolicy",
    "EndpointCreatePayloadFilterType0",
    "EndpointCreateSignatureScheme",
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
    "EndpointTransformationPreview",
    "EndpointTransformationPreviewHeadersType0",
    "EndpointUpdate",
    "EndpointUpdateHeaders",
    "EndpointUpdateMetadata",
    "EndpointUpdateOrderingFailurePolicy",
    "EndpointUpdatePayloadFilterType0",
    "EndpointUpdateSignatureScheme",
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
    "InboundEventDetail",
    "InboundEventDetailHeaders",
    "InboundEventOut",
    "KeysDocument",
    "MessageBatchCreate",
    "MessageCreate",
    "MessageCreatePayload",
    "MessageOut",
    "MessageOutPayloadType0",
    "OrderingKeyOut",
    "PageApiKeyOut",
    "PageAttemptOut",
    "PageDeliveryOut",
    "PageDestinationOut",
    "PageEndpointOut",
    "PageEventTypeOut",
    "PageInboundEventOut",
    "PageMessageOut",
    "PageOrderingKeyOut",
    "PagePortalTokenOut",
    "PageSigningKeyOut",
    "PageSourceOut",
    "PageTenantOut",
    "PageUndeliveredOut",
    "Percentiles",
    "PortalBranding",
    "PortalBrandingThemeType0",
    "PortalSession",
    "PortalTokenCreate",
    "PortalTokenMinted",
    "PortalTokenOut",
    "Problem",
    "RecoveryCreate",
    "RecoveryOut",
    "SecretRotate",
    "SeriesPoint",
    "SigningKeyOut",
    "SigningKeyRotate",
    "SigningKeySecretOut",
    "SourceCreate",
    "SourceCreateOptions",
    "SourceOut",
    "SourceOutOptions",
    "SourceSecretIn",
    "SourceSecretOut",
    "SourceUpdate",
    "SourceUpdateOptions",
    "TenantCreate",
    "TenantOut",
    "TokenRotate",
    "Transformation",
    "TransformationHeaders",
    "TransformationPreview",
    "TransformationPreviewHeaders",
    "TransformationPreviewOut",
    "TransformationPreviewOutHeaders",
    "UndeliveredOut",
    "WindowStats",
    "WindowStatsOutcomes",
)
