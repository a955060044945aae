"""WSGI entry point; defaults to production settings (e.g. `gunicorn --preload govit.wsgi`).

The policy packs are read and validated here, once: with `--preload` every gunicorn worker is forked
with them in memory instead of paying seconds on its first request.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govit.settings.production")
application = get_wsgi_application()

from govit.core.checks import enforce_at_startup  # noqa: E402  (needs the apps loaded)

enforce_at_startup()  # the 180-day audit retention (govit.E001) also holds for a WSGI server

if os.environ.get("GOVIT_PRELOAD_PACKS", "1") == "1":
    from govit import policy

    for _pack_id in policy.pack_ids():
        policy.load_pack(_pack_id)

if os.environ.get("GOVIT_PRELOAD_INDEXES") == "1":
    # The duplicate-construction index of every jurisdiction, built before the workers fork: otherwise
    # each worker's first project page of a jurisdiction builds it (seconds at 25,000 projects). About
    # 10 s for 100,000 stored entries; the first start after a bulk import segments them (minutes).
    from django.db import connections

    from govit.analysis.indexing import synced_index
    from govit.core.models import Jurisdiction

    for _jurisdiction in Jurisdiction.objects.all():
        synced_index(_jurisdiction)
    connections.close_all()  # the workers must not share the master's database socket
    # Millions of index objects: out of the collector's sight, so a worker's collections neither walk
    # them nor copy the pages they share with the master (copy-on-write).
    import gc

    gc.freeze()
