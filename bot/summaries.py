"""Extractive summaries: the lede plus one sentence per main topic, each cited, translated
when the reader's language is not the article's.

**Which sentences.** A document's sentences, paragraphs and sections are the chunker's
(`retrieval.chunking`, through `bot.sentences`; headings are never sentences of a
summary). The summary is:

1. the **lede**: the first sentence, or the second when it says the same with more
   words (`REPEAT`), as after a teaser line;
2. **one sentence per main topic** of the rest of the article: the paragraphs after the
   lede's are split into runs of consecutive paragraphs, never across a heading, so
   that each run is as alike as it can be (the split that minimises the summed
   distance of each sentence's stored vector to its run's mean, by dynamic
   programming). News and reports move from topic to topic, coming back to the lede's
   subject as they go, so a run is a topic, and runs spread the summary over the whole
   article. Each run gives its most representative sentence, that repeats no chosen
   sentence and leans on no earlier one (`bot.sentences.leans_on_earlier`): the
   closest to the run's mean vector, less `DISTINCT` times its closeness to the
   nearest other run's mean (a sentence that could stand for another run as well says
   less about its own; on the six test articles this chose what was stolen over a
   correction of the count, the alarm's hacking over a witness appeal, a poll over a
   quote). When every sentence of a run leans, the most
   representative is shown after the sentence(s) it leans on (at most `LEAN_CHAIN`
   back, never across a heading), or the run is left out when those lean too, stand in
   another section or do not fit.

Nothing here is tuned to one article: topics come from the vectors, sections from the
headings. The result is in document order.

**How many.** `sentence_budget`: the lede and the topics are ceil(sqrt(n)) sentences
for an article of n sentences, so a summary grows with the article, but ever more
slowly; at least 3, at least one per section (a heading announces a part the summary
should not skip), at most `Settings.summary_sentences` (6 by default), which bounds
every summary, the sentences shown with a leaning one included. So a short article
(up to 9 sentences) gets 3, one of 10-16 sentences 4, a news story of 17-25 sentences
5, anything longer 6. Six is where a summary stops reading as one, and about what one
translation call holds (`translate_max_tokens`, 400 tokens).

**Focus.** With a focus ("what does it say about Kursk"), the `FOCUS_SENTENCES`
sentences closest to the focus (at least `min_score`), each shown with what it leans
on, or left out when that cannot be shown.

**Several documents** share the bound: each gets its own budget, at most its share of
`summary_sentences` (at least its lede, for the first `summary_sentences` documents by id).

Free summaries dropped the article's subject and invented statements; extractive ones
cannot. Summaries are cached per index generation, documents, language and focus, in a
bounded cache.

What this module does not do: answer questions, or write anything but translations.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from bot.request import Request
from bot.results import Answer
from bot.sentences import Sentence, document_sentences, leans_on_earlier
from retrieval.search import Passage, Snapshot

CACHE_SIZE = 64
MIN_SENTENCES = 3
FOCUS_SENTENCES = 3
REPEAT = 0.8  # two sentences this similar (EmbeddingGemma, cosine) say the same thing
DISTINCT = 0.5  # how much closeness to another run's mean counts against a sentence
LEAN_CHAIN = 2  # how far back a leaning sentence may be shown with what it leans on


# -- choosing ------------------------------------------------------------------------------


def sentence_budget(count: int, sections: int, maximum: int) -> int:
    """How many sentences summarise a document of `count` sentences in `sections`
    sections (see the module docstring)."""
    return max(0, min(maximum, count, max(MIN_SENTENCES, math.ceil(math.sqrt(count)), sections)))


def _normalised(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def _lede(candidates: list[int], vectors: np.ndarray, sentences: list[Sentence]) -> int:
    """The first sentence, or the second when it says the same with more words."""
    first = candidates[0]
    if len(candidates) > 1:
        second = candidates[1]
        longer = len(sentences[second].passage.text) > len(sentences[first].passage.text)
        if longer and float(vectors[first] @ vectors[second]) >= REPEAT:
            return second
    return first


def _with_antecedents(i: int, sentences: list[Sentence], lang: str | None) -> list[int] | None:
    """`i` and, when it leans on earlier sentences, those it leans on (in order); None
    when what it leans on is no candidate, stands before a heading, or leans itself
    beyond `LEAN_CHAIN`."""
    shown = [i]
    while leans_on_earlier(sentences[shown[0]].passage.text, lang):
        before = shown[0] - 1
        if (len(shown) > LEAN_CHAIN or before < 0 or not sentences[before].candidate
                or sentences[before].section != sentences[i].section):  # fmt: skip
            return None
        shown.insert(0, before)
    return shown


def segments(sentences: list[Sentence], vectors: np.ndarray, pool: list[int],
             k: int) -> list[list[int]]:  # fmt: skip
    """The sentences of `pool` (indices into `sentences`, in document order) in `k` runs
    of whole consecutive paragraphs, none across a heading (one run per section when
    there are more sections than `k`), each as alike as it can be: the split that
    minimises the summed distance of each sentence to its run's mean vector."""
    paras: list[list[int]] = []
    for i in pool:
        if paras and sentences[paras[-1][0]].paragraph == sentences[i].paragraph:
            paras[-1].append(i)
        else:
            paras.append([i])
    m = len(paras)
    if not m or k <= 0:
        return []
    section = np.array([sentences[p[0]].section for p in paras])
    starts = [a for a in range(m) if a == 0 or section[a] != section[a - 1]]
    if len(starts) >= k:
        bounds = starts + [m]
    else:
        bounds = _best_split(paras, vectors, section, min(k, m))
    return [[i for p in paras[a:b] for i in p] for a, b in zip(bounds, bounds[1:], strict=False)]


