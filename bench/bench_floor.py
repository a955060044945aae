"""The raw-SQL floor of each bench endpoint: what a minimal page needs from the database, on the same
data and page size (50 rows), without the framework. Parameters: jurisdiction, unit, project."""

from __future__ import annotations

_LIST = ("SELECT p.id, p.name, p.state, u.name, p.next_due, p.investment_wan, p.status_steps, p.status_deadlines "
         "FROM projects_project p JOIN core_unit u ON u.id = p.unit_id WHERE {where} "
         "ORDER BY p.created_at DESC, p.id DESC LIMIT 50")
_COUNT = "SELECT p.state, COUNT(*) FROM projects_project p WHERE {where} GROUP BY p.state"
# The lead office's waiting projects as three disjoint branches (not one OR), each an index-only scan.
_INBOX = (
    "SELECT 'project' AS kind, p.id, p.id, p.updated_at AS since FROM projects_project p "
    "WHERE p.deleted_at IS NULL AND p.jurisdiction_id = %(jurisdiction)s "
    "AND p.state IN ('submitted', 'preliminary_review', 'in_library', 'planned') "
    "UNION ALL SELECT 'project', p.id, p.id, p.updated_at FROM projects_project p "
    "WHERE p.deleted_at IS NULL AND p.jurisdiction_id = %(jurisdiction)s AND p.state = 'under_review' "
    "AND (NOT EXISTS (SELECT 1 FROM reviews_opiniontask t WHERE t.project_id = p.id AND t.status = 'open') "
    "OR p.awaiting IN ('pre_acceptance', 'acceptance')) "
    "UNION ALL SELECT 'project', p.id, p.id, p.updated_at FROM projects_project p "
    "WHERE p.deleted_at IS NULL AND p.jurisdiction_id = %(jurisdiction)s "
    "AND p.awaiting IN ('pre_acceptance', 'acceptance') "
    "AND p.state NOT IN ('submitted', 'preliminary_review', 'in_library', 'planned', 'under_review') "
    "UNION ALL SELECT 'change', c.id, c.project_id, c.requested_at FROM projects_changerequest c "
    "JOIN projects_project p ON p.id = c.project_id WHERE p.jurisdiction_id = %(jurisdiction)s "
    "AND c.status = 'pending' "
    "UNION ALL SELECT 'expert_task', t.id, t.project_id, t.created_at FROM reviews_opiniontask t "
    "JOIN projects_project p ON p.id = t.project_id WHERE p.jurisdiction_id = %(jurisdiction)s "
    "AND t.status = 'open' AND t.body = 'experts'")
# Live projects only, as every page reads them: the partial indexes answer counts from the index alone.
LEAD = "p.deleted_at IS NULL AND p.jurisdiction_id = %(jurisdiction)s"
UNIT = "p.deleted_at IS NULL AND p.unit_id = %(unit)s"

FLOOR_SQL: dict[str, list[str]] = {
    "lead_project_list": [_COUNT.format(where=LEAD), _LIST.format(where=LEAD)],
    "lead_project_list_api": [_COUNT.format(where=LEAD), _LIST.format(where=LEAD)],
    "applicant_project_list": [_COUNT.format(where=UNIT), _LIST.format(where=UNIT)],
    "lead_inbox": [f"SELECT COUNT(*) FROM ({_INBOX}) x", f"SELECT * FROM ({_INBOX}) x ORDER BY since LIMIT 50"],
    "lead_inbox_api": [f"SELECT COUNT(*) FROM ({_INBOX}) x", f"SELECT * FROM ({_INBOX}) x ORDER BY since LIMIT 50"],
    "project_detail": [
        "SELECT * FROM projects_project WHERE id = %(project)s",
        "SELECT * FROM projects_projectevent WHERE project_id = %(project)s ORDER BY at, id",
        "SELECT * FROM projects_material WHERE project_id = %(project)s",
    ],
    "supervision_dashboard": [
        "SELECT state, COUNT(*) FROM projects_project WHERE deleted_at IS NULL "
        "AND jurisdiction_id = %(jurisdiction)s GROUP BY state",
        "SELECT p.unit_id, COUNT(*) FROM projects_project p "
        "WHERE p.deleted_at IS NULL AND p.jurisdiction_id = %(jurisdiction)s GROUP BY p.unit_id",
        "SELECT y.year, SUM(y.planned_wan), SUM(y.approved_wan), SUM(y.spent_wan) FROM projects_projectyearamount y "
        "JOIN projects_project p ON p.id = y.project_id WHERE p.jurisdiction_id = %(jurisdiction)s GROUP BY y.year",
        "SELECT o.code, COUNT(*) FROM supervision_obligation o JOIN projects_project p ON p.id = o.project_id "
        "WHERE p.jurisdiction_id = %(jurisdiction)s AND o.status = 'overdue' GROUP BY o.code",
        "SELECT health_score, COUNT(*) FROM projects_project WHERE deleted_at IS NULL "
        "AND jurisdiction_id = %(jurisdiction)s AND health_score IS NOT NULL GROUP BY health_score",
    ],
}
