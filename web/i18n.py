"""Interface labels of the public chat in Chinese and English (answers carry their own language)."""

from __future__ import annotations

LANGS = ("zh", "en")

# key -> (Chinese, English)
LABELS: dict[str, tuple[str, str]] = {
    "title": ("中关村生命科学园政策问答", "Zhongguancun Life Science Park · Policy Q&A"),
    "title_short": ("园区政策问答", "Park Policy Q&A"),  # the one-line header of a phone
    "subtitle": (
        "查询园区及相关法律法规的政策条款，每个回答都注明出处。",
        "Ask about the park's policies and the laws behind them; every answer cites its clause.",
    ),
    "disclaimer": (
        "回答引用政策文件原文并注明条款出处；英文为非官方译文，以中文原文为准。本服务不构成法律意见，具体以主管部门解释为准。",
        "Answers quote and cite the official texts. English renderings are unofficial translations; "
        "the Chinese original prevails. This is not legal advice; the issuing authority's interpretation is final.",
    ),
    "placeholder": (
        "请输入您的问题，例如：外资研发中心有什么资金支持？",
        "Type your question, e.g. Is there funding for a multinational R&D centre?",
    ),
    "chat_placeholder": (
        "您好！我可以回答中关村生命科学园相关政策问题，并给出条款出处。可以用中文或英文提问。",
        "Hello! I answer questions about Zhongguancun Life Science Park policies and cite the clauses. "
        "Ask in English or Chinese.",
    ),
    "ask": ("提问", "Ask"),
    "copy": ("复制回答", "Copy answer"),
    "copy_all": ("复制全部对话", "Copy conversation"),
    "copied": ("已复制", "Copied"),
    "clear_chat": ("清除对话", "Clear conversation"),
    "stored_note": (
        "对话只保存在您的浏览器中，刷新页面后仍在；点“清除对话”即删除。",
        "The conversation is kept in this browser only and survives a reload; “Clear conversation” deletes it.",
    ),
    "suggest_title": ("您可能还想问：", "You may also ask:"),
    "copy_one": ("复制", "Copy"),
    "print": ("打印", "Print"),
    "save": ("下载", "Save"),
    "asked": ("问题：", "Question: "),
    "status": ("状态：", "Status: "),
    "related": ("可能相关的条款（点击查看原文）：", "Possibly related clauses (open to read them):"),
    "official_text": ("官方原文", "Official text"),
    "examples_enterprise": ("企业常问", "Enterprises ask"),
    "examples_investor": ("外资企业 · Foreign investors", "Foreign investors"),
    "examples_hotline": ("热线坐席", "Hotline staff"),
    "feedback_prompt": (
        "感谢反馈！还有什么想补充的吗？（可选）",
        "Thanks for the feedback! Anything to add? (optional)",
    ),
    "feedback_send": ("提交", "Send"),
    "feedback_thanks": ("已记录，谢谢！", "Recorded, thank you!"),
    "declined_title": ("政策文件中未找到答案", "Not covered by the policy documents"),
    "show_clause": ("查看条款原文", "Show the clause text"),
    "chinese_original": ("中文原文", "Chinese original"),
    "english_rendering": ("英文译文（非官方）", "English (unofficial translation)"),
    "prevails": ("英文为非官方译文，以中文原文为准。", "Unofficial translation; the Chinese original prevails."),
    "doc_number": ("文号", "No."),
    "no_number": ("无文号", "no document number"),
    "issued": ("印发", "issued"),
    "valid_until": ("有效期至", "valid until"),
    "clause": ("条款", "Clause"),
    "error": (
        "抱歉，系统出错了，请稍后再试。Sorry, something went wrong; please try again.",
        "Sorry, something went wrong; please try again. 抱歉，系统出错了，请稍后再试。",
    ),
    "thinking": ("正在查找相关条款…", "Looking up the clauses…"),
}

# Short badge text per document status; bot.render.status_text has the long forms.
BADGES: dict[str, tuple[str, str]] = {
    "in_force": ("现行有效", "In force"),
    "draft_for_comments": ("征求意见稿", "Draft for comments"),
    "informational": ("介绍材料", "Informational"),
    "expired": ("已过有效期", "Expired"),
    "repealed": ("已废止", "Repealed"),
    "superseded": ("已被取代", "Superseded"),
}


def t(key: str, lang: str) -> str:
    """The label in the interface language; a missing key fails loudly (KeyError)."""
    zh, en = LABELS[key]
    return en if lang == "en" else zh


def badge(status: str, lang: str) -> str:
    zh, en = BADGES.get(status, (status, status))
    return en if lang == "en" else zh


def pick_lang(preference: str, default: str = "zh") -> str:
    """'en-US' -> 'en', 'zh-CN' -> 'zh'; another language gets English, an empty one the default."""
    preference = (preference or "").strip().lower()
    if not preference:
        return default
    return "zh" if preference.startswith("zh") else "en"
