"""Answer or decline: the answerability model's calibrated probability against its held-out threshold.

The reason a person is given says what was missing: a place outside what policybot covers, a figure no clause
states, or simply no clause that answers the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.answerability import AnswerabilityModel, Assessment
from bot.retrieve import Retrieval

# Reason codes in the answer contract (`decline_reason`); empty when the bot answers.
OUT_OF_SCOPE, FIGURE_NOT_STATED, NOT_COVERED = "out_of_scope", "figure_not_stated", "not_covered"
IN_ANOTHER_DOCUMENT = "in_another_document"  # not covered, and the best clauses name the document that covers it
REASONS = {
    "zh": {
        OUT_OF_SCOPE: "policybot 收录的是国家法律法规和北京市、昌平区、中关村及生命科学园的政策，不包括{places}的政策。",
        FIGURE_NOT_STATED: "现有文件没有写明所问的{figures}。",
    },
    "en": {
        OUT_OF_SCOPE: "policybot covers national laws and the policies of Beijing, Changping, Zhongguancun and the "
        "Life Science Park, not those of {places}.",
        FIGURE_NOT_STATED: "The documents do not state the {figures} asked for.",
    },
}
_FIGURE_NAMES_ZH = {
    "a sum of money": "金额",
    "a figure": "数额",
    "a rate or share": "比例或税率",
    "a sum per month or year": "每月或每年的金额",
    "a number of days": "期限",
    "a distance": "距离",
}


@dataclass(frozen=True)
class Decision:
    declined: bool
    confidence: float  # calibrated probability that the retrieved clauses answer the question
    reason: str  # a code from REASONS, empty when answered
    threshold: float
    assessment: Assessment

    def drivers(self, model: AnswerabilityModel) -> str:
        """What moved the probability most ("coverage +1.20, missing_quantity -2.98"), for the staff console."""
        return ", ".join(f"{name} {part:+.2f}" for name, part in self.assessment.drivers(model))

    def explain(self, lang: str) -> str:
        """The plain reason for a decline beyond "no clause answers it", in the asker's language ("" when none)."""
        if self.reason not in (OUT_OF_SCOPE, FIGURE_NOT_STATED):
            return ""
        if self.reason == OUT_OF_SCOPE:
            places = (
                "、".join(self.assessment.unknown_places) if lang == "zh" else ", ".join(self.assessment.unknown_places)
            )
            return REASONS[lang][OUT_OF_SCOPE].format(places=places)
        else:
            names = self.assessment.missing
            figures = "、".join(_FIGURE_NAMES_ZH.get(n, n) for n in names) if lang == "zh" else " or ".join(names)
        return REASONS[lang][FIGURE_NOT_STATED].format(figures=figures)


def decide(model: AnswerabilityModel, retrieval: Retrieval, full_text: Callable[[str], str]) -> Decision:
    assessment = model.assess(retrieval, full_text)
    threshold = model.threshold(retrieval.query.lang)
    question = retrieval.query.question
    # The number, issuer, dates and status of a document the question names are in the catalogue: always answered.
    catalogue_answers = question.asks_for("document_facts") and bool(question.named_documents)
    if assessment.probability >= threshold or catalogue_answers:
        return Decision(False, assessment.probability, "", threshold, assessment)
    reason = NOT_COVERED
    if assessment.unknown_places:
        reason = OUT_OF_SCOPE
    elif assessment.missing:
        reason = FIGURE_NOT_STATED
    return Decision(True, assessment.probability, reason, threshold, assessment)
