"""Code tables: stable English codes with their zh-CN and en labels.

Every table maps ``code -> (zh, en)``. Codes are what travels on the wire and sits in databases;
labels are for people. Importers accept either (``to_code``). Sources are the national standards
summarised in ``shared/reference/codes.md`` (GB/T 31000-2015, GB/T 4761, GB 11643).

Standard library only: the CLI looks labels up without loading pydantic.
"""

from __future__ import annotations

from typing import Mapping

CodeTable = Mapping[str, tuple[str, str]]

CATEGORIES: CodeTable = {
    "dispute": ("矛盾纠纷", "Dispute"),
    "safety_hazard": ("安全隐患", "Safety hazard"),
    "public_security": ("治安问题", "Public security"),
    "livelihood": ("民生服务", "Livelihood service"),
    "city_management": ("城市管理", "City management"),
    "environment": ("环境卫生", "Environment and sanitation"),
    "petition": ("信访诉求", "Petition"),
    "emergency": ("突发事件", "Emergency"),
    "other": ("其他", "Other"),
}

# GB/T 31000-2015 事件类型 (dispute type): 2-digit top level, 4-digit sub-level.
DISPUTE_TYPES: CodeTable = {
    "01": ("婚恋家庭纠纷", "Marriage and family"),
    "0101": ("恋爱及婚姻纠纷", "Courtship and marriage"),
    "0102": ("抚养赡养监护纠纷", "Support, maintenance and guardianship"),
    "0103": ("分家与继承纠纷", "Household division and inheritance"),
    "02": ("邻里纠纷", "Neighbours"),
    "0201": ("用水排水通行通风采光纠纷", "Water, drainage, passage, ventilation and light"),
    "03": ("人格权纠纷", "Personality rights"),
    "04": ("物权相关纠纷", "Property rights"),
    "0402": ("物业及其管理纠纷", "Property management"),
    "05": ("侵权相关纠纷", "Torts"),
    "0503": ("交通事故纠纷", "Traffic accidents"),
    "0504": ("环境污染纠纷", "Environmental pollution"),
    "06": ("合同及相关纠纷", "Contracts"),
    "07": ("劳动人事争议", "Labour and personnel"),
    "08": ("金融借贷纠纷", "Financial lending"),
    "09": ("土地及资源权属纠纷", "Land and resource ownership"),
    "0902": ("宅基地使用纠纷", "Homestead use"),
    "10": ("其他民商事纠纷", "Other civil and commercial"),
    "11": ("城乡建设发展纠纷", "Urban and rural development"),
    "1101": ("国有土地上房屋征收纠纷", "Expropriation of houses on state land"),
    "1102": ("农村集体土地征用纠纷", "Requisition of rural collective land"),
    "12": ("涉民政纠纷", "Civil affairs"),
    "13": ("其他行政执法纠纷", "Other administrative enforcement"),
    "14": ("涉法涉诉纠纷", "Law and litigation"),
    "15": ("涉组织涉纪检纠纷", "Organisation and discipline"),
    "16": ("涉民族宗教纠纷", "Ethnicity and religion"),
    "99": ("其他", "Other"),
}

# 隐患类型 (GB/T 31000): subcategories of safety hazards.
HAZARD_TYPES: CodeTable = {
    "01": ("火灾", "Fire"),
    "02": ("治安", "Public order"),
    "03": ("矛盾纠纷", "Dispute"),
    "04": ("危化物品", "Hazardous chemicals"),
    "05": ("疾病传染", "Infectious disease"),
    "99": ("其他", "Other"),
}

SCALES: CodeTable = {
    "individual": ("个体性事件", "Individual"),
    "group": ("一般群体性事件", "Group"),
    "major": ("重大群体性事件", "Major group"),
}

TAGS: CodeTable = {
    "elderly_alone": ("独居老人", "Elderly living alone"),
    "left_behind_elderly": ("留守老人", "Left-behind elderly"),
    "left_behind_child": ("留守儿童", "Left-behind child"),
    "left_behind_woman": ("留守妇女", "Left-behind woman"),
    "disabled": ("残疾人", "Disabled"),
    "low_income": ("低保户", "Low-income household"),
    "key_person": ("重点人员", "Key person"),
    # GB/T 31000 special populations (DESIGN 17): sensitive, see schemas.population.
    "released_prisoner": ("刑满释放人员", "Released prisoner"),
    "community_correction": ("社区矫正对象", "Under community correction"),
    "severe_mental": ("严重精神障碍患者", "Severe mental disorder"),
    "drug_user": ("吸毒人员", "Drug user"),
    "key_youth": ("重点青少年", "Key youth"),
    "key_petitioner": ("重点上访人员", "Key petitioner"),
    "veteran": ("退役军人", "Veteran"),
    "extreme_poverty": ("特困人员", "Extreme poverty"),
}

