"""The demo county 610822 示范县 (DESIGN §8), seeded into an empty database.

Deterministic (a fixed random seed; times relative to ``now``), so tests can rely on it.

Both scales seed: the county, 4 towns, 24 villages/communities, 120 grids; the five demo accounts
(password ``demo-pass``) plus a grid worker per grid (``gw-001`` … ``gw-120``), a user per
village (``village-01`` … ``village-24``), per town (``station-01`` … ``station-04``) and
``county-01``.

- ``full``: 200 households per grid (24,000), ~60,000 people with valid ID numbers and tags,
  25 cases per grid (3,000) in every status and level, some overdue and supervised, visits over
  the last 90 days.
- ``small`` (tests): the five grids of village ``610822100200`` only, 8 households each (about
  20 people per grid), 12 cases per grid — ``gw-001``'s grid ``610822100200001`` holds at least
  one case in every status, cases escalated to village and town, and overdue ones — and a few
  visits per grid. Every other grid exists but is empty.

Cases are made by running the real workflow (``schemas.workflow``) so their steps, levels, due
dates and versions are what the server itself would have produced.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from schemas import population
from schemas import workflow as wf
from schemas.ids import uuid7
from schemas.validators import CST, format_time, make_id_number
from server import auth, feed
from server.db import (case_steps, case_units, cases, divisions, households, persons, serial_counters, units, users,
                       visits)
from server.services.cases import STEP_EXTRAS

PASSWORD = "demo-pass"
COUNTY = "610822"
TOWNS = [("100", "城关镇"), ("101", "河东镇"), ("102", "新民镇"), ("203", "黄甫乡")]
VILLAGES = [("200", "前进村"), ("201", "红旗村"), ("202", "柳树湾村"), ("001", "府兴社区"), ("002", "河滨社区"), ("003", "南关社区")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强文博子涵浩然梓轩欣怡雨桐宇航佳怡淑珍玉兰凤英德明永福海燕春梅金凤红霞"
ROADS = ["府兴路", "河滨路", "新华街", "人民路", "南关街", "黄河大道", "建设路", "文化巷"]
CASE_TEMPLATES = [
    ("dispute", "0201", "邻里排水纠纷", "两户因院墙排水沟走向发生争执，多次协商未果"),
    ("dispute", "0102", "子女赡养老人纠纷", "老人反映子女长期不履行赡养义务，生活困难"),
    ("dispute", "0902", "宅基地界限争议", "两户对宅基地边界存在争议，一方准备砌墙"),
    ("dispute", "07", "农民工讨要工资", "在建工地十余名务工人员反映被拖欠工资"),
    ("dispute", "0402", "物业收费纠纷", "小区居民对物业费上涨有意见，聚集反映"),
    ("safety_hazard", "01", "楼道堆放杂物存在火灾隐患", "单元楼道堆放大量纸箱和电动车，堵塞消防通道"),
    ("safety_hazard", "99", "公园墙体裂缝有落石", "公园东侧墙体裸露，有裂缝和落石，影响行人安全"),
    ("safety_hazard", "04", "私自储存液化气罐", "沿街商铺存放多个液化气罐，未按规定存放"),
    ("safety_hazard", "01", "电动车违规充电", "居民从楼上拉线给电动车充电，存在火灾风险"),
    ("public_security", None, "夜间有人聚集喧哗", "村口小卖部夜间常有人聚集饮酒喧哗"),
    ("livelihood", None, "独居老人家中断水", "独居老人家中自来水管冻裂，需要维修"),
    ("livelihood", None, "低保申请咨询", "困难家庭咨询低保申请材料和流程"),
    ("city_management", None, "占道经营", "早市摊贩占用主干道经营，影响通行"),
    ("city_management", None, "路灯损坏", "巷道内多盏路灯不亮，夜间出行不便"),
    ("environment", None, "垃圾清运不及时", "垃圾收集点垃圾堆积多日未清运，气味较大"),
    ("environment", None, "河道漂浮垃圾", "河道内有大量漂浮垃圾，需组织清理"),
    ("petition", None, "反映征地补偿问题", "村民对征地补偿标准有异议，要求解释"),
    ("emergency", None, "暴雨导致道路积水", "暴雨后低洼路段积水较深，车辆无法通行"),
    ("other", None, "流浪犬伤人隐患", "村内有流浪犬出没，曾追咬儿童"),
]
# DESIGN §15: the demo's units and their accounts.
UNITS = [
    {"code": "610822-ZJJ", "name": "示范县住房和城乡建设局", "division": "610822", "kind": "department"},
    {"code": "610822100-ZF", "name": "城关镇综合执法队", "division": "610822100", "kind": "department"},
    {"code": "610822100-TWH", "name": "城关镇人民调解委员会", "division": "610822100", "kind": "mediation"},
]
UNIT_ACCOUNTS = [("unit-zf", "城关镇综合执法队值班员", "610822100-ZF"), ("unit-zjj", "县住建局值班员", "610822-ZJJ")]
# The closed loop with units, one case per plan (DESIGN §15); see ``_Seeder.seed_unit_cases``.
UNIT_PLANS = [
    "dispatched", "signed", "unit_resolved", "closed_satisfied", "closed_basic", "closed_pending",
    "refused", "mediated_agreed", "mediated_failed", "unsatisfied", "county_dispatched", "county_signed",
]
VISIT_NOTES = ["身体状况良好，生活能自理", "了解近期生活情况，无特殊困难", "宣传防诈骗知识", "提醒冬季用火用电安全",
               "核实家庭人口信息", "老人反映腿脚不便，已联系村医上门", "家中取暖设施正常"]


def _grid_codes() -> list[tuple[str, str, str]]:
    """(grid code, grid name, village name) for all 120 grids, gw-001's grid first."""
    out = []
    for town, _tname in TOWNS:
        for village, vname in VILLAGES:
            for g in range(1, 6):
                out.append((f"{COUNTY}{town}{village}{g:03d}", f"{vname}第{g}网格", vname))
    return out


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one() == 0


