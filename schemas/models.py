"""Pydantic v2 models of every record and wire shape of the HTTP API (DESIGN §3, §5, §6).

Input models (payloads of mutations, login, import) validate strictly and say which field is
wrong; output models describe what the server answers (they are what `/openapi.json` shows).
Times are RFC 3339 with an offset; a time without one is China Standard Time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema,
                      field_validator, model_validator)

from schemas import codes
from schemas.validators import (
    EARLIEST_BIRTH,
    InvalidValue,
    birth_date_from_id,
    check_birth_date,
    check_event_time,
    check_next_visit_due,
    check_text,
    level_of_code,
    normalize_grid_code,
    normalize_id_number,
    normalize_phone,
    parse_time,
    require_offset,
    sex_from_id,
)

T = TypeVar("T")


def _wrap(fn):
    """Run a schemas validator on a present value. Its InvalidValue is a ValueError, so pydantic
    reports it, and keeps the exception (``ctx["error"]``) for clients to say it in Chinese."""

    def check(value):
        return value if value is None else fn(value)

    return check


def _code_of(table: str):
    def check(value: str) -> str:
        if value not in codes.TABLES[table]:
            raise ValueError(f"unknown {table} {value!r}; expected one of: {', '.join(codes.TABLES[table])}")
        return value

    return check


def _aware(value: datetime) -> datetime:
    # A wire time without an offset is refused (DESIGN §14): guessing the zone shifts it by hours.
    return require_offset(value)


GridCode = Annotated[str, AfterValidator(_wrap(normalize_grid_code))]
DivisionCode = Annotated[str, AfterValidator(_wrap(lambda c: (level_of_code(c), c)[1]))]
IdNumber = Annotated[str, AfterValidator(_wrap(normalize_id_number))]
Phone = Annotated[str, AfterValidator(_wrap(normalize_phone))]
def _not_a_number(value):
    # Pydantic would read 0 or 1.7e9 as a Unix timestamp; a wire time is RFC 3339 text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("expected an RFC 3339 time such as 2026-11-22T09:30:00+08:00, not a number")
    return value


Time = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_aware)]
# Text rules of DESIGN §14: no controls (tab/newline only in multi-line fields), no bidi overrides.
# The patterns document the rule in /openapi.json; the validators enforce it with a clear message.
_LINE = r"^[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"
_LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"
Line = Annotated[str, AfterValidator(_wrap(check_text)), Field(json_schema_extra={"pattern": _LINE})]
Lines = Annotated[str, AfterValidator(_wrap(lambda v: check_text(v, multiline=True))),
                  Field(json_schema_extra={"pattern": _LINES})]
Title = Annotated[str, AfterValidator(_wrap(lambda v: check_text(v, required=True))),
                  Field(json_schema_extra={"pattern": _LINE})]
EventTime = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_aware),
                     AfterValidator(_wrap(check_event_time))]
BirthDate = Annotated[date, AfterValidator(_wrap(check_birth_date))]
NextVisit = Annotated[date, AfterValidator(_wrap(check_next_visit_due))]
# When a person moved out or died (DESIGN 17): as plausible as a birth date (1900 to today).
StatusDate = Annotated[date, AfterValidator(_wrap(lambda v: check_birth_date(v, "status_date")))]
Ref = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_wrap(check_text))]
Category = Annotated[str, AfterValidator(_code_of("category"))]
Scale = Annotated[str, AfterValidator(_code_of("scale"))]
Source = Annotated[str, AfterValidator(_code_of("source"))]
Tag = Annotated[str, AfterValidator(_code_of("tag"))]
Purpose = Annotated[str, AfterValidator(_code_of("purpose"))]
Method = Annotated[str, AfterValidator(_code_of("method"))]
Sex = Annotated[str, AfterValidator(_code_of("sex"))]
Relation = Annotated[str, AfterValidator(_code_of("relation"))]
Residence = Annotated[str, AfterValidator(_code_of("residence"))]
CareLevel = Annotated[str, AfterValidator(_code_of("care_level"))]
PersonStatus = Annotated[str, AfterValidator(_code_of("person_status"))]
RiskLevel = Annotated[int, Field(ge=0, le=5)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Uuid = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]

Role = Literal["gridworker", "village", "station", "county", "admin", "unit"]
Level = Literal["grid", "village", "town", "county"]
Status = Literal["reported", "accepted", "in_progress", "resolved", "closed", "rejected", "dispatched"]
Action = Literal[
    "accept", "start", "resolve", "close", "reopen", "escalate", "return", "reject", "assign", "supervise", "comment",
    "dispatch", "sign", "refuse", "follow_up", "mediate",
]
# A unit's code: the division it serves, '-', capital letters (DESIGN §15), e.g. 610822100-ZF.
UnitCode = Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{3})?-[A-Z]{1,12}$", max_length=22)]
UnitKind = Literal["department", "police", "mediation", "other"]
Satisfaction = Literal["satisfied", "basic", "unsatisfied"]
FollowUpMethod = Literal["phone", "in_person"]
MediationResult = Literal["agreed", "failed"]
MediationMethod = Literal["people", "administrative", "judicial"]
Supervision = Literal["none", "normal", "yellow", "red"]


class Strict(BaseModel):
    """Input: unknown fields are refused, so a typo in a field name is an error, not data lost."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors --------------------------------------------------------------------------------

