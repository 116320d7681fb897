"""What a question asks for (an amount, a time, who, how many) and whether a sentence gives it."""

from __future__ import annotations

import re
from dataclasses import dataclass

ASKS_AMOUNT = re.compile(
    r"多少|金额|最高|上限|补贴|补助|资金|奖励|钱|费用|收费|租金|税率|比例|"
    # whole English words: "venture capital" asks no cap, "corporate" no rate, "current" no rent
    r"how much|\bamounts?\b|\bfunding\b|\bsubsid|\bgrants?\b|\bmoney\b|\bup to\b|\bcaps?\b|\breward|"
    r"\bincentive|\bfees?\b|\brent(?:s|al)?\b|\brates?\b|\bcosts?\b|\bprices?\b",
    re.I,
)
ASKS_TIME = re.compile(
    r"多久|多长|时间|期限|几年|几天|几周|何时|什么时候|有效期|哪天|截止|多少个?(?:工作日|天|日|月|年|周)|"
    r"how long|how soon|how early|how far in advance|\bwhen\b|deadline|\bdays\b|\bweeks\b|\bmonths\b|\byears\b|"
    r"\bvalid|\bperiod",
    re.I,
)
# "What happens if it doesn't respond?" / 逾期会怎样: what follows from missing a deadline or a duty.
ASKS_CONSEQUENCE = re.compile(
    r"会怎样|会怎么样|后果|否则|不然|逾期|"
    r"what happens|what if|otherwise|consequence|if (?:it|we|they|you|he|she) (?:do(?:es)?n't|do(?:es)? not|fail)",
    re.I,
)
ASKS_WHO = re.compile(
    r"谁|哪个部门|哪些部门|哪个单位|负责|主管|牵头|\bwho\b|which (?:agency|department|authority|body)|responsible|in charge",
    re.I,
)
# "哪几个 / 哪五个 / which are the three ...": the answer is the items of a list.
ASKS_LIST = re.compile(
    r"哪几[个项类家]|哪[两三四五六七八九十][个项类家大]|有哪些|都有什么|分别是什么|"
    r"\b(?:which|what) are the (?:\w+ )?(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\b|\blist (?:the|all)\b",
    re.I,
)
ASKS_COUNT = re.compile(r"几个|几家|多少个|多少家|how many|number of", re.I)
# "什么是GCP / 假药怎么定义 / what counts as a foreign-invested enterprise": answered by a defining clause.
ASKS_DEFINITION = re.compile(
    r"什么是|什么叫|啥是|啥叫|是什么意思|什么意思|指的是|是指什么|定义|界定|含义|概念|算不算|属于什么|区别|"
    r"\bwhat (?:is|are) (?:an? |the )?[\w\s-]{2,40}\?*$|\bdefin|\bmean(?:s|ing)?\b|what counts as|\bcount as\b",
    re.I,
)
# "能不能 / 是否 / 可以…吗 / can I / is it allowed": answered yes or no by a rule.
ASKS_YES_NO = re.compile(
    r"吗[？?]?$|能不能|可不可以|是否|是不是|有没有|要不要|需不需要|行不行|"
    r"^(?:can|could|is|are|do|does|did|may|must|should|will|has|have)\b",
    re.I,
)
# "废止的 / 旧版 / the previous version": superseded and repealed documents are searched too.
ASKS_HISTORY = re.compile(
    r"废止|旧版|老版|原来|以前|之前的|历史|上一版|前一版|被替代|被取代|"
    r"supersed|repeal|previous version|earlier version|old version|former version|history|historical",
    re.IGNORECASE,
)
# The phrases a clause defines a term with (本法所称…是指, 有下列情形之一的，为假药, "means").
DEFINES = re.compile(r"是指|所称|指的是|下列情形之一的，为|以下简称|\bmeans\b|\brefers to\b", re.I)

