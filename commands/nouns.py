"""Every noun of the command grammar (DESIGN §7), registered on the root app in one place."""

from __future__ import annotations


def register(app) -> None:
    from commands import (
        alert_cmd,
        audit_cmd,
        auth_cmd,
        calendar_cmd,
        case_cmd,
        completion_cmd,
        config_cmd,
        household_cmd,
        incident_cmd,
        index_cmd,
        outbox_cmd,
        person_cmd,
        profile_cmd,
        report_cmd,
        serve_cmd,
        sync_cmd,
        tui_cmd,
        unit_cmd,
        visit_cmd,
    )

    for module in (auth_cmd, profile_cmd, config_cmd, incident_cmd, case_cmd, visit_cmd, household_cmd, person_cmd,
                   sync_cmd, outbox_cmd, audit_cmd, tui_cmd, serve_cmd, calendar_cmd, index_cmd, report_cmd,
                   completion_cmd, unit_cmd, alert_cmd):
        module.register(app)
    for name in ("import_cmd", "export_cmd"):
        try:
            module = __import__(f"commands.{name}", fromlist=["register"])
        except ImportError:
            continue
        module.register(app)
