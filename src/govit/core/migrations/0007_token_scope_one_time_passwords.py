"""API token scope (tokens issued before this keep write access) and one-time initial passwords."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0006_audit_anchoring")]

    operations = [
        migrations.AddField(
            model_name="apitoken", name="scope",
            field=models.CharField(choices=[("read", "只读"), ("write", "读写")], default="write", max_length=10,
                                   verbose_name="权限范围"),
        ),
        migrations.AlterField(
            model_name="apitoken", name="scope",
            field=models.CharField(choices=[("read", "只读"), ("write", "读写")], default="read", max_length=10,
                                   verbose_name="权限范围"),
        ),
        migrations.AddField(
            model_name="user", name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="须修改初始密码"),
        ),
    ]