# A person's place in the register over time (DESIGN 17).
PERSON_STATUSES: CodeTable = {
    "active": ("在册", "Active"),
    "moved_out": ("已迁出", "Moved out"),
    "deceased": ("已死亡", "Deceased"),
}

# GB/T 31000 special populations: the sub-category of a ``key_person``. Sensitive data.
KEY_PERSON_TYPES: CodeTable = {
    "released_prisoner": ("刑满释放人员", "Released prisoner"),
    "community_correction": ("社区矫正对象", "Under community correction"),
    "mental_disorder": ("严重精神障碍患者", "Severe mental disorder"),
    "drug_user": ("吸毒人员", "Drug user"),
    "key_youth": ("重点青少年", "Key youth"),
    "key_petitioner": ("重点上访人员", "Key petitioner"),
}

PURPOSES: CodeTable = {
    "routine": ("常规走访", "Routine visit"),
    "care": ("关爱帮扶", "Care and support"),
    "key_person": ("重点人员帮教", "Key person supervision"),
    "dispute_check": ("矛盾排查", "Dispute check"),
    "info_collection": ("信息采集", "Information collection"),
    "policy": ("政策宣传", "Policy outreach"),
    "follow_up": ("事件回访", "Case follow-up"),
}

METHODS: CodeTable = {
    "in_person": ("入户", "In person"),
    "phone": ("电话", "Phone"),
    "video": ("视频", "Video"),
}

ROLES: CodeTable = {
    "gridworker": ("网格员", "Grid worker"),
    "village": ("村/社区工作人员", "Village/community staff"),
    "station": ("乡镇/街道综治中心", "Town/street centre"),
    "county": ("县级综治中心", "County centre"),
    "admin": ("系统管理员", "Administrator"),
    "unit": ("职能部门/处置单位", "Unit (department)"),
}

LEVELS: CodeTable = {
    "grid": ("网格", "Grid"),
    "village": ("村/社区", "Village/community"),
    "town": ("乡镇/街道", "Town/street"),
    "county": ("县/区", "County"),
}

STATUSES: CodeTable = {
    "reported": ("待受理", "Reported"),
    "accepted": ("已受理", "Accepted"),
    "in_progress": ("处置中", "In progress"),
    "resolved": ("已办结(待核查)", "Resolved (to verify)"),
    "closed": ("已结案", "Closed"),
    "rejected": ("不予受理", "Rejected"),
    "dispatched": ("已派遣(待签收)", "Dispatched (to sign)"),
}

ACTIONS: CodeTable = {
    "report": ("上报", "Report"),
    "accept": ("受理", "Accept"),
    "start": ("开始处置", "Start"),
    "resolve": ("办结", "Resolve"),
    "close": ("核查结案", "Verify and close"),
    "reopen": ("核查未通过", "Reopen"),
    "escalate": ("上报上级", "Escalate"),
    "return": ("退回", "Return"),
    "reject": ("不予受理", "Reject"),
    "assign": ("指派", "Assign"),
    "supervise": ("督办", "Supervise"),
    "comment": ("备注", "Comment"),
    "dispatch": ("派遣", "Dispatch"),
    "sign": ("签收", "Sign"),
    "refuse": ("退回派遣", "Refuse"),
    "follow_up": ("回访", "Follow up"),
    "mediate": ("调解", "Mediate"),
}

UNIT_KINDS: CodeTable = {
    "department": ("职能部门", "Department"),
    "police": ("公安", "Police"),
    "mediation": ("调解组织", "Mediation body"),
    "other": ("其他", "Other"),
}

