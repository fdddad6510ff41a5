"""zh/en texts of validation failures and workflow refusals, keyed by stable codes.

Server and client both raise these by code (``InvalidValue.code``, ``WorkflowRefused.code``);
the server answers in the language the request asks for (Accept-Language) and always includes
the code, so a client can say it again in its own language.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # Server start-up: the database schema (server/migrate.py)
    "server.schema_outdated": (
        "数据库结构版本为{current}，本程序需要{head}，已拒绝启动：去掉 --no-migrate 再启动即可自动升级（请先备份数据库）",
        "the database schema is at revision {current} but this program needs {head}; not starting: "
        "start without --no-migrate to upgrade it in place (back the database up first)",
    ),
    "server.schema_missing": (
        "数据库是空的（本程序需要结构版本{head}），已拒绝启动：去掉 --no-migrate 再启动即可建表",
        "the database is empty (this program needs schema revision {head}); not starting: "
        "start without --no-migrate to create the tables",
    ),
    "server.db_unreachable": (
        "无法打开数据库 {url}：{reason}。请检查 --db（例如 postgresql://用户@主机/库名 或 sqlite:///文件.db）",
        "cannot open the database {url}: {reason}; check --db (e.g. postgresql://user@host/name or sqlite:///file.db)",
    ),
    "server.schema_newer": (
        "数据库已被更新版本的 gridctl 升级到{current}（本程序只认识到{head}）：请安装更新的 gridctl",
        "the database was upgraded by a newer gridctl to revision {current} (this program knows up to {head}); "
        "install that newer gridctl",
    ),
    # ID numbers (GB 11643)
    "id_number.length": (
        "身份证号应为18位，实际为{length}位",
        "an ID number has 18 characters, this one has {length}",
    ),
    "id_number.date": (
        "身份证号处是一个日期（{value}），不是身份证号：Excel 可能把这一列设成了日期格式，或各列错位了。"
        "请把该列设置为“文本”格式，重新输入18位身份证号",
        "found a date ({value}) where an ID number belongs: Excel may have formatted the column as a date, "
        "or the columns are shifted. Format the column as Text and type the 18-character ID number again",
    ),
    "id_number.chars": (
        "身份证号前17位应为数字，最后一位为数字或X",
        "an ID number is 17 digits followed by a digit or X",
    ),
    "id_number.bad_birth": (
        "身份证号中的出生日期{text}不是有效日期",
        "the birth date {text} inside the ID number is not a real date",
    ),
    "id_number.future_birth": (
        "身份证号中的出生日期{birth}在未来",
        "the birth date {birth} inside the ID number is in the future",
    ),
    "id_number.checksum": (
        "身份证号校验位错误：为{got}，应为{expected}，请核对号码",
        "the ID number's check character is {got} but should be {expected}; check the number for a typo",
    ),
    "id_number.sex_mismatch": (
        "性别与身份证号不符：填写为{sex}，身份证号表示{id_sex}",
        "sex {sex} disagrees with the ID number, which says {id_sex}",
    ),
    "id_number.birth_mismatch": (
        "出生日期{birth_date}与身份证号中的{id_birth}不符",
        "birth date {birth_date} disagrees with the ID number, which says {id_birth}",
    ),
    # Division codes
    "division.format": (
        "区划代码“{code}”应为6、9、12或15位数字",
        "division code {code!r} must be 6, 9, 12 or 15 digits",
    ),
    "division.level": (
        "代码“{code}”应为{length}位的{level}代码",
        "code {code!r} must be a {length}-digit {level} code",
    ),
    "division.unknown": (
        "区划代码“{code}”不存在",
        "division code {code!r} does not exist",
    ),
    "division.no_parent": (
        "上级区划“{parent}”不存在，请先导入上级区划",
        "parent division {parent!r} does not exist; import it first or earlier in the file",
    ),
    "division.out_of_scope": (
        "网格“{code}”不在您的管辖范围内",
        "grid {code!r} is outside your scope",
    ),
    # Phones
    "phone.format": (
        "电话号码“{value}”格式不正确：手机为1开头的11位数字，座机为0开头的区号加号码",
        "phone {value!r} is not valid: a mobile is 11 digits starting 13-19, a landline starts with 0 and an area code",
    ),
    # Dates and times
    "date.format": (
        "日期“{value}”格式不正确，请使用YYYY-MM-DD",
        "date {value!r} is not valid; use YYYY-MM-DD",
    ),
    "date.invalid": (
        "日期“{value}”不存在",
        "date {value!r} does not exist",
    ),
    "time.format": (
        "时间“{value}”格式不正确，请使用RFC 3339，例如2026-11-22T09:30:00+08:00",
        "time {value!r} is not valid; use RFC 3339, e.g. 2026-11-22T09:30:00+08:00",
    ),
    "time.future": (
        "时间{value}在未来",
        "time {value} is in the future",
    ),
    "time.occurred_after_reported": (
        "发生时间不能晚于上报时间",
        "the time it occurred cannot be after the time it was reported",
    ),
    # Text and choices
    "text.too_long": (
        "内容过长：最多{limit}个字符，实际{length}个",
        "too long: at most {limit} characters, got {length}",
    ),
    "text.required": (
        "必填项不能为空",
        "this field is required",
    ),
    "text.control": (
        "不能包含控制字符（如空字符、退格）{where}",
        "must not contain control characters (NUL, backspace and the like){where}",
    ),
    "text.bidi": (
        "不能包含改变文字方向的隐藏字符（U+202A–U+202E、U+2066–U+2069）",
        "must not contain hidden direction overrides (U+202A-U+202E, U+2066-U+2069)",
    ),
    "text.blank": (
        "不能只有空白或不可见字符",
        "must not be only blanks or invisible characters",
    ),
    "date.range": (
        "日期{value}不合理：应在{low}到{high}之间",
        "date {value} is not plausible: it must lie between {low} and {high}",
    ),
    "time.range": (
        "时间{value}不合理：不能早于{low}，也不能晚于现在",
        "time {value} is not plausible: not before {low} and not in the future",
    ),
    "time.offset": (
        "时间“{value}”缺少时区，请写明偏移量，例如2026-11-22T09:30:00+08:00",
        "time {value!r} has no offset; give one, e.g. 2026-11-22T09:30:00+08:00",
    ),
    "register.taken_id_number": (
        "该身份证号已登记，请联系乡镇（街道）综治中心核实",
        "this ID number is already registered; ask the station to check it",
    ),
    "register.taken_household_no": (
        "该户号已登记，请联系乡镇（街道）综治中心核实",
        "this household number is already registered; ask the station to check it",
    ),
    "ref.household_not_found": (
        "住户“{ref}”不存在或不在您的管辖范围内",
        "household {ref!r} was not found in your scope",
    ),
    "register.unit_no_register": (
        "职能部门（处置单位）账号只办理派遣给本单位的事件，不能查看或修改人口、住户和走访信息；请联系网格员或村（社区）办理",
        "a unit account works on the cases dispatched to its unit and may not read or change the register "
        "(people, households, visits); ask the grid worker or the village to make this change",
    ),
    "ref.person_not_found": (
        "人员“{ref}”不存在或不在您的管辖范围内",
        "person {ref!r} was not found in your scope",
    ),
    "photo.not_held": (
        "照片{sha}不在服务器上（或您无权使用），请先上传照片再同步",
        "photo {sha} is not on the server (or not yours to name); upload it first, then sync",
    ),
    "choice.unknown": (
        "取值“{value}”无效，可选：{choices}",
        "unknown value {value!r}; expected one of: {choices}",
    ),
    # Register and records (server checks that need the database)
    "register.id_number_taken": (
        "该身份证号已登记在另一人名下",
        "another person already has this ID number",
    ),
    "register.household_no_taken": (
        "户编号{household_no}已属于另一户",
        "household number {household_no} belongs to another household",
    ),
    "register.household_not_found": (
        "户{household}不存在或不在您的管辖范围内",
        "household {household} not found in your scope",
    ),
    "record.duplicate_id": (
        "编号相同的记录已存在",
        "a record with this id exists already",
    ),
    "record.duplicate": (
        "必须唯一的值（编号、号码）已被占用",
        "a value that must be unique (an id, a number) is already taken",
    ),
    # Case workflow refusals
    "workflow.unknown_action": (
        "未知的操作“{action}”",
        "unknown action {action!r}",
    ),
    "workflow.status": (
        "事件当前状态为“{status}”，不能执行“{action}”（仅限：{allowed}）",
        "cannot {action} a case that is {status} (only from: {allowed})",
    ),
    "workflow.scope": (
        "该事件不在您的管辖范围内",
        "the case is outside your scope",
    ),
    "workflow.role": (
        "您的角色（{role}）不能执行“{action}”",
        "your role ({role}) cannot {action} cases",
    ),
    "workflow.level": (
        "只有{level}级的处置人员可以执行“{action}”，该事件当前在{level}级",
        "only a handler at the case's level ({level}) can {action} it",
    ),
    "workflow.above_level": (
        "核查结案须由高于事件层级（{level}）的人员执行",
        "verifying a case needs a user above the case's level ({level})",
    ),
    "workflow.note_required": (
        "“{action}”需要填写说明",
        "{action} needs a note saying what was done",
    ),
    "workflow.reason_required": (
        "“{action}”需要填写理由",
        "{action} needs a reason",
    ),
    "workflow.top_level": (
        "县级事件不能再上报",
        "a county case cannot be escalated further",
    ),
    "workflow.to_level": (
        "只能上报到高于当前层级（{level}）的层级，而不是{to_level}",
        "can only escalate above the current level ({level}), not to {to_level}",
    ),
    "workflow.bottom_level": (
        "网格级事件不能退回",
        "a grid-level case cannot be returned",
    ),
    "workflow.assignee_required": (
        "请指定处置人",
        "name the user to assign the case to",
    ),
    "workflow.assignee_unknown": (
        "处置人“{assignee}”不存在或不在该事件的管辖范围内",
        "user {assignee!r} does not exist or does not cover this case",
    ),
    "workflow.supervision_required": (
        "请指定督办级别（普通/黄牌/红牌）",
        "name the supervision level: normal, yellow or red",
    ),
    # The closed loop (DESIGN §15)
    "workflow.unit": (
        "只有事件的承办单位（{unit}）的人员可以执行“{action}”",
        "only a user of the case's unit ({unit}) can {action} it",
    ),
    "workflow.follow_up_role": (
        "回访须由村/社区、乡镇、县级人员或上报该事件的网格员执行",
        "a follow-up is made by village, town or county staff, or by the grid worker who reported the case",
    ),
    "workflow.followed_up": (
        "该事件结案后已回访过",
        "the case was already followed up since it was closed",
    ),
    "workflow.unit_required": (
        "请用 --to 指定承办单位编码（可用 gridctl unit list 查看）",
        "name the unit to dispatch to with --to (see gridctl unit list)",
    ),
    "workflow.co_unit_is_lead": (
        "单位“{unit}”已是承办单位，不能同时作为协办单位：请从 --co 中去掉它",
        "unit {unit} leads the case and cannot also assist it: leave it out of --co",
    ),
    "workflow.unit_unknown": (
        "单位“{unit}”不存在或不服务于该事件所在区划（可用 gridctl unit list 查看）",
        "unit {unit!r} does not exist or does not serve this case's area (see gridctl unit list)",
    ),
    "workflow.satisfaction_required": (
        "请用 --satisfaction 填写满意度：满意 satisfied、基本满意 basic 或不满意 unsatisfied",
        "give --satisfaction: satisfied, basic or unsatisfied",
    ),
    "workflow.follow_up_method": (
        "回访方式“{method}”无效，可选：电话 phone、上门 in_person",
        "unknown follow-up method {method!r}; expected phone or in_person",
    ),
    "workflow.mediation_result": (
        "请用 --result 填写调解结果：调解成功 agreed 或调解不成 failed",
        "give --result: agreed or failed",
    ),
    "workflow.mediation_method": (
        "调解方式“{method}”无效，可选：人民调解 people、行政调解 administrative、司法调解 judicial",
        "unknown mediation method {method!r}; expected people, administrative or judicial",
    ),
    "workflow.agreement_no_required": (
        "调解成功须用 --agreement-no 填写调解协议书编号",
        "an agreed mediation needs the agreement number: give --agreement-no",
    ),
    "workflow.agreement_no_recorded": (
        "调解协议书{agreement_no}已记录在本事件上（{actor}，{at}），不重复记录；另一份协议请用 --agreement-no 填写其编号",
        "agreement {agreement_no} is already recorded on this case ({actor}, {at}); it is not recorded twice. "
        "For another agreement give its number with --agreement-no",
    ),
    "workflow.stale": (
        "事件已被他人更新（版本{current}，您基于版本{base}），请刷新后重试",
        "the case changed meanwhile (version {current}, you acted on {base}); refresh and try again",
    ),
    # Holidays files (schemas/workdays.py): an admin's schedule for years chinesecalendar does not know
    "holidays_file.date": (
        "{where}：“{value}”不是日期，应写作 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD",
        "{where}: {value!r} is not a date; write YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD",
    ),
    "holidays_file.year": (
        "{where}：“{value}”的年份应在2000至2100之间",
        "{where}: the year of {value!r} must lie between 2000 and 2100",
    ),
    "holidays_file.range": (
        "{where}：日期范围“{value}”应从早到晚且不超过{days}天",
        "{where}: the range {value!r} must run forwards and span fewer than {days} days",
    ),
    "holidays_file.both": (
        "{where}：{day}不能既是节假日又是调休上班日",
        "{where}: {day} cannot be both a holiday and a make-up working day",
    ),
    "holidays_file.makeup_weekday": (
        "{where}：{day}是工作日（周一至周五），调休上班日应在周六或周日",
        "{where}: {day} is a Monday-Friday, already a working day; make-up working days fall on a Saturday or Sunday",
    ),
    "holidays_file.json": (
        "{where}：不是有效的JSON（{detail}）",
        "{where}: not valid JSON ({detail})",
    ),
    "holidays_file.keys": (
        "{where}：应为 {{\"holidays\": [日期…], \"workdays\": [日期…]}} 形式的JSON对象",
        "{where}: expected a JSON object {{\"holidays\": [dates...], \"workdays\": [dates...]}}",
    ),
    "holidays_file.line": (
        "{where}：“{value}”应写作“日期 类型 [名称]”，类型为 holiday/休 或 workday/班",
        "{where}: {value!r} should read 'DATE KIND [NAME]' with KIND holiday (or 休) or workday (or 班)",
    ),
    "holidays_file.unreadable": (
        "{where}：无法读取节假日文件（{detail}）",
        "{where}: cannot read the holidays file ({detail})",
    ),
    "holidays_file.empty": (
        "{where}：文件中没有任何日期",
        "{where}: the file names no dates",
    ),
    # Writes: a masked value (as shown to the user) is never written back (DESIGN §12)
    "value.masked": (
        "{field}为脱敏显示值（{value}），不能写回；不填该字段即保留原值，或填写完整值",
        "{field} is the masked value {value} as shown, which cannot be written back; leave the field out to keep the stored value, or send the full value",
    ),
    # Statistics parameters (/stats/index, /stats/report)
    "stats.unknown_param": (
        "未知的查询参数{name}；可用参数：{allowed}",
        "unknown query parameter {name}; known: {allowed}",
    ),
    "stats.empty_param": (
        "查询参数{name}为空；如需默认值，请不带该参数",
        "query parameter {name} is empty; leave it out for its default",
    ),
    "stats.period": (
        "统计周期应为{allowed}之一，实际为“{value}”",
        "the period must be one of {allowed}, got {value!r}",
    ),
    "stats.level": (
        "排行层级应为{allowed}之一，实际为“{value}”",
        "the level must be one of {allowed}, got {value!r}",
    ),
    "stats.level_above": (
        "区划{division}之下没有“{value}”层级，请选择更低的层级",
        "division {division} has no {value} level under it; choose a lower level",
    ),
    "stats.at": (
        "日期应写作YYYY-MM-DD，实际为“{value}”",
        "the date must read YYYY-MM-DD, got {value!r}",
    ),
    # The register over time (DESIGN 17)
    "register.date_before_birth": (
        "日期{value}早于此人的出生日期{born}，请核对日期",
        "the date {value} is before the person was born ({born}); check the date",
    ),
    "register.second_head": (
        "该户已有户主{name}；请先把原户主的与户主关系改为其他关系（可在同一命令中完成）",
        "this household already has a head, {name}; change the old head's relation first (it can be done in the same command)",
    ),
}


# Parameters that hold codes are shown as labels in the reader's language.
_PARAM_TABLES = {
    "status": "status",
    "allowed": "status",
    "level": "level",
    "to_level": "level",
    "action": "action",
    "role": "role",
    "sex": "sex",
    "id_sex": "sex",
}


def _localize(name: str, value: object, lang: str) -> object:
    from schemas.codes import label

    table = _PARAM_TABLES.get(name)
    if table is None:
        return value
    sep = "、" if lang == "zh" else ", "
    if isinstance(value, (list, tuple)):
        if lang != "zh":
            return sep.join(str(v) for v in value)
        return sep.join(label(table, str(v), lang) for v in value)
    if lang == "zh" and isinstance(value, str):
        return label(table, value, lang)
    return value


class CodedError(Exception):
    """An error that carries a message code (a key of ``MESSAGES``), the field it concerns and
    the parameters of its text, so that it can be said in either language."""

    def __init__(self, code: str, field: str | None = None, /, **params: object) -> None:
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    def __str__(self) -> str:
        # Formatted on demand: refusals are raised by the thousand when listing allowed actions.
        return self.message("en")

    def message(self, lang: str = "en") -> str:
        return message(self.code, lang, **self.params)


def message(code: str, lang: str = "en", /, **params: object) -> str:
    """The message for ``code`` in ``lang`` ('zh' or 'en'), formatted with ``params``."""
    pair = MESSAGES.get(code)
    if pair is None:
        return code
    template = pair[0] if lang == "zh" else pair[1]
    shown = {k: _localize(k, v, lang) for k, v in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError, ValueError):
        return template


# Early warning (DESIGN 16): the text of each alert kind, with the alert's params.
MESSAGES.update({
    "alert.due_soon": ("事件{serial}“{title}”即将超期，办理时限{due_at}",
                       "case {serial} \"{title}\" is due soon, by {due_at}"),
    "alert.overdue": ("事件{serial}“{title}”已超期，时限为{due_at}",
                      "case {serial} \"{title}\" is overdue since {due_at}"),
    "alert.repeat": ("户{household_no}（{address}）{days}天内已发生{count}起事件",
                     "household {household_no} ({address}) has had {count} cases within {days} days"),
    "alert.repeat.party": ("身份证号{id_number}的当事人{days}天内涉及{count}起事件",
                           "the party with ID number {id_number} is named in {count} cases within {days} days"),
    "alert.spike": ("网格{grid_code}本周“{category}”类事件{count}起，明显高于前8周平均{mean}起",
                    "grid {grid_code} has {count} {category} cases this week, far above its 8-week mean of {mean}"),
    "alert.group": ("事件{serial}“{title}”为群体性事件，请立即关注",
                    "case {serial} \"{title}\" is a group incident: attend to it at once"),
    "alert.visit_overdue": ("{name}（{tags}）走访已超期{days_late}天，应于{due}走访",
                            "{name} ({tags}) is {days_late} days late for a visit due {due}"),
    "alert.unsatisfied": ("事件{serial}“{title}”回访不满意",
                          "case {serial} \"{title}\" was rated unsatisfied at follow-up"),
    "alert.follow_up_due": ("事件{serial}“{title}”已结案7天以上，尚未回访",
                            "case {serial} \"{title}\" was closed 7 or more days ago and not followed up"),
})

# probe13: checks that said "值无效" in Chinese (a plain ValueError), or called a line break a
# control character.
MESSAGES.update({
    "location.both": ("纬度和经度须同时填写，或都不填", "give both latitude and longitude, or neither"),
    "person.moved_to_required": ("已迁出人员须填写迁往何处", "a person who moved out needs moved_to: where they went"),
    # A conflict's detail (server.services.sync): said in the language of the push.
    "conflict.case": ("该事件在此期间已被他人改动", "the case changed meanwhile"),
    "conflict.household": ("该户在此期间已被他人修改", "the household changed meanwhile"),
    "conflict.person": ("该人员信息在此期间已被他人修改", "the person changed meanwhile"),
    "text.line_break": ("只能填写一行：其中有换行{where}，请把内容合并为一行",
                        "must be on one line: it holds a line break{where}; put the text on one line"),
})

# dayprobe: a refused photo is named to the worker in the language of the upload.
MESSAGES.update({
    "blob.not_an_image": ("照片须为能解码的 JPEG、PNG 或 WebP 图片",
                          "photos must be JPEG, PNG or WebP images that decode"),
    "blob.too_large": ("一张照片最大{mb} MB", "a photo may be at most {mb} MB"),
    "auth.admin_only": ("只有系统管理员可以执行此操作", "only an admin may do this"),
    "auth.reveal_admin_only": ("只有系统管理员可以查看完整的身份证号和电话",
                               "only an admin may reveal ID numbers and phones"),
    "stats.at_range": (
        "日期{value}没有可统计的数据：请给出{first}至今天（{today}）之间的日期",
        "{value} is not a date with figures: give one from {first} to today ({today})",
    ),
    "stats.no_division": (
        "处置单位账号没有管辖区划，没有统计、指数和报表；本单位的事件用 gridctl case list --queue unit 查看",
        "a unit account has no division, so no figures, index or report; see your unit's cases with "
        "gridctl case list --queue unit",
    ),
})
