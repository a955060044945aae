"""`govit webhooks retry`: attempt every webhook delivery that is due (cron, eager mode; Celery beat
runs the same with a broker). `govit webhooks list [--format json]`: subscriptions and delivery counts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count, Q


class Command(BaseCommand):
    help = "事件推送（Webhook）。retry：投递到期的待投递事件（可由 cron 定时执行）；list：订阅与投递统计。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{retry,list}")
        retry = sub.add_parser("retry", help="投递所有到期的待投递事件（失败的按退避间隔安排下次）")
        retry.add_argument("--format", choices=["text", "json"], default="text")
        listing = sub.add_parser("list", help="列出订阅及各状态的投递数")
        listing.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "retry":
            self._retry(options["format"])
        else:
            self._list(options["format"])

    def _retry(self, fmt: str) -> None:
        from govit.integrations.models import DeliveryStatus, WebhookDelivery
        from govit.integrations.webhooks import attempt, due_ids

        ids = due_ids()
        outcomes = [attempt(i) for i in ids]
        done = [d for d in outcomes if d is not None]
        delivered = sum(1 for d in done if d.status == DeliveryStatus.DELIVERED)
        failed = sum(1 for d in done if d.status == DeliveryStatus.FAILED)
        waiting = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count()
        if fmt == "json":
            self.stdout.write(json.dumps({"attempted": len(done), "delivered": delivered, "failed": failed,
                                          "pending": waiting}))
            return
        self.stdout.write(f"本次尝试 {len(done)} 条：送达 {delivered} 条，停止重试 {failed} 条；"
                          f"仍待投递 {waiting} 条。")

    def _list(self, fmt: str) -> None:
        from govit.integrations.models import WebhookSubscription

        rows = []
        for s in WebhookSubscription.objects.select_related("jurisdiction").annotate(
                pending=Count("deliveries", filter=Q(deliveries__status="pending")),
                delivered=Count("deliveries", filter=Q(deliveries__status="delivered")),
                failed=Count("deliveries", filter=Q(deliveries__status="failed"))).order_by("pk"):
            rows.append({"id": s.pk, "jurisdiction": s.jurisdiction.code, "name": s.name, "url": s.url,
                         "kinds": s.kinds, "active": s.active, "pending": s.pending, "delivered": s.delivered,
                         "failed": s.failed})
        if fmt == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("还没有事件推送订阅。")
        for r in rows:
            state = "启用" if r["active"] else "已停用"
            self.stdout.write(f"#{r['id']} {r['name']}（{r['jurisdiction']}，{state}）{r['url']}："
                              f"送达 {r['delivered']}，待投递 {r['pending']}，失败 {r['failed']}")
