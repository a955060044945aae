"""Keyed chain heads (HMAC-SM3 `mac`) and database guards on UPDATE, DELETE and TRUNCATE.

Replaces the triggers of 0002/0004 (which let DELETE through on SQLite and TRUNCATE everywhere) with
the full set in govit.core.dbguard, and signs the existing heads with the audit key.
"""

from django.db import migrations, models


def forward(apps, schema_editor):
    from govit.core import dbguard
    from govit.core.checkpoints import AUDIT_CHAIN, ROLES_CHAIN, head_mac

    for model_name, chain in (("AuditChainHead", AUDIT_CHAIN), ("RoleLedgerHead", ROLES_CHAIN)):
        model = apps.get_model("core", model_name)
        for head in model.objects.all():
            if head.last_seq or head.last_hash:
                model.objects.filter(pk=head.pk).update(mac=head_mac(chain, head.last_seq, head.last_hash))
    dbguard.install(schema_editor.connection)


def backward(apps, schema_editor):
    from govit.core import dbguard

    dbguard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_user_unit")]

    operations = [
        migrations.AddField(model_name="auditchainhead", name="mac", field=models.CharField(blank=True, max_length=64)),
        migrations.AddField(model_name="roleledgerhead", name="mac", field=models.CharField(blank=True, max_length=64)),
        migrations.RunPython(forward, backward),
    ]