class Says(BaseModel):
    """The ``schemas.messages`` code and parameters of a text, so that a client can word it again
    in its reader's language later (a refusal kept in the outbox). ``field``: the English detail
    names this field in front of the text."""

    code: str
    params: dict[str, Any] = {}
    field: str | None = None


class FieldError(BaseModel):
    field: str
    message: str
    code: str | None = None
    says: Says | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str | None = None
    errors: list[FieldError] = []
    says: Says | None = None


# --- auth and users -------------------------------------------------------------------------

class TokenRequest(Strict):
    username: Line = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: Line | None = Field(default=None, max_length=128)
    device_name: Line | None = Field(default=None, max_length=128)


class User(Out):
    username: str
    display_name: str
    phone: str | None = None
    role: Role
    scope: list[str]
    unit: str | None = None  # the unit of a `unit` user


class Unit(Out):
    """A department or body cases are dispatched to (DESIGN §15)."""

    code: str
    name: str
    division: str
    kind: UnitKind


class UserBrief(Out):
    """Who can be assigned or dispatched to: GET /users."""

    username: str
    display_name: str
    role: Role
    scope: list[str]
    unit: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user: User


class Health(BaseModel):
    status: Literal["ok"]
    version: str


# --- register -------------------------------------------------------------------------------

class Division(Out):
    code: str
    name: str
    level: Level
    parent: str | None = None
    kind: str | None = None  # grids: basic | dedicated


class Household(Out):
    id: str
    household_no: str
    grid_code: str
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    head_person_id: str | None = None
    version: int = 1


class Person(Out):
    id: str
    household_id: str
    name: str
    id_number: str | None = None  # masked for every role but admin
    sex: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    relation_to_head: str | None = None
    residence: str | None = None
    tags: list[str] = []
    key_person_type: str | None = None
    care_level: str | None = None
    grid_code: str | None = None
    version: int = 1
    # DESIGN 17: the register over time; risk_level only with the severe_mental tag.
    status: str = "active"
    moved_to: str | None = None
    status_date: date | None = None
    risk_level: int | None = None
    # The day they came to be followed as a special population (their first visit is due one
    # frequency after it); set by the server, for the roles that see special populations only.
    followed_since: date | None = None


class PersonChange(Out):
    """One entry of a person's history: who changed what, when (``changes``: field → [old, new])."""
    at: datetime
    actor: str
    kind: str  # created | updated | moved_out | deceased | moved | reactivated
    changes: dict[str, Any] = {}


class Visit(Out):
    id: str
    household_id: str
    person_ids: list[str] = []
    worker: str
    visited_at: datetime
    method: str
    purpose: str
    met: bool = True
    note: str | None = None
    concern: str | None = None
    next_visit_due: date | None = None
    lat: float | None = None
    lon: float | None = None
    photos: list[str] = []
    grid_code: str | None = None


# --- cases ----------------------------------------------------------------------------------

class Party(Strict):
    name: Title = Field(min_length=1, max_length=50)
    id_number: IdNumber | None = None
    phone: Phone | None = None
    role: Annotated[str, AfterValidator(_code_of("party_role"))] = "party"
    person_id: Ref | None = None  # the party's register entry, when known; must be in the writer's scope


class Step(Out):
    action: str
    actor: str
    from_status: str | None = None
    to_status: str | None = None
    from_level: str | None = None
    to_level: str | None = None
    note: str | None = None
    at: datetime


