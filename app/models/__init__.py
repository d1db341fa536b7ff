"""Every table, one module each; import from here."""

from app.models.api_key import ApiKey
from app.models.attempt import Attempt
from app.models.attempt_rollup import ATTEMPT_ROLLUPS
from app.models.base import Base
from app.models.delivery import Delivery
from app.models.endpoint import Endpoint
from app.models.event_type import EventType
from app.models.message import Message, MessageChannel, MessagePayload
from app.models.ordering_key import OrderingKey
from app.models.portal_token import PortalToken
from app.models.recovery import Recovery
from app.models.source import InboundDedup, InboundEvent, Source
from app.models.tenant import Tenant

__all__ = [
    "ATTEMPT_ROLLUPS",
    "ApiKey",
    "Attempt",
    "Base",
    "Delivery",
    "Endpoint",
    "EventType",
    "InboundDedup",
    "InboundEvent",
    "Message",
    "MessageChannel",
    "MessagePayload",
    "OrderingKey",
    "PortalToken",
    "Recovery",
    "Source",
    "Tenant",
]
