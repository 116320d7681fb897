"""What policybot covers, and the names of places outside it.

The corpus is national law plus Beijing, Changping, Zhongguancun and the Life Science Park. A question about a
place the corpus never mentions (深圳, Shenzhen, Germany) is probably about somewhere else. Chinese place names
are found by jieba's part of speech (ns); English ones by this list, a class of words (provinces, major cities,
countries and regions, other jurisdictions' regulators: FDA, EMA), not the wording of any question.
"""

from __future__ import annotations

_CHINA = """anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang henan hubei hunan
jiangsu jiangxi jilin liaoning ningxia qinghai shaanxi shandong shanghai shanxi sichuan tianjin tibet xinjiang
yunnan zhejiang hong kong macau macao taiwan inner mongolia shenzhen guangzhou hangzhou suzhou nanjing wuhan chengdu
xiamen qingdao dalian ningbo wuxi changsha zhengzhou xian hefei jinan shenyang harbin kunming fuzhou dongguan foshan
zhuhai haikou sanya lanzhou nanning guiyang urumqi lhasa hohhot taiyuan shijiazhuang changchun nanchang zhangjiang
pudong lingang qianhai hengqin xiongan haidian yizhuang daxing chaoyang shunyi tongzhou fengtai dongcheng xicheng"""
_WORLD = """america usa states canada mexico brazil argentina chile peru colombia britain england scotland ireland wales
france germany italy spain portugal netherlands holland belgium switzerland austria sweden norway denmark finland
poland russia ukraine turkey greece israel egypt africa nigeria kenya india pakistan bangladesh japan korea
vietnam thailand malaysia singapore indonesia philippines australia zealand europe asia emirates dubai saudi arabia
qatar iran iraq kazakhstan mongolia cambodia laos myanmar california texas york london paris berlin tokyo seoul
boston munich frankfurt geneva zurich basel toronto sydney melbourne"""
# Other jurisdictions' regulators and the abbreviations of other jurisdictions, written in capitals (US, not "us").
_ELSEWHERE = """fda ema pmda mhra tga hsa anvisa usfda"""
JURISDICTION_ABBREVIATIONS = frozenset({"US", "USA", "EU", "UK"})
PLACE_NAMES = frozenset((_CHINA + " " + _WORLD + " " + _ELSEWHERE).split())