def _best_split(paras: list[list[int]], vectors: np.ndarray, section: np.ndarray,
                k: int) -> list[int]:  # fmt: skip
    """The boundaries (0, …, m) of the `k` runs of paragraphs with the least cost, by
    dynamic programming. A run of sentence vectors v costs sum(1 - v·mean) = n - |sum v|."""
    m = len(paras)
    rows = [np.zeros(vectors.shape[1])] + [vectors[p].sum(axis=0) for p in paras]
    sums = np.cumsum(np.vstack(rows), axis=0)
    counts = np.cumsum([0] + [len(p) for p in paras])
    gram = sums @ sums.T
    squared = np.diag(gram)[:, None] - 2 * gram + np.diag(gram)[None, :]
    # cost[a, b]: paragraphs a..b-1 as one run
    cost = counts[None, :] - counts[:, None] - np.sqrt(np.clip(squared, 0, None))
    a, b = np.indices((m + 1, m + 1))
    crosses = section[np.minimum(a, m - 1)] != section[np.clip(b - 1, 0, m - 1)]
    cost[(a >= b) | crosses] = np.inf
    best = np.full((k + 1, m + 1), np.inf)
    cut = np.zeros((k + 1, m + 1), dtype=int)
    best[0, 0] = 0.0
    for j in range(1, k + 1):
        totals = best[j - 1][:, None] + cost  # [a, b]
        cut[j] = np.argmin(totals, axis=0)
        best[j] = totals[cut[j], np.arange(m + 1)]
    bounds = [m]
    for j in range(k, 0, -1):
        bounds.insert(0, int(cut[j, bounds[0]]))
    return bounds


def key_sentences(sentences: list[Sentence], vectors: np.ndarray, maximum: int,
                  lang: str | None) -> list[Sentence]:  # fmt: skip
    """The lede and one sentence per main topic of one document, in document order (see
    the module docstring). `vectors` are the sentences' normalised vectors, one row each."""
    candidates = [i for i, s in enumerate(sentences) if s.candidate]
    if not candidates or maximum <= 0:
        return []
    sections = len({sentences[i].section for i in candidates})
    budget = sentence_budget(len(candidates), sections, maximum)
    lede = _lede(candidates, vectors, sentences)
    chosen = [lede]
    rest = [i for i in candidates if sentences[i].paragraph > sentences[lede].paragraph]
    runs = segments(sentences, vectors, rest, budget - 1)
    if not runs:
        return [sentences[lede]]
    centres = _normalised(np.stack([vectors[run].sum(axis=0) for run in runs]))
    for r, run in enumerate(runs):
        near = vectors[run] @ centres.T  # each sentence's closeness to each run's mean
        elsewhere = np.delete(near, r, axis=1).max(axis=1, initial=0.0)
        score = near[:, r] - DISTINCT * elsewhere
        ranked = [run[j] for j in sorted(range(len(run)), key=lambda j: (-score[j], run[j]))]
        fresh = [i for i in ranked if all(float(vectors[i] @ vectors[j]) < REPEAT for j in chosen)]
        alone = [[i] for i in fresh if not leans_on_earlier(sentences[i].passage.text, lang)]
        leaning = [shown for i in fresh if (shown := _with_antecedents(i, sentences, lang))]
        added = [i for i in (alone or leaning or [[]])[0] if i not in chosen]
        if added and len(chosen) + len(added) <= maximum:
            chosen.extend(added)
    return [sentences[i] for i in sorted(chosen)]