class Case(Out):
    id: str
    serial: str | None = None
    title: str
    description: str | None = None
    category: str
    subcategory: str | None = None
    scale: str = "individual"
    urgent: bool = False
    parties: list[dict[str, Any]] = []
    occurred_at: datetime | None = None
    reported_at: datetime
    grid_code: str
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    source: str = "field"
    reporter: str
    status: Status
    level: Level
    assignee: str | None = None
    due_at: datetime | None = None
    overdue: bool = False
    supervision: Supervision = "none"
    version: int
    steps: list[Step] = []
    photos: list[str] = []
    unit: str | None = None
    co_units: list[str] = []
    satisfaction: Satisfaction | None = None
    followed_up_at: datetime | None = None
    mediations: list[dict[str, Any]] = []


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


# --- mutation payloads ----------------------------------------------------------------------

class _Located(Strict):
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_or_neither(self):
        if (self.lat is None) != (self.lon is None):
            raise InvalidValue("location.both", "lon" if self.lon is None else "lat")
        return self


class CaseReport(_Located):
    id: Uuid
    title: Title = Field(min_length=1, max_length=100)
    description: Lines | None = Field(default=None, max_length=5000)
    category: Category
    subcategory: str | None = Field(default=None, max_length=8)
    scale: Scale = "individual"
    urgent: bool = False
    parties: list[Party] = Field(default=[], max_length=50)
    occurred_at: EventTime | None = None
    reported_at: EventTime | None = None
    grid_code: GridCode
    address: Line | None = Field(default=None, max_length=200)
    source: Source = "field"
    household_id: Ref | None = None
    photos: list[Sha256] = Field(default=[], max_length=20)

    @field_validator("subcategory")
    @classmethod
    def _known_subcategory(cls, value: str | None) -> str | None:
        if value is not None and value not in codes.DISPUTE_TYPES and value not in codes.HAZARD_TYPES:
            raise ValueError(f"unknown subcategory {value!r}; use a GB/T 31000 dispute type such as 0102")
        return value


class CaseAct(Strict):
    case_id: Ref  # UUID or serial
    action: Action
    note: Lines | None = Field(default=None, max_length=2000)
    reason: Lines | None = Field(default=None, max_length=2000)
    to_level: Level | None = None
    assignee: Line | None = Field(default=None, max_length=64)
    supervision: Supervision | None = None
    # DESIGN §15: dispatch names units; follow_up records satisfaction; mediate a mediation.
    unit: UnitCode | None = None
    co_units: list[UnitCode] = Field(default=[], max_length=10)
    satisfaction: Satisfaction | None = None
    # Lines of text like any other (DESIGN 14): no controls (an ANSI escape repaints whichever
    # terminal shows the case) and no direction overrides.
    method: Annotated[Line, Field(max_length=16)] | None = None  # follow-up or mediation method
    result: MediationResult | None = None
    agreement_no: Line | None = Field(default=None, max_length=64)
    participants: list[Annotated[Line, Field(min_length=1, max_length=50)]] = Field(default=[], max_length=30)


class AlertAck(Strict):
    """``alert.ack``: a user saw an alert (DESIGN 16). A mutation, so it is made offline too."""
    alert_id: Ref = Field(max_length=36)
    note: Lines | None = Field(default=None, max_length=2000)


class VisitLog(_Located):
    id: Uuid
    household_id: Ref
    person_ids: list[Ref] = Field(default=[], max_length=50)
    visited_at: EventTime
    method: Method = "in_person"
    purpose: Purpose
    met: bool = True
    note: Lines | None = Field(default=None, max_length=2000)
    concern: Lines | None = Field(default=None, max_length=2000)
    next_visit_due: NextVisit | None = None
    photos: list[Sha256] = Field(default=[], max_length=20)


class HouseholdUpsert(_Located):
    id: Uuid
    household_no: Title = Field(min_length=1, max_length=40)
    grid_code: GridCode
    address: Line | None = Field(default=None, max_length=200)
    head_person_id: Ref | None = None


