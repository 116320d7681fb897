"""What a question asks for (an amount, a time, who, how many) and whether a sentence gives it."""

from __future__ import annotations

import re

ASKS_AMOUNT = re.compile(
    r"多少|金额|最高|上限|补贴|补助|资金|奖励|钱|费用|收费|租金|税率|比例|"
    r"how much|amount|fund|subsid|grant|money|up to|cap|reward|incentive|fee|rent|rate|cost|price",
    re.I,
)
ASKS_TIME = re.compile(
    r"多久|多长|时间|期限|几年|几天|几周|何时|什么时候|有效期|哪天|截止|"
    r"how long|when|deadline|days|weeks|months|years|valid|period",
    re.I,
)
ASKS_WHO = re.compile(
    r"谁|哪个部门|哪些部门|哪个单位|负责|主管|牵头|who|which (?:agency|department|authority|body)|responsible|in charge",
    re.I,
)
ASKS_COUNT = re.compile(r"几个|几家|多少个|多少家|目标|how many|target|number of", re.I)
# Only the sharpest quantity questions: a fee, a rent, a rate or a number of days must be written in the clause.
ASKS_EXACT_QUANTITY = re.compile(
    r"多少钱|费用|收费|租金|房租|学费|税率|比例|多少天|几天|几个月|多久|多长时间|截止|"
    r"how much|\bfees?\b|\brents?\b|\brates?\b|\bcosts?\b|\bprices?\b|how long|how many days|deadline",
    re.I,
)

AMOUNT = re.compile(r"\d[\d.,]*\s*(?:万元|亿元|元|万|亿|%|％)|不超过|最高")
DURATION = re.compile(r"\d+\s*(?:个工作日|工作日|日|天|周|个月|月|年)|\d{4}年\d{1,2}月\d{1,2}日")
COUNT = re.compile(r"\d+[—\-~～]?\d*\s*(?:个|家|项|名|人|所)")
QUANTITY = re.compile(r"\d|[一二三四五六七八九十两]+(?:个工作日|日|天|个月|年)|百分之")