def focus_sentences(hits: list[Passage], structure: Callable[[str], list[Sentence]], n: int,
                    maximum: int, lang_of: Callable[[str], str | None]) -> list[Sentence]:  # fmt: skip
    """The first `n` sentences of `hits` (ranked), each with what it leans on."""
    chosen: dict[tuple[str, int], Sentence] = {}
    picked = 0
    for hit in hits:
        if picked >= n:
            break
        sentences = structure(hit.doc_id)
        here = next((s for s in sentences if s.passage.start <= hit.start < s.passage.end), None)
        if here is None or not here.candidate or (hit.doc_id, here.position) in chosen:
            continue
        shown = _with_antecedents(here.position, sentences, lang_of(hit.doc_id))
        if shown is None:
            continue
        added = [i for i in shown if (hit.doc_id, i) not in chosen]
        if len(chosen) + len(added) > maximum:
            continue
        chosen.update({(hit.doc_id, i): sentences[i] for i in added})
        picked += 1
    return [chosen[key] for key in sorted(chosen)]


def summary_passages(view: Snapshot, *, focus: str | None, doc_ids: list[str] | None,
                     maximum: int, min_score: float,
                     withheld: Callable[[Passage], bool]) -> list[Passage]:  # fmt: skip
    """The sentences a summary is made of, in document order."""
    ids = [d for d in view.doc_ids() if not doc_ids or d in doc_ids]
    structures: dict[str, list[Sentence]] = {}

    def structure(doc_id: str) -> list[Sentence]:
        if doc_id not in structures:
            document = view.document(doc_id)
            passages = view.all_passages([doc_id])
            found = document_sentences(document, passages, withheld) if document else []
            structures[doc_id] = found
        return structures[doc_id]

    if focus:
        n = min(FOCUS_SENTENCES, maximum)
        hits = view.search(focus, n + 4, doc_ids=doc_ids)
        hits = [p for p in hits if p.score >= min_score and not withheld(p)]
        return [s.passage for s in focus_sentences(hits, structure, n, maximum, view.language_of)]
    out: list[Passage] = []
    share = max(1, maximum // max(1, len(ids)))
    for doc_id in sorted(ids)[:maximum]:
        sentences = structure(doc_id)
        if not sentences:
            continue
        parts = [p for s in sentences for p in s.parts]
        rows = view.vectors(parts)
        sums, row = [], 0
        for s in sentences:
            sums.append(rows[row : row + len(s.parts)].sum(axis=0))
            row += len(s.parts)
        vectors = _normalised(np.stack(sums))
        chosen = key_sentences(sentences, vectors, share, view.language_of(doc_id))
        out.extend(s.passage for s in chosen)
    return out


# -- the answer ----------------------------------------------------------------------------


class SummaryCache:
    """Finished summaries by (generation, documents, language, focus); the oldest go first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple, answer: Answer) -> None:
        with self._lock:
            self._items[key] = answer
            while len(self._items) > self.size:  # focus texts are free-form
                self._items.popitem(last=False)


def summary_answer(request: Request, passages: list[Passage], writer) -> Answer:
    """The summary of `passages`: each sentence with its marker (and a labelled translation).
    A sentence of a hard-wrapped paragraph is shown on one line; its citation keeps the
    document's own text."""
    label = writer.message("translation_label", request.language)
    body, generation = writer.translator.passage_text(passages, request.language,
                                                      request.language_of, request.on_text, label)  # fmt: skip
    return Answer.cited(
        question=request.question, language=request.language, text=body, mode="summary",
        truncated=bool(generation and generation.truncated),
        citations=writer.citations(request, range(1, len(passages) + 1), passages),
        passages=passages, generation=generation,
    )  # fmt: skip
