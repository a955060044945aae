"""Reads of the integration data: the feed a caller may pull, the subscriptions a lead office manages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govit.core.models import Role
from govit.core.selectors import jurisdiction_ids_where
from govit.integrations.models import OutboundEvent, WebhookDelivery, WebhookSubscription


def events_visible_to(user: Any) -> QuerySet[OutboundEvent]:
    """Feed entries of the projects the user may see (the same rule as the project API)."""
    from govit.projects.selectors import projects_visible_to

    return OutboundEvent.objects.filter(project_id__in=projects_visible_to(user).values("pk"))


def managed_jurisdiction_ids(user: Any) -> list[int]:
    """Jurisdictions whose webhooks the user manages: those where the user is the lead office."""
    return sorted(jurisdiction_ids_where(user, Role.LEAD_OFFICE))


def subscriptions_visible_to(user: Any) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(jurisdiction_id__in=managed_jurisdiction_ids(user)).select_related(
        "jurisdiction")


def deliveries_visible_to(user: Any) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription__jurisdiction_id__in=managed_jurisdiction_ids(user)) \
        .select_related("subscription", "event")
