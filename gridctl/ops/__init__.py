"""The operations both UIs call: log in, report, act, visit, read — online or offline.

Every write is validated (``schemas``), committed to the local store together with its outbox
mutation, and then — unless offline — pushed at once. A server that cannot be reached is not an
error for a write: it is saved and says ``pending``. Reads come from the local cache, refreshed
by a pull first when the server answers; when it does not, they say how old the cache is.
Nothing here prints: results are plain data, progress goes through callbacks.

One module per noun, as ``commands/`` is (``case_cmd.py`` ↔ ``ops/case.py``); callers keep
writing ``ops.act(...)``, ``ops.Client`` through the names re-exported here. The clock is
``Client.now()``: tests freeze every operation by patching that one method.
"""

from gridctl.ops.client import Client, Listing, WriteResult
from gridctl.ops.refs import cache_age, listing, refresh, resolve
from gridctl.ops.writes import MAX_PHOTO_BYTES, invalid, store_photos, validate, write
from gridctl.ops.auth import auth_status, login, logout
from gridctl.ops.case import PROGRESS_ACTIONS, act, allowed_actions, list_cases, queue_summary, refusal, show_case
from gridctl.ops.incident import parse_party, report_incident
from gridctl.ops.household import add_household, list_households, show_household, update_household
from gridctl.ops.person_life import active_only, decease, move, move_out, person_history, restore, tag
from gridctl.ops.person import PERSON_FIELDS, add_person, show_person, update_person
from gridctl.ops.search import list_persons
from gridctl.ops.visit import TAG_PRIORITY, VISIT_FREQUENCY_DAYS, list_visits, log_visit, visits_due
from gridctl.ops.queues import QUEUES, by_urgency, in_queue
from gridctl.ops.directory import cached_names, list_units, list_users
from gridctl.ops.alert import ack_alert, list_alerts, open_counts
from gridctl.ops.outbox import (DependentWrites, outbox_discard, outbox_discard_plan, outbox_list, outbox_retry,
                                outbox_show, run_sync, sync_status)

__all__ = [
    "Client", "Listing", "WriteResult",
    "cache_age", "listing", "refresh", "resolve",
    "MAX_PHOTO_BYTES", "invalid", "store_photos", "validate", "write",
    "auth_status", "login", "logout",
    "PROGRESS_ACTIONS", "act", "allowed_actions", "list_cases", "refusal", "show_case",
    "parse_party", "report_incident",
    "list_households", "show_household", "add_household", "update_household",
    "active_only", "decease", "move", "move_out", "person_history", "restore", "tag",
    "PERSON_FIELDS", "add_person", "show_person", "update_person", "list_persons",
    "TAG_PRIORITY", "VISIT_FREQUENCY_DAYS", "list_visits", "log_visit", "visits_due",
    "QUEUES", "queue_summary", "by_urgency", "in_queue", "cached_names", "list_units", "list_users",
    "ack_alert", "list_alerts", "open_counts",
    "DependentWrites", "outbox_discard", "outbox_discard_plan", "outbox_list", "outbox_retry", "outbox_show", "run_sync",
    "sync_status",
]