class PersonUpsert(Strict):
    id: Uuid
    household_id: Ref
    name: Title = Field(min_length=1, max_length=50)
    id_number: IdNumber | None = None
    sex: Sex | None = None
    birth_date: BirthDate | None = None
    phone: Phone | None = None
    relation_to_head: Relation | None = None
    residence: Residence = "registered"
    tags: list[Tag] = Field(default=[], max_length=20)
    key_person_type: Annotated[str, AfterValidator(_code_of("key_person_type"))] | None = None
    care_level: CareLevel | None = None
    # DESIGN 17: a person's life in the register travels as fields of person.upsert (the wire
    # keeps its five mutation types); a patch that leaves them out keeps the stored values.
    status: PersonStatus | None = None
    moved_to: Line | None = Field(default=None, min_length=1, max_length=200)
    status_date: StatusDate | None = None
    risk_level: RiskLevel | None = None

    @model_validator(mode="after")
    def _life_in_register(self):
        if self.status == "moved_out" and not self.moved_to:
            raise InvalidValue("person.moved_to_required", "moved_to")
        if "severe_mental" not in self.tags:
            # The risk level goes with the tag: removing the tag removes it (clients refuse a
            # risk level given without the tag, naming --risk-level).
            self.risk_level = None
        return self

    @model_validator(mode="after")
    def _agrees_with_id_number(self):
        if self.id_number and "*" not in self.id_number:
            normalize_id_number(self.id_number, sex=self.sex, birth_date=self.birth_date)
            # The number says both (GB 11643), as an import row takes them (schemas.rows): a
            # person added with only an ID number must not differ from the same person imported.
            if self.sex is None:
                self.sex = sex_from_id(self.id_number)
            if self.birth_date is None and birth_date_from_id(self.id_number) >= EARLIEST_BIRTH:
                self.birth_date = birth_date_from_id(self.id_number)
        return self


PAYLOADS: dict[str, type[Strict]] = {
    "case.report": CaseReport,
    "case.act": CaseAct,
    "visit.log": VisitLog,
    "household.upsert": HouseholdUpsert,
    "person.upsert": PersonUpsert,
    "alert.ack": AlertAck,
}
MutationType = Literal["case.report", "case.act", "visit.log", "household.upsert", "person.upsert", "alert.ack"]


# --- sync -----------------------------------------------------------------------------------

class Mutation(Strict):
    id: Uuid
    type: MutationType
    base_version: int | None = Field(default=None, ge=1)
    created_at: Time
    payload: dict[str, Any]


class PushRequest(Strict):
    device_id: Line = Field(min_length=1, max_length=128)
    mutations: list[Mutation] = Field(max_length=500)


class MutationResult(BaseModel):
    id: str
    status: Literal["applied", "duplicate", "conflict", "rejected"]
    entity: str | None = None
    entity_id: str | None = None
    version: int | None = None
    current: dict[str, Any] | None = None  # conflict: the server's object now
    problem: Problem | None = None  # rejected: why
    # applied: the write repeated the stored values, so no new version was made (additive)
    unchanged: bool | None = None


class PushResponse(BaseModel):
    results: list[MutationResult]


class Change(BaseModel):
    entity: Literal["case", "visit", "household", "person", "division", "user", "alert"]
    id: str
    version: int | None = None
    deleted: bool = False
    data: dict[str, Any] | None = None


class PullResponse(BaseModel):
    changes: list[Change]
    cursor: str
    has_more: bool
    reset: bool = False


# --- audit ----------------------------------------------------------------------------------

class AuditEntry(Out):
    """One access to sensitive data (DESIGN §14): who, when, what, which records, from where."""

    id: int
    at: datetime
    username: str
    action: str
    record_ids: list[str] = []
    client: str | None = None
    path: str | None = None


# --- import ---------------------------------------------------------------------------------

def _import_row(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return value
    raise ValueError("a row is an object of column: value, or a list of values in the order of columns")


# Each row an object of column: value, or a list of values in the order of ``columns`` (how
# gridctl sends them: no column names repeated on every row, half the bytes to read). One check of
# the row's type, so that a bad row is named ``rows.N`` and a good one costs nothing more.
ImportRow = Annotated[Any, PlainValidator(_import_row),
                      WithJsonSchema({"anyOf": [{"type": "object"}, {"type": "array", "items": {}}]})]


class ImportRequest(BaseModel):
    columns: list[str] | None = Field(default=None, max_length=64)
    rows: list[ImportRow] = Field(max_length=5000)


class ImportRowError(BaseModel):
    index: int
    field: str | None = None
    message: str
    code: str | None = None
    other: int | None = None  # index of the row of the same request this one clashes with


class ImportResult(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[ImportRowError] = []
    dry_run: bool = False
    timings: dict[str, float] = {}  # seconds the server spent validating and in the database
