"""Expert writes: the library, Excel import, verifiable draws, panel checks, signed reviews, fees, keys.

One module per sub-domain: library, draws, reviews, fees, keys; `common` holds what they share.

Every service takes keyword-only arguments, runs in one transaction, checks the actor's role and
scope, and writes one audit entry (never with a plaintext phone, ID or bank number in it).
Refusals raise `govit.projects.errors` exceptions with Chinese messages citing the article.

Draw lifecycle: `draw_commit` (candidates frozen, SM3(seed) published) → `draw_execute` (seed
revealed, panel and reserve drawn, see `govit.experts.draw`) → `draw_member_decline` (replaced from
the same category's reserve) → `panel_open` (composition checked against the pack by
`panel_check`) → `expert_review_submit` (each expert signs) → the project's `experts` opinion task
is completed when the whole panel has signed.
"""

from govit.experts.services.access import expert_project_read
from govit.experts.services.common import (
    CRITERIA,
    ID_INDEX_PURPOSE,
    PERIOD_KINDS,
    SCORE_MAX,
    id_number_index,
)
from govit.experts.services.draws import (
    PanelCheck,
    Verification,
    draw_cancel,
    draw_commit,
    draw_execute,
    draw_member_accept,
    draw_member_decline,
    draw_verify,
    eligibility,
    panel_check,
    panel_open,
    split_names,
)
from govit.experts.services.fees import (
    fee_payer,
    fee_record,
)
from govit.experts.services.keys import (
    rotate_expert_keys,
)
from govit.experts.services.library import (
    IMPORT_COLUMNS,
    IMPORT_MAX_BYTES,
    PROGRESS_EVERY,
    REQUIRED_COLUMNS,
    UPDATABLE,
    ImportResult,
    RowError,
    expert_create,
    expert_update,
    experts_import_xlsx,
    import_job_run,
    import_job_start,
)
from govit.experts.services.reviews import (
    expert_review_submit,
    review_canonical,
)

__all__ = [
    "CRITERIA",
    "ID_INDEX_PURPOSE",
    "IMPORT_COLUMNS",
    "IMPORT_MAX_BYTES",
    "PERIOD_KINDS",
    "PROGRESS_EVERY",
    "REQUIRED_COLUMNS",
    "SCORE_MAX",
    "UPDATABLE",
    "ImportResult",
    "PanelCheck",
    "RowError",
    "Verification",
    "draw_cancel",
    "draw_commit",
    "draw_execute",
    "draw_member_accept",
    "draw_member_decline",
    "draw_verify",
    "eligibility",
    "expert_create",
    "expert_project_read",
    "expert_review_submit",
    "expert_update",
    "experts_import_xlsx",
    "fee_payer",
    "fee_record",
    "id_number_index",
    "import_job_run",
    "import_job_start",
    "panel_check",
    "panel_open",
    "review_canonical",
    "rotate_expert_keys",
    "split_names",
]