class _Seeder:
    def __init__(self, scale: str, now: datetime, limits: wf.TimeLimits = wf.DEFAULT_LIMITS) -> None:
        self.scale = scale
        self.now = now
        self.limits = limits  # the server's, so demo due dates count the server's working days
        self.rnd = random.Random(610822)
        # The closed-loop additions draw from their own generator, so the rest stays as it was.
        self.rnd2 = random.Random(15)
        self.case_units: list[dict] = []
        self.ms = int((now - timedelta(days=120)).timestamp() * 1000)
        self.divisions: list[dict] = []
        self.users: list[dict] = []
        self.households: list[dict] = []
        self.persons: list[dict] = []
        self.visits: list[dict] = []
        self.visited_homes: set[str] = set()
        self.cases: list[dict] = []
        self.steps: list[dict] = []
        self.feed: list[tuple[str, str, str, int]] = []
        self.serials: dict[str, int] = {}
        self.id_numbers: set[str] = set()

    def uid(self) -> str:
        self.ms += 1
        return uuid7(self.ms, self.rnd.randbytes(10))

    def phone(self) -> str:
        return f"1{self.rnd.choice('3578')}{self.rnd.randrange(10**9):09d}"

    def name(self) -> str:
        return self.rnd.choice(SURNAMES) + "".join(self.rnd.choice(GIVEN) for _ in range(self.rnd.choice((1, 2))))

    # --- divisions and users -------------------------------------------------------------

    def seed_divisions_and_users(self, password_hash: str) -> None:
        created = format_time(self.now)
        self.divisions.append({"code": COUNTY, "name": "示范县", "level": "county", "parent": None, "kind": None})

        def user(username, display, role, scope, unit=None):
            phone = f"139{self.rnd2.randrange(10**8):08d}" if unit else self.phone()
            self.users.append({"username": username, "display_name": display, "phone": phone, "role": role,
                               "scope": json.dumps(scope), "password_hash": password_hash, "created_at": created,
                               "unit": unit})

        user("county-admin", "县综治中心管理员", "admin", [COUNTY])
        user("county-01", "县综治中心值班员", "county", [COUNTY])
        gw = village_no = 0
        for t, (town, tname) in enumerate(TOWNS, start=1):
            tcode = COUNTY + town
            self.divisions.append({"code": tcode, "name": tname, "level": "town", "parent": COUNTY, "kind": None})
            user(f"station-{t:02d}", f"{tname}综治中心", "station", [tcode])
            for village, vname in VILLAGES:
                vcode = tcode + village
                village_no += 1
                self.divisions.append({"code": vcode, "name": vname, "level": "village", "parent": tcode, "kind": None})
                user(f"village-{village_no:02d}", f"{vname}工作人员", "village", [vcode])
                for g in range(1, 6):
                    gcode = f"{vcode}{g:03d}"
                    gw += 1
                    self.divisions.append({"code": gcode, "name": f"{vname}第{g}网格", "level": "grid", "parent": vcode,
                                           "kind": "dedicated" if g == 5 and village.startswith("0") else "basic"})
                    user(f"gw-{gw:03d}", self.name(), "gridworker", [gcode])
        for username, display, unit in UNIT_ACCOUNTS:
            user(username, display, "unit", [], unit)
        for d in self.divisions:
            self.feed.append(("division", d["code"], d["code"], 1))

    # --- households and people -----------------------------------------------------------

    def seed_register(self, grids: list[tuple[str, str, str]], per_grid: int) -> dict[str, list[dict]]:
        by_grid: dict[str, list[dict]] = {}
        today = self.now.astimezone(CST).date()
        for gcode, _gname, vname in grids:
            lat0, lon0 = 39.03 + self.rnd.random() * 0.3, 111.06 + self.rnd.random() * 0.3
            by_grid[gcode] = []
            for n in range(1, per_grid + 1):
                hid = self.uid()
                members = self._family(hid, gcode, today)
                hh = {"id": hid, "household_no": f"{gcode}{n:04d}", "grid_code": gcode,
                      "address": f"{vname}{self.rnd.choice(ROADS)}{n}号",
                      "lat": round(lat0 + self.rnd.random() * 0.01, 6), "lon": round(lon0 + self.rnd.random() * 0.01, 6),
                      "head_person_id": members[0]["id"], "version": 1}
                self.households.append(hh)
                self.feed.append(("household", hid, gcode, 1))
                by_grid[gcode].append({"household": hh, "members": members})
        return by_grid

    def _person(self, hid, gcode, relation, birth: date, male: bool, surname: str | None = None) -> dict:
        while True:
            seq = self.rnd.randrange(0, 500) * 2 + (1 if male else 0)
            idn = make_id_number(COUNTY, birth, seq)
            if idn not in self.id_numbers:
                self.id_numbers.add(idn)
                break
        name = (surname or self.rnd.choice(SURNAMES)) + "".join(self.rnd.choice(GIVEN) for _ in range(self.rnd.choice((1, 2))))
        p = {"id": self.uid(), "household_id": hid, "grid_code": gcode, "name": name, "id_number": idn,
             "sex": "male" if male else "female", "birth_date": birth.isoformat(), "phone": self.phone() if self.rnd.random() < 0.8 else None,
             "relation_to_head": relation, "residence": "registered" if self.rnd.random() < 0.9 else "floating",
             "tags": [], "key_person_type": None, "care_level": None, "version": 1}
        self.persons.append(p)
        self.feed.append(("person", p["id"], gcode, 1))
        return p

    def followed_since(self, person: dict) -> str | None:
        """The day a tagged person came to be followed: some months to a few years before the
        seed (a first visit long since due), drawn from their id so that seeding stays repeatable."""
        if population.FOLLOWED_TAGS.isdisjoint(person["tags"]):
            return None
        days = 120 + int(person["id"][-6:], 16) % 900
        return (self.now.astimezone(CST).date() - timedelta(days=days)).isoformat()

    def _family(self, hid: str, gcode: str, today: date) -> list[dict]:
        rnd = self.rnd
        surname = rnd.choice(SURNAMES)
        kind = rnd.random()
        if kind < 0.12:  # an elderly person living alone
            head = self._person(hid, gcode, "head", today - timedelta(days=rnd.randint(70, 92) * 365 + rnd.randrange(365)), rnd.random() < 0.4, surname)
            head["tags"], head["care_level"] = ["elderly_alone"], "high"
            return [head]
        head_age = rnd.randint(28, 68)
        head = self._person(hid, gcode, "head", today - timedelta(days=head_age * 365 + rnd.randrange(365)), True, surname)
        members = [head]
        if rnd.random() < 0.85:
            members.append(self._person(hid, gcode, "spouse", today - timedelta(days=(head_age + rnd.randint(-4, 3)) * 365 + rnd.randrange(365)), False))
        for _ in range(rnd.choice((0, 1, 1, 1, 2))):
            male = rnd.random() < 0.5
            child_age = max(1, head_age - rnd.randint(22, 32))
            members.append(self._person(hid, gcode, "son" if male else "daughter", today - timedelta(days=child_age * 365 + rnd.randrange(365)), male, surname))
        if kind > 0.8 and len(members) > 1:
            # Parents work in the city: the family left behind.
            for m in members:
                age = (today - date.fromisoformat(m["birth_date"])).days // 365
                if m["relation_to_head"] in ("son", "daughter") and age < 16:
                    m["tags"], m["care_level"] = ["left_behind_child"], "medium"
                elif m["relation_to_head"] == "spouse":
                    m["tags"], m["care_level"] = ["left_behind_woman"], "low"
        if rnd.random() < 0.05:
            head["tags"] = sorted(set(head["tags"]) | {"low_income"})
            head["care_level"] = head["care_level"] or "medium"
        if rnd.random() < 0.03:
            head["tags"] = sorted(set(head["tags"]) | {"disabled"})
            head["care_level"] = "medium"
        if rnd.random() < 0.01:
            head["tags"] = sorted(set(head["tags"]) | {"key_person"})
            head["key_person_type"] = rnd.choice(["released_prisoner", "community_correction", "mental_disorder", "key_petitioner"])
            head["care_level"] = "high"
        if head_age > 60 and rnd.random() < 0.3 and "elderly_alone" not in head["tags"]:
            head["tags"] = sorted(set(head["tags"]) | {"left_behind_elderly"})
            head["care_level"] = head["care_level"] or "medium"
        return members

    # --- visits --------------------------------------------------------------------------

    def seed_visits(self, by_grid: dict[str, list[dict]], grid_worker: dict[str, str], per_grid: int) -> None:
        for gcode, homes in by_grid.items():
            if not homes:
                continue
            # Elderly people living alone are visited about weekly (most of them, not all).
            for home in homes:
                if any("elderly_alone" in m["tags"] for m in home["members"]) and self.rnd.random() < 0.8:
                    day = self.rnd.uniform(0.2, 8)
                    while day < 35:
                        self._visit(home, gcode, grid_worker[gcode], self.now - timedelta(days=day), care=True)
                        day += self.rnd.uniform(5, 9)
            tagged = [h for h in homes if any(m["tags"] for m in h["members"])] or homes
            for _ in range(per_grid):
                home = self.rnd.choice(tagged if self.rnd.random() < 0.7 else homes)
                at = self.now - timedelta(days=self.rnd.uniform(0.1, 90))
                care = any("elderly_alone" in m["tags"] for m in home["members"])
                self._visit(home, gcode, grid_worker[gcode], at, care)
            # Every household is visited once a year (DESIGN 3): most of the others had their
            # yearly visit in these 90 days; a few (new ones) are still waiting for it.
            for home in homes:
                if home["household"]["id"] not in self.visited_homes and self.rnd.random() < 0.95:
                    at = self.now - timedelta(days=self.rnd.uniform(0.5, 89))
                    self._visit(home, gcode, grid_worker[gcode], at, care=False, whole=True)

    def _visit(self, home: dict, gcode: str, worker: str, at: datetime, care: bool, whole: bool = False) -> None:
        named = [] if whole else [m["id"] for m in home["members"] if m["tags"]]
        v = {"id": self.uid(), "household_id": home["household"]["id"], "grid_code": gcode,
             # The worker sees the people the visit is for, or the household as a whole.
             "person_ids": json.dumps(named), "worker": worker,
             "visited_at": format_time(at), "method": self.rnd.choice(["in_person"] * 8 + ["phone", "video"]),
             "purpose": "care" if care else self.rnd.choice(["routine", "info_collection", "policy", "dispute_check"]),
             "met": whole or self.rnd.random() < 0.9, "note": self.rnd.choice(VISIT_NOTES), "concern": None,
             "next_visit_due": (at.astimezone(CST).date() + timedelta(days=7)).isoformat() if care else None,
             "lat": home["household"]["lat"], "lon": home["household"]["lon"], "photos": "[]", "version": 1}
        self.visits.append(v)
        self.visited_homes.add(v["household_id"])
        self.feed.append(("visit", v["id"], gcode, 1))

    # --- cases ---------------------------------------------------------------------------

    def seed_cases(self, grids: list[str], per_grid: int, actors: dict[str, dict]) -> None:
        plans = ["reported", "accepted", "in_progress", "resolved", "closed", "rejected"]
        for gi, gcode in enumerate(grids):
            for n in range(per_grid):
                # The first grid cycles through every final status so tests find each one.
                if gi == 0 and n < len(plans) * 2:
                    target = plans[n % len(plans)]
                    escalate = 0 if n < len(plans) else (1 if n % 2 else 2)
                else:
                    target = self.rnd.choices(plans, weights=[10, 10, 15, 15, 45, 5])[0]
                    r = self.rnd.random()
                    escalate = 3 if r < 0.02 else 2 if r < 0.1 else 1 if r < 0.28 else 0
                if target == "rejected":
                    escalate = max(escalate, 2)  # only a town or county handler rejects
                self._case(gcode, target, escalate, actors)

    def _actor(self, level: str, gcode: str, actors: dict[str, dict]) -> dict:
        key = {"grid": gcode, "village": gcode[:12], "town": gcode[:9], "county": COUNTY}[level]
        return actors[key]

    def _case(self, gcode: str, target: str, escalate: int, actors: dict[str, dict]) -> None:
        rnd = self.rnd
        category, sub, title, desc = rnd.choice(CASE_TEMPLATES)
        urgent = category in ("emergency", "safety_hazard") and rnd.random() < 0.25
        span = rnd.uniform(0.2, 60) if target not in ("reported", "accepted") else rnd.uniform(0.05, 6)
        reported = self.now - timedelta(days=span)
        reporter = actors[gcode]
        case = {"id": self.uid(), "grid_code": gcode, "urgent": urgent, "reported_at": format_time(reported)}
        case.update(wf.new_case_fields(reported, urgent, reporter["username"], self.limits))
        at = reported

        def step(action: str, actor: dict, rng: random.Random = rnd, **params) -> None:
            nonlocal case, at
            at = min(at + timedelta(hours=rng.uniform(0.5, 30)), self.now - timedelta(minutes=1))
            t = wf.decide(action, case, actor, **params)
            case = wf.apply_transition(case, t, actor["username"], at, self.limits)

        for _ in range(escalate):
            step("escalate", self._actor(case["level"], gcode, actors), reason="超出本级处置能力，提请上级协调")
        if target == "rejected":
            step("reject", self._actor(case["level"], gcode, actors), reason="不属于受理范围，已告知当事人通过司法途径解决")
        elif target != "reported":
            handler = self._actor(case["level"], gcode, actors)
            step("accept", handler)
            if target != "accepted":
                step("start", handler)
                if target != "in_progress":
                    step("resolve", handler, note="已现场处置并向当事人反馈结果")
                    if target == "closed":
                        above = {"grid": "village", "village": "town", "town": "county", "county": "county"}[case["level"]]
                        step("close", self._actor(above, gcode, actors))
                        if self.rnd2.random() < 0.5:  # followed up, mostly satisfied
                            step("follow_up", actors[gcode[:12]], self.rnd2, satisfaction=self.rnd2.choice(
                                ["satisfied"] * 8 + ["basic"] * 2), method=self.rnd2.choice(["phone", "in_person"]),
                                note="电话回访，当事人对处理结果认可")
        if case["status"] in wf.UNFINISHED_STATUSES and rnd.random() < 0.15 and case["level"] != "county":
            level = rnd.choice(["normal", "yellow", "red"])
            step("supervise", actors[gcode[:9]], supervision=level, note="请加快办理")
        self._store(case, gcode, reporter, reported, (category, sub, title, desc), urgent, rnd)

    def _store(self, case: dict, gcode: str, reporter: dict, reported: datetime, template: tuple, urgent: bool,
               rnd: random.Random) -> None:
        category, sub, title, desc = template
        day = reported.astimezone(CST).strftime("%Y%m%d")
        prefix = f"{COUNTY}-{day}"
        self.serials[prefix] = self.serials.get(prefix, 0) + 1
        entered = wf.level_entered_at(case)
        self.cases.append({
            "id": case["id"], "serial": f"{prefix}-{self.serials[prefix]:04d}", "title": title, "description": desc,
            "category": category, "subcategory": sub, "scale": "group" if rnd.random() < 0.08 else "individual",
            "urgent": urgent, "parties": "[]", "occurred_at": format_time(reported - timedelta(hours=rnd.uniform(0, 12))),
            "reported_at": case["reported_at"], "grid_code": gcode, "address": f"{rnd.choice(ROADS)}{rnd.randint(1, 200)}号",
            "lat": None, "lon": None, "source": rnd.choice(["field"] * 6 + ["visit", "hotline", "walk_in"]),
            "reporter": reporter["username"], "household_id": None, "status": case["status"], "level": case["level"],
            "assignee": case["assignee"], "due_at": case["due_at"], "level_entered_at": format_time(entered),
            "closed_at": next((x["at"] for x in reversed(case["steps"]) if x["action"] == "close"), None),
            "resolved_at": next((x["at"] for x in reversed(case["steps"]) if x["action"] == "resolve"), None),
            "supervision": case["supervision"], "version": case["version"], "photos": "[]",
            "unit": case.get("unit"), "co_units": json.dumps(case.get("co_units") or []),
            "satisfaction": case.get("satisfaction"), "followed_up_at": case.get("followed_up_at"),
            "mediations": json.dumps(case.get("mediations") or [], ensure_ascii=False),
        })
        had = {u for x in case["steps"] if x["action"] == "dispatch" for u in [x["unit"], *x.get("co_units", [])]}
        self.case_units.extend({"case_id": case["id"], "unit": u} for u in sorted(had))
        for s in case["steps"]:
            extra = {k: s[k] for k in STEP_EXTRAS if k in s}
            self.steps.append({"case_id": case["id"], "action": s["action"], "actor": s["actor"],
                               "from_status": s["from_status"], "to_status": s["to_status"], "from_level": s["from_level"],
                               "to_level": s["to_level"], "note": s["note"], "at": s["at"],
                               "extra": json.dumps(extra, ensure_ascii=False) if extra else None})
        self.feed.append(("case", case["id"], gcode, case["version"]))

    def seed_unit_cases(self, grids: list[str], rounds: int, actors: dict[str, dict]) -> None:
        """Cases through the closed loop with units (DESIGN §15), in the town of 城关镇 (610822100)
        whose units the demo has: every plan of ``UNIT_PLANS`` ``rounds`` times over its grids."""
        grids = [g for g in grids if g.startswith("610822100")]
        if not grids:
            return
        n = 0
        for _ in range(rounds):
            for plan in UNIT_PLANS:
                self._unit_case(grids[n % len(grids)], plan, actors)
                n += 1

    def _unit_case(self, gcode: str, plan: str, actors: dict[str, dict]) -> None:
        rnd = self.rnd2
        disputes = [t for t in CASE_TEMPLATES if t[0] == "dispute"]
        others = [t for t in CASE_TEMPLATES if t[0] in ("safety_hazard", "city_management", "environment")]
        template = rnd.choice(disputes if plan.startswith("mediated") else others)
        urgent = template[0] == "safety_hazard" and rnd.random() < 0.2
        fresh = plan in ("dispatched", "signed", "refused", "county_dispatched", "county_signed", "mediated_failed")
        reported = self.now - timedelta(days=rnd.uniform(0.1, 2) if fresh else rnd.uniform(3, 40))
        reporter = actors[gcode]
        case = {"id": self.uid(), "grid_code": gcode, "urgent": urgent, "reported_at": format_time(reported),
                "reporter": reporter["username"]}
        case.update(wf.new_case_fields(reported, urgent, reporter["username"], self.limits))
        at = reported

        def step(action: str, actor: dict, **params) -> None:
            nonlocal case, at
            at = min(at + timedelta(hours=rnd.uniform(0.3, 20)), self.now - timedelta(minutes=1))
            case = wf.apply_transition(case, wf.decide(action, case, actor, **params), actor["username"], at,
                                       self.limits)

        station, village, county = actors[gcode[:9]], actors[gcode[:12]], actors[COUNTY]
        zf, zjj = actors["unit:610822100-ZF"], actors["unit:610822-ZJJ"]
        if plan == "mediated_failed":  # mediated at village level, no unit
            step("escalate", reporter, reason="邻里矛盾需村调委会调解")
            step("accept", village)
            step("mediate", village, result="failed", method="people", participants=["双方当事人", "村调解员"],
                 note="双方分歧较大，未达成一致")
            self._store(case, gcode, reporter, reported, template, urgent, rnd)
            return
        step("escalate", reporter, reason="需镇执法队处置")
        step("escalate", village, reason="超出村级处置能力")
        if plan.startswith("county"):
            step("escalate", station, reason="需县住建部门处置")
            step("accept", county)
            step("dispatch", county, unit="610822-ZJJ", note="请县住建局核查处置")
            if plan == "county_signed":
                step("sign", zjj)
            self._store(case, gcode, reporter, reported, template, urgent, rnd)
            return
        step("accept", station)
        co = ["610822100-TWH"] if plan.startswith("mediated") else []
        step("dispatch", station, unit="610822100-ZF", co_units=co, note="请执法队现场处置")
        if plan == "refused":
            step("refuse", zf, reason="不属于本单位职责，请改派")
        elif plan != "dispatched":
            step("sign", zf)
            if plan == "mediated_agreed":
                step("mediate", station, result="agreed", method="people", agreement_no=f"城调字〔2026〕{rnd.randint(1, 300)}号",
                     participants=["双方当事人", "城关镇人民调解委员会调解员", "村委会主任"], note="双方达成调解协议")
            if plan != "signed":
                step("resolve", zf, note="已现场处置完毕，当事人签字确认")
                if plan != "unit_resolved":
                    step("close", station)
                    if plan == "closed_satisfied" or plan == "mediated_agreed":
                        step("follow_up", village, satisfaction="satisfied", method="phone", note="群众对处置结果满意")
                    elif plan == "closed_basic":
                        step("follow_up", station, satisfaction="basic", method="in_person", note="基本满意，希望加强巡查")
                    elif plan == "unsatisfied":
                        step("follow_up", village, satisfaction="unsatisfied", method="phone", note="问题反弹，群众不满意")
        self._store(case, gcode, reporter, reported, template, urgent, rnd)


