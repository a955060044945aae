"""Project writes: every lifecycle step, material upload, reports, changes and evaluations.

One module per sub-domain (submission, approval, construction, acceptance, operation, changes,
control); `common` holds what they share, `dates` checks every date a user
enters. Each step runs in one transaction: role and scope check →
pack evaluation → FSM transition → timeline event → audit entry → notifications. A refusal raises
`TransitionRefused` (Chinese message, citations, missing items) and writes nothing.
"""

from govit.projects.services.acceptance import (
    acceptance_decide,
    acceptance_extension_decide,
    acceptance_extension_request,
    acceptance_request,
    pre_acceptance_decide,
    pre_acceptance_request,
)
from govit.projects.services.approval import (
    approval_decide,
    approval_documents_check,
    approval_exempt,
    filing_record,
)
from govit.projects.services.changes import (
    CHANGE_STATES,
    change_request_create,
    change_request_decide,
)
from govit.projects.services.common import (
    SERVICE_OWNED_FACTS,
    record_event,
)
from govit.projects.services.construction import (
    REPORTING_STATES,
    completion_report,
    construction_start,
    procurement_start,
    progress_report_submit,
    supervision_service_request,
)
from govit.projects.services.control import (
    project_resume,
    project_suspend,
    project_terminate,
)
from govit.projects.services.imports import (
    project_import,
    project_import_update,
)
from govit.projects.services.operation import (
    go_live_record,
    operation_record_create,
    post_evaluation_record,
    self_evaluation_submit,
)
from govit.projects.services.submission import (
    material_upload,
    preliminary_review_decide,
    preliminary_review_start,
    project_create,
    project_delete,
    project_submit,
    project_update_facts,
    project_withdraw,
)

__all__ = [
    "CHANGE_STATES",
    "REPORTING_STATES",
    "SERVICE_OWNED_FACTS",
    "acceptance_decide",
    "acceptance_extension_decide",
    "acceptance_extension_request",
    "acceptance_request",
    "approval_decide",
    "approval_documents_check",
    "approval_exempt",
    "change_request_create",
    "change_request_decide",
    "completion_report",
    "construction_start",
    "filing_record",
    "go_live_record",
    "material_upload",
    "operation_record_create",
    "post_evaluation_record",
    "pre_acceptance_decide",
    "pre_acceptance_request",
    "preliminary_review_decide",
    "preliminary_review_start",
    "procurement_start",
    "progress_report_submit",
    "project_create",
    "project_delete",
    "project_import",
    "project_import_update",
    "project_resume",
    "project_submit",
    "project_suspend",
    "project_terminate",
    "project_update_facts",
    "project_withdraw",
    "record_event",
    "self_evaluation_submit",
    "supervision_service_request",
]