SATISFACTIONS: CodeTable = {
    "satisfied": ("满意", "Satisfied"),
    "basic": ("基本满意", "Basically satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
}

FOLLOW_UP_METHODS: CodeTable = {
    "phone": ("电话", "Phone"),
    "in_person": ("上门", "In person"),
}

MEDIATION_RESULTS: CodeTable = {
    "agreed": ("调解成功", "Agreed"),
    "failed": ("调解不成", "Failed"),
}

MEDIATION_METHODS: CodeTable = {
    "people": ("人民调解", "People's mediation"),
    "administrative": ("行政调解", "Administrative mediation"),
    "judicial": ("司法调解", "Judicial mediation"),
}

SEXES: CodeTable = {
    "male": ("男", "Male"),
    "female": ("女", "Female"),
}

# GB/T 4761, the common values.
RELATIONS: CodeTable = {
    "head": ("户主", "Head of household"),
    "spouse": ("配偶", "Spouse"),
    "son": ("子", "Son"),
    "daughter": ("女", "Daughter"),
    "father": ("父亲", "Father"),
    "mother": ("母亲", "Mother"),
    "grandson": ("孙子", "Grandson"),
    "granddaughter": ("孙女", "Granddaughter"),
    "sibling": ("兄弟姐妹", "Sibling"),
    "other": ("其他", "Other"),
}

RESIDENCES: CodeTable = {
    "registered": ("户籍", "Registered"),
    "floating": ("流动", "Floating"),
    "overseas": ("境外", "Overseas"),
}

CARE_LEVELS: CodeTable = {
    "high": ("高", "High"),
    "medium": ("中", "Medium"),
    "low": ("低", "Low"),
}

SOURCES: CodeTable = {
    "field": ("网格员上报", "Field report"),
    "visit": ("走访发现", "Found on a visit"),
    "hotline": ("12345热线", "12345 hotline"),
    "sms": ("短信", "SMS"),
    "walk_in": ("来访", "Walk-in"),
    "import": ("导入", "Import"),
}

SUPERVISION: CodeTable = {
    "none": ("无", "None"),
    "normal": ("普通督办", "Normal"),
    "yellow": ("黄牌", "Yellow card"),
    "red": ("红牌", "Red card"),
}

GRID_KINDS: CodeTable = {
    "basic": ("基础网格", "Basic grid"),
    "dedicated": ("专属网格", "Dedicated grid"),
}

PARTY_ROLES: CodeTable = {
    "party": ("当事人", "Party"),
    "reporter": ("反映人", "Reporter"),
    "witness": ("证人", "Witness"),
    "other": ("其他", "Other"),
}

# Named so that error messages and `--help` can say which table a bad value was checked against.
TABLES: dict[str, CodeTable] = {
    "category": CATEGORIES,
    "subcategory": DISPUTE_TYPES,
    "hazard_type": HAZARD_TYPES,
    "scale": SCALES,
    "tag": TAGS,
    "key_person_type": KEY_PERSON_TYPES,
    "purpose": PURPOSES,
    "method": METHODS,
    "role": ROLES,
    "level": LEVELS,
    "status": STATUSES,
    "action": ACTIONS,
    "sex": SEXES,
    "relation": RELATIONS,
    "residence": RESIDENCES,
    "care_level": CARE_LEVELS,
    "source": SOURCES,
    "supervision": SUPERVISION,
    "grid_kind": GRID_KINDS,
    "party_role": PARTY_ROLES,
    "unit_kind": UNIT_KINDS,
    "satisfaction": SATISFACTIONS,
    "follow_up_method": FOLLOW_UP_METHODS,
    "mediation_result": MEDIATION_RESULTS,
    "mediation_method": MEDIATION_METHODS,
    "person_status": PERSON_STATUSES,
}

_LANG_INDEX = {"zh": 0, "en": 1}


def label(table: CodeTable | str, code: str | None, lang: str = "zh") -> str:
    """The label of ``code`` in ``lang`` ('zh' or 'en'); the code itself when unknown."""
    if code is None:
        return ""
    tbl = TABLES[table] if isinstance(table, str) else table
    pair = tbl.get(code)
    if pair is None:
        return code
    return pair[_LANG_INDEX.get(lang, 1)]


_reverse_cache: dict[int, dict[str, str]] = {}


def _reverse(tbl: CodeTable) -> dict[str, str]:
    rev = _reverse_cache.get(id(tbl))
    if rev is None:
        rev = {}
        for code, (zh, en) in tbl.items():
            rev.setdefault(code.lower(), code)
            rev.setdefault(zh, code)
            rev.setdefault(en.lower(), code)
        _reverse_cache[id(tbl)] = rev
    return rev


def to_code(table: CodeTable | str, value: str) -> str:
    """Accept a code or its zh/en label and return the code.

    Raises ``ValueError`` naming the accepted codes when the value is none of them.
    """
    tbl = TABLES[table] if isinstance(table, str) else table
    key = value.strip()
    code = _reverse(tbl).get(key) or _reverse(tbl).get(key.lower())
    if code is None:
        raise ValueError(f"unknown value {value!r}; expected one of: {', '.join(tbl)}")
    return code


def is_code(table: CodeTable | str, value: str) -> bool:
    tbl = TABLES[table] if isinstance(table, str) else table
    return value in tbl
