"""The outbox: messages written with their state change, delivered as signed webhooks."""

from byline.outbox._addresses import (
    ALLOW_VARIABLE,
    AllowList,
    Destination,
    Resolver,
    StaticResolver,
    SystemResolver,
    WebhookGuard,
    check_url,
    not_public,
)
from byline.outbox._dispatch import DeliveryStats, Dispatcher, encode_message
from byline.outbox._endpoints import (
    Endpoint,
    activate_endpoint,
    deactivate_endpoint,
    get_endpoint,
    list_endpoints,
    new_secret,
    register_endpoint,
)
from byline.outbox._errors import AddressRefused, DeliveryError, PersonalDataError, SignatureError
from byline.outbox._listing import Backlog, backlog, list_messages
from byline.outbox._messages import enqueue, message_id_for
from byline.outbox._receiver import Received, Rejection, WebhookReceiver
from byline.outbox._signing import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    sign,
    verify_signature,
)
from byline.outbox._sinks import DEFAULT_TIMEOUT_S, HttpSink, WebhookSink
from byline.outbox._vocabulary import DeliveryStatus, MessageStatus, Topic

__all__ = [
    "ALLOW_VARIABLE",
    "DEFAULT_TIMEOUT_S",
    "MESSAGE_ID_HEADER",
    "SIGNATURE_HEADER",
    "TOPIC_HEADER",
    "AddressRefused",
    "AllowList",
    "Backlog",
    "DeliveryError",
    "DeliveryStats",
    "DeliveryStatus",
    "Destination",
    "Dispatcher",
    "Endpoint",
    "HttpSink",
    "MessageStatus",
    "PersonalDataError",
    "Received",
    "Rejection",
    "Resolver",
    "SignatureError",
    "StaticResolver",
    "SystemResolver",
    "Topic",
    "WebhookGuard",
    "WebhookReceiver",
    "WebhookSink",
    "activate_endpoint",
    "backlog",
    "check_url",
    "deactivate_endpoint",
    "encode_message",
    "enqueue",
    "get_endpoint",
    "list_endpoints",
    "list_messages",
    "message_id_for",
    "new_secret",
    "not_public",
    "register_endpoint",
    "sign",
    "verify_signature",
]
