"""English and Chinese: UI strings, names of countries and indicators, and number formatting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etl.numbers import fmt as fmt
from etl.numbers import fmt_delta as fmt_delta
from etl.numbers import ordinal as ordinal

LANGS = ("en", "zh")
DEFAULT_LANG = "en"

STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("WIC Digital Economy Observatory", "世界互联网大会数字经济观察"),
    "app.tagline": ("Open data on digital transformation in WIC member countries",
                    "世界互联网大会会员所在国家数字化转型开放数据"),
    "nav.overview": ("Overview", "概览"),
    "nav.map": ("Map", "地图"),
    "nav.country": ("Country profile", "国家概况"),
    "nav.compare": ("Compare", "比较"),
    "nav.index": ("Digital Development Index", "数字发展指数"),
    "nav.explorer": ("Explorer", "数据浏览"),
    "nav.membership": ("Membership", "会员"),
    "nav.briefing": ("Briefings", "简报"),
    "nav.sources": ("Sources & methodology", "来源与方法"),
    "nav.language": ("Language", "语言"),
    "footer.vintage": ("Data vintage: {vintage}. Warehouse built {built} UTC.",
                       "数据版本：{vintage}。数据仓库构建于 {built}（UTC）。"),
    "footer.license": ("Statistics: World Bank WDI (CC BY 4.0) and other sources listed under Sources.",
                       "统计数据：世界银行世界发展指标（CC BY 4.0）及“来源与方法”所列其他来源。"),
    "chart.source": ("Source: {source}", "来源：{source}"),
    "chart.unit": ("Unit: {unit}", "单位：{unit}"),
    "chart.year": ("Year: {year}", "年份：{year}"),
    "chart.table": ("Data table", "数据表"),
    "chart.computed": ("Group values marked * are computed here from country data ({method}) and are not "
                       "published by the source.",
                       "标 * 的组别数值由本平台根据各国数据计算（{method}），并非来源机构发布。"),
    "nodata": ("no data", "无数据"),
    "control.indicator": ("Indicator", "指标"),
    "control.year": ("Year", "年份"),
    "control.play": ("Play", "播放"),
    "control.pause": ("Pause", "暂停"),
    "control.scale": ("Colour scale", "色阶"),
    "control.linear": ("Linear", "线性"),
    "control.log": ("Logarithmic", "对数"),
    "control.region": ("Region", "地区"),
    "control.all_regions": ("All regions", "所有地区"),
    "control.members_only": ("WIC member countries only", "仅显示会员所在国家"),
    "control.outline_members": ("Outline WIC member countries", "勾勒会员所在国家"),
    "control.country": ("Country", "国家"),
    "control.countries": ("Countries and groups", "国家和组别"),
    "control.mode": ("Values", "数值"),
    "control.absolute": ("Absolute", "绝对值"),
    "control.relative": ("Change from base year (%)", "相对基准年变化（%）"),
    "control.base_year": ("Base year", "基准年"),
    "control.x": ("Horizontal axis", "横轴"),
    "control.y": ("Vertical axis", "纵轴"),
    "control.size": ("Bubble size", "气泡大小"),
    "control.colour": ("Colour", "颜色"),
    "control.from": ("From", "起始年"),
    "control.to": ("To", "截止年"),
    "warning.ignored": ("Some settings in the link were not understood and were replaced: {items}",
                        "链接中的部分设置无法识别，已替换为默认值：{items}"),
    "warning.unknown": ("The link has settings this page does not use, so they were ignored: {items}",
                        "链接中含有本页面不使用的设置，已忽略：{items}"),
    "members.note": ("This lists the publicly named members only ({named}) out of {qualifier} {total} "
                     "reported on {date}. It is not the full register.",
                     "此处仅列出公开报道的会员（{named} 家），而 {date} 报道的会员总数为{qualifier} {total} 家，"
                     "并非完整名录。"),
    "download.csv": ("Download CSV", "下载 CSV"),
    "download.xlsx": ("Download Excel", "下载 Excel"),
    "error.page": ("Sorry, something went wrong while drawing this view. Try other settings.",
                   "抱歉，绘制该视图时出错，请尝试其他设置。"),
    "notfound": ("Page not found", "页面不存在"),
    "new.title": ("What's new", "最新变化"),
    "new.lead": ("What the last run ({run}) changed against the warehouse it replaced ({previous}): {added} values "
                 "added, {revised} revised, {removed} withdrawn. Every change is in the change log "
                 "(/api/v1/changes).",
                 "最近一次运行（{run}）相对于其替换的数据仓库（{previous}）的变化：新增 {added} 个数值，"
                 "修订 {revised} 个，撤回 {removed} 个。所有变化见变更日志（/api/v1/changes）。"),
    "new.none": ("There were no changes in the last run ({run}): every value is as the run before left it.",
                 "最近一次运行（{run}）没有任何变化：所有数值与上一次运行相同。"),
    "new.first": ("The last run ({run}) built the first warehouse: there is no earlier one to compare with.",
                  "最近一次运行（{run}）构建了第一个数据仓库，没有可比较的早期版本。"),
    "new.years": ("Newly available years", "新增年份"),
    "new.years_item": ("{indicator}: {years}", "{indicator}：{years}"),
    "new.year_count": ("{year}: {n} new", "{year} 年：新增 {n} 个"),
    "new.revisions": ("Largest revisions", "最大修订"),
    "new.revision_item": ("{indicator}, {country} {year}: {old} → {new}",
                          "{indicator}，{country} {year} 年：{old} → {new}"),
    "new.withdrawn": ("Values withdrawn", "撤回的数值"),
    "new.withdrawn_item": ("{indicator}: {n} withdrawn ({first}–{last})",
                           "{indicator}：撤回 {n} 个（{first}–{last} 年）"),
    "new.more": ("… and {n} more indicators", "……另有 {n} 个指标"),
}

QUALIFIERS_ZH = {"about": "约", "more than": "超过", "exact": "", "nearly": "近", "around": "约", "at least": "至少"}


def lang_of(value: object) -> str:
    """A valid language code from a query value (English when missing or unknown)."""
    return value if isinstance(value, str) and value in LANGS else DEFAULT_LANG


def pick(en: str, zh: str, lang: str) -> str:
    """Choose between an English and a Chinese text (for strings used by one page only)."""
    return zh if lang == "zh" else en


def t(key: str, lang: str, **values: Any) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``values``."""
    en, zh = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def qualifier(word: str, lang: str) -> str:
    """A count qualifier ("about", "more than") in ``lang``."""
    if lang == "zh":
        return QUALIFIERS_ZH.get(word, word)
    return "" if word == "exact" else word


def name(row: Mapping[str, Any], lang: str) -> str:
    """The display name of a country or indicator row: Chinese when asked and known, else English."""
    if lang == "zh" and isinstance(row.get("name_zh"), str) and row["name_zh"]:
        return str(row["name_zh"])
    return str(row["name_en"])


def unit(row: Mapping[str, Any], lang: str) -> str:
    """An indicator's unit in ``lang``."""
    if lang == "zh" and isinstance(row.get("unit_zh"), str) and row["unit_zh"]:
        return str(row["unit_zh"])
    value = row.get("unit")
    return str(value) if isinstance(value, str) else ""


def count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 member', '2 members' (English; Chinese needs no plural)."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def are(n: int) -> str:
    """'is' for one, 'are' for more."""
    return "is" if n == 1 else "are"
