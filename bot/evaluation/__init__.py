"""`articlebot eval`: question sets over their documents, scored and reported.

`cases` reads sets, `scoring` scores one answer, `runner` runs a set over a temporary
index, `faithfulness` holds the verdicts on answers, `report` makes the figures.
"""

from bot.evaluation.cases import Case, QuestionSet, gold_spans, load_cases, load_set
from bot.evaluation.faithfulness import Verdicts, answer_hash
from bot.evaluation.report import report, text_report
from bot.evaluation.runner import Evaluator, Result
from bot.evaluation.scoring import Score, holds_answer, normalise, score

__all__ = [
    "Case", "Evaluator", "QuestionSet", "Result", "Score", "Verdicts", "answer_hash",
    "gold_spans", "holds_answer", "load_cases", "load_set", "normalise", "report", "score",
    "text_report",
]  # fmt: skip
