"""The outbound event feed: every project timeline event, numbered in commit order, for other systems.

`append(event)` is called by `govit.projects.services.common.record_event` — the one place every
lifecycle step passes through — inside the step's transaction. It locks the single EventSequence row,
takes the next number and writes the feed entry, so the feed has no gaps and its order is the order in
which the steps committed (a reader that saw #41 never later finds a #40). The same transaction
queues one webhook delivery per matching subscription; the deliveries are sent after it commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from govit.integrations.models import EventSequence, OutboundEvent, WebhookDelivery, WebhookSubscription


def payload_of(event: Any, seq: int) -> dict[str, Any]:
    """The JSON other systems receive (feed item and webhook body); schema `EventFeedItem` in the API."""
    from govit.projects.models import ProjectState

    project = event.project

    def label(state: str) -> str:
        return str(ProjectState(state).label) if state in ProjectState.values else ""

    return {
        "seq": seq,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "timeline_event_id": event.pk,
        "project": {
            "id": project.pk,
            "name": project.name,
            "project_code": project.project_code,
            "pack_id": project.pack_id,
            "state": project.state,
            "state_label": label(project.state),
            "jurisdiction": {"id": project.jurisdiction_id, "code": project.jurisdiction.code,
                             "name": project.jurisdiction.name},
            "unit": {"id": project.unit_id, "name": project.unit.name},
        },
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": ({"username": event.actor.get_username(), "display_name": event.actor.display_name}
                  if event.actor_id else None),
        "reason": event.reason,
        "citations": event.citations,
        "pack_digest": event.pack_digest,
        "details": event.details,
    }


def append(event: Any) -> OutboundEvent:
    """Add a committed-with-the-step feed entry for `event` (a ProjectEvent) and queue its webhooks."""
    sequence = EventSequence.objects.select_for_update().filter(pk=1).first()
    if sequence is None:
        EventSequence.objects.get_or_create(pk=1)
        sequence = EventSequence.objects.select_for_update().get(pk=1)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    outbound = OutboundEvent.objects.create(
        seq=sequence.last, kind=event.kind, project_id=event.project_id, project_event=event,
        jurisdiction_id=event.project.jurisdiction_id, at=event.at, payload=payload_of(event, sequence.last),
    )
    subscriptions = WebhookSubscription.objects.filter(jurisdiction_id=outbound.jurisdiction_id, active=True)
    deliveries = [WebhookDelivery(subscription=s, event=outbound, next_attempt_at=outbound.at)
                  for s in subscriptions if s.wants(outbound.kind)]
    if deliveries:
        created = WebhookDelivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: _send_after_commit(ids))
    return outbound


def _send_after_commit(delivery_ids: list[int]) -> None:
    from govit.integrations.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)
