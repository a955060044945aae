"""Background jobs of the webhooks (Celery; eager in-process unless REDIS_URL is set).

With a broker, a failed attempt schedules its own retry (countdown from the backoff schedule), and Celery
beat runs `govit.integrations.retry_due` every minute as a safety net. Eager (the embedded default), the
first attempt runs right after the step commits and retries wait for `govit webhooks retry` (cron) —
an eager retry would run at once, without any backoff.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="govit.integrations.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    from govit.integrations.models import DeliveryStatus
    from govit.integrations.webhooks import attempt

    delivery = attempt(delivery_id)
    if delivery is None:
        return "not_due"
    if delivery.status == DeliveryStatus.PENDING and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        from django.utils import timezone

        wait = max(1, int((delivery.next_attempt_at - timezone.now()).total_seconds()))
        deliver_webhook.apply_async((delivery_id,), countdown=wait)
    return delivery.status


@shared_task(name="govit.integrations.retry_due")
def retry_due() -> int:
    from govit.integrations.webhooks import attempt, due_ids

    return sum(1 for delivery_id in due_ids() if attempt(delivery_id) is not None)
