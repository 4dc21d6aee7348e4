"""Payment and refund notifications: the envelope WeChat posts, and reading it back (protocol/v3.md 7.1-7.2, 8.3).

The body is compact JSON in real traffic's key order (``id, create_time, resource_type, event_type,
summary, resource``) with ``resource`` = ``original_type, algorithm, ciphertext, associated_data,
nonce``; the resource is the business JSON encrypted with the APIv3 key, AAD = ``transaction`` or
``refund``. The signature headers are those of a response (see ``response``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .aead import DecryptError, decrypt_fields, encrypt_fields
from .jsonbody import compact_json, load_json_object

RESOURCE_TYPE = "encrypt-resource"


class NotificationError(ValueError):
    """A notification body that is not a WeChat v3 notification."""


def notification_body(
    plaintext: Mapping[str, object] | bytes,
    api_v3_key: str,
    *,
    notification_id: str,
    create_time: str,
    event_type: str,
    summary: str,
    original_type: str,
    associated_data: str | None = None,
    nonce: str | None = None,
) -> bytes:
    """The body WeChat posts to notify_url; ``associated_data`` defaults to ``original_type``, as in real traffic."""
    data = plaintext if isinstance(plaintext, bytes) else compact_json(plaintext)
    fields = encrypt_fields(
        data, api_v3_key, associated_data=original_type if associated_data is None else associated_data, nonce=nonce
    )
    resource = {
        "original_type": original_type,
        "algorithm": fields["algorithm"],
        "ciphertext": fields["ciphertext"],
        "associated_data": fields["associated_data"],
        "nonce": fields["nonce"],
    }
    return compact_json(
        {
            "id": notification_id,
            "create_time": create_time,
            "resource_type": RESOURCE_TYPE,
            "event_type": event_type,
            "summary": summary,
            "resource": resource,
        }
    )


@dataclass(frozen=True, slots=True)
class Notification:
    """A decrypted notification: the envelope's fields and the business object inside ``resource``."""

    id: str
    create_time: str
    event_type: str
    summary: str
    original_type: str
    resource: dict[str, object]


def read_notification(body: bytes, api_v3_key: str) -> Notification:
    """Parse and decrypt a notification body (verify its headers first with ``verify_response``).

    Raises NotificationError for a malformed envelope and DecryptError when the resource does not decrypt.
    """
    try:
        envelope = load_json_object(body)
    except ValueError as exc:
        raise NotificationError(str(exc)) from None
    if envelope.get("resource_type") != RESOURCE_TYPE:
        raise NotificationError(f"resource_type is {envelope.get('resource_type')!r}; expected {RESOURCE_TYPE!r}")
    resource = envelope.get("resource")
    if not isinstance(resource, dict):
        raise NotificationError("the notification has no resource object")
    plaintext = decrypt_fields(resource, api_v3_key)
    try:
        inner = load_json_object(plaintext)
    except ValueError as exc:
        raise DecryptError(f"the decrypted resource is not a JSON object ({exc})") from None
    return Notification(
        id=str(envelope.get("id", "")),
        create_time=str(envelope.get("create_time", "")),
        event_type=str(envelope.get("event_type", "")),
        summary=str(envelope.get("summary", "")),
        original_type=str(resource.get("original_type", "")),
        resource=inner,
    )