AMOUNT = re.compile(
    r"\d[\d.,]*\s*(?:万元|亿元|元|万|亿|%|％)|[一二三四五六七八九十百千两]+(?:万元|亿元|元)|不超过|最高"
)
_CN_NUMBER = "[一二三四五六七八九十百千两零〇]+"
DURATION = re.compile(
    rf"(?:\d+|{_CN_NUMBER})\s*(?:个工作日|工作日|日|天|周|个月|月|年)|\d{{4}}年\d{{1,2}}月\d{{1,2}}日"
)
COUNT = re.compile(
    r"\d+[—\-~～]?\d*\s*(?:余|多)?\s*(?:个(?!月|工作日|小时|自然日)|家|项|名|人|所|位|款|类)"
)  # 600余家, 3-5个
MONEY = re.compile(rf"(?:\d[\d.,]*|{_CN_NUMBER})\s*(?:万亿元|亿元|万元|元)")
FIGURE = re.compile(rf"\d|{_CN_NUMBER}(?:万亿|亿|万|千|百)")
SHARE = re.compile(rf"\d\s*[%％]|百分之|(?:\d+|{_CN_NUMBER})倍")


_PERIOD = r"每月|每个月|一个月|月租|每年|一年|per month|a month|monthly|per year|a year|annual|yearly"


@dataclass(frozen=True)
class QuantityAsk:
    """A kind of figure a question can ask for, and how a clause states one."""

    name: str
    asked: re.Pattern[str]
    stated: re.Pattern[str]
    # What the figure must be about, by the word asked: a fee is a 费, a rent a 租 (a fine elsewhere is no fee).
    subjects: tuple[tuple[str, str], ...] = ()

    def stated_in(self, question: str, clause_text: str) -> bool:
        """Whether a sentence of the clause gives such a figure (about the thing asked, when the question says)."""
        subject = self.subject(question)
        if subject is None:
            return bool(self.stated.search(clause_text))
        return any(self.stated.search(s) and subject.search(s) for s in re.split(r"(?<=[。；！？!?])", clause_text))

    def subject(self, question: str) -> re.Pattern[str] | None:
        """The words a sentence stating the figure must contain, for the thing this question asks about."""
        for asked, words in self.subjects:
            if re.search(asked, question, re.I):
                return re.compile(words)
        return None


# Only the sharpest quantity questions: a sum of money, a rate or a number of days must be written in the clause
# ("is there support for X" and "how many firms" are answered without one).
QUANTITY_ASKS = (
    QuantityAsk(
        "a sum of money",
        re.compile(
            r"多少钱|房租|租金|学费|收费标准|费用是多少|营收多少|(?:补贴|补助|奖励|资助)标准|"
            r"\bfees?\b|\brents?\b|tuition|\bcosts?\b|\bprices?\b|\bquotas?\b|(?<!in )\bcharges?\b",
            re.I,
        ),
        MONEY,
        (
            (r"房租|租金|\brents?\b", "租"),
            (r"学费|tuition", "学费|教育"),
            (r"收费|费用|[\u4e00-\u9fff]费|\bfees?\b|\bcharges?\b|\bcosts?\b", "费"),  # 注册费, 审评费
            (r"\bprices?\b", "价"),
            (r"\bquotas?\b", "额度|限额"),
        ),
    ),
    QuantityAsk("a figure", re.compile(r"how much", re.I), FIGURE),  # money, land, floor space...
    QuantityAsk(
        "a rate or share",
        re.compile(r"税率|费率|利率|比例.{0,6}(?:多少|几)|百分之几|百分比|percentage|\bpercent\b|\brates?\b", re.I),
        SHARE,
        ((r"税|\btax|\bvat\b", "税"), (r"利率|interest", "利率|利息|贴息")),
    ),
    QuantityAsk(  # a one-off grant does not answer "how much a month"
        "a sum per month or year",
        re.compile(
            rf"(?:{_PERIOD}).{{0,20}}(?:多少|how much|subsid|rent|fee|tuition|allowance|quota)|"
            rf"(?:多少|how much).{{0,30}}(?:{_PERIOD})",
            re.I,
        ),
        re.compile(r"每月|每个月|/月|月均|按月|每年|年均|/年|按年|每人每"),
    ),
    QuantityAsk(
        "a number of days",
        re.compile(
            r"多少天|几天|多少个工作日|几个工作日|几个月|多久|多长时间|"
            r"how long|how many (?:working |business |calendar )?(?:days|weeks|months)",
            re.I,
        ),
        DURATION,
    ),
    QuantityAsk(
        "a distance",
        re.compile(r"多少公里|多远|距离多少|how far|how many (?:kilomet|km|met|miles)", re.I),
        re.compile(r"\d\s*(?:公里|千米|米|km)|[一二三四五六七八九十百千两]+(?:公里|千米)", re.I),
    ),
)