def seed(engine: Engine, scale: str = "full", now: datetime | None = None,
         limits: wf.TimeLimits = wf.DEFAULT_LIMITS) -> dict:
    """Seed the demo county into an empty database; on a non-empty one seed nothing.

    ``limits``: the server's time limits (and calendar) that the demo cases' due dates follow."""
    if scale not in ("full", "small"):
        raise ValueError("scale must be 'full' or 'small'")
    if not _is_empty(engine):
        return {"seeded": False, "reason": "the database is not empty"}
    now = now or datetime.now(timezone.utc)
    s = _Seeder(scale, now, limits)
    s.seed_divisions_and_users(auth.hash_password(PASSWORD))
    grids = _grid_codes()
    user_by_scope = {json.loads(u["scope"])[0]: {"username": u["username"], "role": u["role"], "scope": json.loads(u["scope"])}
                     for u in s.users if u["role"] not in ("admin", "unit")}
    for u in s.users:  # unit users, keyed by their unit
        if u["role"] == "unit":
            user_by_scope[f"unit:{u['unit']}"] = {"username": u["username"], "role": "unit", "scope": [], "unit": u["unit"]}
    if scale == "full":
        chosen, per_grid_households, per_grid_cases, per_grid_visits = grids, 200, 25, 90
    else:
        chosen, per_grid_households, per_grid_cases, per_grid_visits = grids[:5], 8, 12, 4
    by_grid = s.seed_register(chosen, per_grid_households)
    s.seed_visits(by_grid, {g: user_by_scope[g]["username"] for g, _, _ in chosen}, per_grid_visits)
    s.seed_cases([g for g, _, _ in chosen], per_grid_cases, user_by_scope)
    s.seed_unit_cases([g for g, _, _ in chosen], 1 if scale == "small" else 5, user_by_scope)
    with engine.begin() as conn:
        for table, rows in ((divisions, s.divisions), (units, UNITS), (users, s.users), (households, s.households),
                            (visits, s.visits), (cases, s.cases), (case_steps, s.steps), (case_units, s.case_units)):
            if rows:
                conn.execute(insert(table), rows)
        if s.persons:
            conn.execute(insert(persons), [dict(p, tags=json.dumps(p["tags"]), followed_since=s.followed_since(p))
                                           for p in s.persons])
        if s.serials:
            conn.execute(insert(serial_counters), [{"prefix": k, "last": v} for k, v in s.serials.items()])
        feed.record_many(conn, s.feed)
    return {"seeded": True, "scale": scale, "divisions": len(s.divisions), "users": len(s.users),
            "households": len(s.households), "persons": len(s.persons), "cases": len(s.cases), "visits": len(s.visits)}


ACCOUNTS = [
    ("gw-001", "gridworker", "610822100200001"),
    ("gw-002", "gridworker", "610822100200002"),
    ("village-01", "village", "610822100200"),
    ("station-01", "station", "610822100"),
    ("county-admin", "admin", "610822"),
]
# The unit accounts (DESIGN §15): username, role, unit.
UNIT_DEMO_ACCOUNTS = [("unit-zf", "unit", "610822100-ZF"), ("unit-zjj", "unit", "610822-ZJJ")]
