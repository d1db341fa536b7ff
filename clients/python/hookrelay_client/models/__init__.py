"""Contains all the data models used in inputs/outputs"""

from .attempt_out import AttemptOut
from .delivery_out import DeliveryOut
from .endpoint_create import EndpointCreate
from .endpoint_out import EndpointOut
from .endpoint_secret_out import EndpointSecretOut
from .endpoint_update import EndpointUpdate
from .event_type_create import EventTypeCreate
from .event_type_create_schema_type_0 import EventTypeCreateSchemaType0
from .event_type_out import EventTypeOut
from .event_type_out_schema_type_0 import EventTypeOutSchemaType0
from .event_type_update import EventTypeUpdate
from .event_type_update_schema_type_0 import EventTypeUpdateSchemaType0
from .field_error import FieldError
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
from .page_tenant_out import PageTenantOut
from .problem import Problem
from .tenant_create import TenantCreate
from .tenant_out import TenantOut

__all__ = (
    "AttemptOut",
    "DeliveryOut",
    "EndpointCreate",
    "EndpointOut",
    "EndpointSecretOut",
    "EndpointUpdate",
    "EventTypeCreate",
    "EventTypeCreateSchemaType0",
    "EventTypeOut",
    "EventTypeOutSchemaType0",
    "EventTypeUpdate",
    "EventTypeUpdateSchemaType0",
    "FieldError",
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
    "PageTenantOut",
    "Problem",
    "TenantCreate",
    "TenantOut",
)