QUANTITY_ASKS_BY_NAME = {ask.name: ask for ask in QUANTITY_ASKS}

# The unit a question names for the figure it asks (多少家 -> 家, how many working days -> 工作日): a clause's
# figure in that unit answers it, one in another unit (a revenue in 亿元 for "how many companies") does not.
_AREA_UNITS = "平方公里|平方千米|万平方米|平方米|亩|公顷"
_CHINESE_UNIT = re.compile(
    r"(?:多少|几)\s*(个工作日|工作日|个月|年|天|日|周|家|项|名|人|个|所|款|类|万元|亿元|元|倍|平方公里)|(面积(?:有|是)?(?:多大|多少)|(?:多大|多少)(?:的)?面积|占地(?:多大|多少))"
)
_ENGLISH_UNITS = (
    (re.compile(r"how many (?:\w+ )?(?:companies|firms|enterprises|businesses)", re.I), "家"),
    (re.compile(r"how many (?:\w+ )?(?:people|scientists|experts|talents|staff|employees)", re.I), "名|人"),
    (re.compile(r"how many (?:\w+ )?projects", re.I), "项"),
    (re.compile(r"how many (?:working|business) days", re.I), "工作日"),
    (re.compile(r"how many (?:calendar )?days", re.I), "日|天"),
    (re.compile(r"how many months", re.I), "个月|月"),
    (re.compile(r"how many years", re.I), "年"),
    (re.compile(r"how (?:large|big)\b|what size|\barea\b", re.I), _AREA_UNITS),
)


def asked_unit(question: str) -> str:
    """The unit the figure asked for is in, as a regex alternation; empty when the question names none."""
    if found := _CHINESE_UNIT.search(question):
        return found.group(1) or _AREA_UNITS
    return next((unit for pattern, unit in _ENGLISH_UNITS if pattern.search(question)), "")


def quantities_asked(question: str) -> list[QuantityAsk]:
    return [ask for ask in QUANTITY_ASKS if ask.asked.search(question)]


# Questions about a document itself (its number, issuer, dates, validity, status) rather than its content.
ASKS_METADATA = re.compile(
    r"文号|发文|印发|谁发|哪个部门发|哪个单位发|发布|施行|生效|有效期|到期|废止|还有效|还适用|征求意见|正式|"
    r"document number|issued|issuer|publish|effective|come into force|came into force|in force|t(?:ake|akes|ook|aken) effect|"
    r"valid|expire|repeal|draft|status|adopted|superseded",
    re.I,
)
# What a question asks for, said the way the documents say it: searched beside the question's own words.
INTENT_TERMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"施行|生效|什么时候开始|何时起|哪天起|effective|come into force|came into force|t(?:ake|akes|ook|aken) effect",
            re.I,
        ),
        "施行 起施行",
    ),
    (
        re.compile(r"废止|还有效|还能用|还适用|repeal|still valid|still in force|replaced|superseded", re.I),
        "废止 同时废止",
    ),
    (re.compile(r"有效期|到期|管到|valid until|expire|how long .*valid", re.I), "有效期 施行之日起"),
    (re.compile(r"文号|谁发|哪个部门发|发文|印发|document number|who issued|issued by|issuer", re.I), "印发 通知"),
    (re.compile(r"多久|多长时间|几天|几个月|how long|how many days|time limit", re.I), "工作日 日内 期限"),
    (
        re.compile(
            r"多少钱|能拿多少|补多少|奖多少|给多少|最多(?:能)?[拿给补奖]|最高(?:能)?[拿给补奖]|"
            r"how much|maximum (?:amount|funding|subsidy|grant|support|award)|(?:capped|cap) at",
            re.I,
        ),
        "万元 不超过 最高",
    ),
    (re.compile(r"规模|多大|how big|size of", re.I), "规模 达到 万亿元 亿元"),
    (re.compile(r"罚|处罚|后果|penalt|fine[ds]?\b|punish|consequence", re.I), "罚款 处 责令 改正"),
    (re.compile(r"互认|承认|recogni[sz]e|mutual", re.I), "互认 结果互认"),
)


def intent_terms(question: str) -> list[str]:
    """Document wording for what the question asks (施行 for 'when does it take effect')."""
    return [term for pattern, terms in INTENT_TERMS if pattern.search(question) for term in terms.split()]
