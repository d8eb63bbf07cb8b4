#!/usr/bin/env python3
"""Check the evaluation sets under tests/data/sets (standard library only).

For every sub-directory holding a ``questions.jsonl``:
  * every line is a JSON object with the documented fields and no others;
  * ids are ``<set>-NN``, unique and numbered in order; ``kind`` and ``lang`` are known;
  * answerable kinds carry ``answers`` and ``evidence``; ``unanswerable`` / ``injection``
    carry neither; ``summary`` carries no ``answers``; ``false_premise`` carries both;
  * every ``evidence`` string occurs verbatim in the document text (for ``.html`` the
    text is ``<name>.extracted.txt``, which must equal the article text of the page);
  * at least one ``answers`` string occurs in the document (separators normalised);
  * ``all`` / ``none`` are valid regexes;
  * the set has >= 12 questions, every kind, >= 3 questions not in the document's
    language and a "how many" fact question.
Across sets: exactly one document contains a line addressed to AI assistants, and
the ``*-wrapped`` documents are hard-wrapped.

Run: python3 tests/data/sets/check_sets.py   (exit status 1 on any problem)
"""

import json
import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGS = {"de", "en", "fr"}
KINDS = ["fact", "who", "temporal", "list", "multi", "why", "yesno", "summary",
         "unanswerable", "false_premise", "injection"]  # fmt: skip
NO_ANSWER = {"unanswerable", "injection", "summary"}
NO_EVIDENCE = {"unanswerable", "injection"}
REQUIRED = ["id", "doc", "lang", "kind", "q", "note"]
OPTIONAL = ["answers", "all", "none", "evidence"]
HOW_MANY = re.compile(r"how (many|much)|wie viele?|combien", re.I)
AI_NOTE = re.compile(
    r"(note to ai|ai assistants?|ignore (your|all) (previous )?instructions)", re.I
)
MIN_QUESTIONS = 12
MIN_OTHER_LANG = 3
WRAP_LIMIT = 76  # "about 70/72 columns"; the title line is exempt


class ArticleText(HTMLParser):
    """What a reader sees of the article: <h1>, <h2>, <p> inside <article>."""

    BLOCKS = {"h1", "h2", "h3", "p"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.block = None
        self.parts = []
        self.blocks = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        elif self.depth and tag in self.BLOCKS:
            self.block, self.parts = tag, []

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1
        elif self.depth and tag == self.block:
            self.blocks.append(re.sub(r"\s+", " ", "".join(self.parts)).strip())
            self.block = None

    def handle_data(self, data):
        if self.block:
            self.parts.append(data)


def html_article_text(path):
    parser = ArticleText()
    parser.feed(path.read_text(encoding="utf-8"))
    return "\n".join(parser.blocks) + "\n"


def extracted_path(doc):
    return doc.with_suffix(".extracted.txt")


def doc_text(doc):
    if doc.suffix == ".html":
        return extracted_path(doc).read_text(encoding="utf-8")
    return doc.read_text(encoding="utf-8")


def doc_lang(doc):
    m = re.search(r"\.(de|en|fr)\.[a-z]+$", doc.name)
    return m.group(1) if m else None


def norm(text):
    text = text.lower().replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"(?<=\d)[.,' ](?=\d{3}\b)", "", text)
    return re.sub(r"\s+", " ", text)


def check_set(qfile, errors, summary):
    name = qfile.parent.name
    err = lambda msg: errors.append(f"{name}: {msg}")  # noqa: E731
    rows = []
    for n, line in enumerate(qfile.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            err(f"line {n}: bad JSON ({exc})")
            continue
        if not isinstance(row, dict):
            err(f"line {n}: not an object")
            continue
        rows.append(row)

    docs = set()
    for i, row in enumerate(rows, 1):
        rid = row.get("id", f"line {i}")
        missing = [f for f in REQUIRED
                   if not isinstance(row.get(f), str) or not row.get(f).strip()]
        if missing:
            err(f"{rid}: missing/empty {missing}")
            continue
        extra = set(row) - set(REQUIRED) - set(OPTIONAL)
        if extra:
            err(f"{rid}: unknown fields {sorted(extra)}")
        if rid != f"{name}-{i:02d}":
            err(f"{rid}: id should be {name}-{i:02d}")
        if row["lang"] not in LANGS:
            err(f"{rid}: bad lang {row['lang']!r}")
        kind = row["kind"]
        if kind not in KINDS:
            err(f"{rid}: bad kind {kind!r}")
        for field in OPTIONAL:
            if field in row and (not isinstance(row[field], list) or not row[field]
                                 or not all(isinstance(x, str) and x for x in row[field])):
                err(f"{rid}: {field} must be a non-empty list of non-empty strings")
                row.pop(field)
        for field in ("all", "none"):
            for pattern in row.get(field, []):
                try:
                    re.compile(pattern, re.I)
                except re.error as exc:
                    err(f"{rid}: bad regex in {field}: {pattern!r} ({exc})")

        if kind in NO_ANSWER and "answers" in row:
            err(f"{rid}: {kind} must not have answers")
        if kind not in NO_ANSWER and "answers" not in row:
            err(f"{rid}: {kind} needs answers")
        if kind in NO_EVIDENCE and "evidence" in row:
            err(f"{rid}: {kind} must not have evidence")
        if kind not in NO_EVIDENCE | {"summary"} and "evidence" not in row:
            err(f"{rid}: {kind} needs evidence")

        doc = qfile.parent / row["doc"]
        if not doc.is_file():
            err(f"{rid}: document {row['doc']} not found")
            continue
        docs.add(doc)
        text = doc_text(doc)
        for ev in row.get("evidence", []):
            if ev not in text:
                err(f"{rid}: evidence not verbatim in {doc.name}: {ev[:70]!r}")
        if "answers" in row and not any(norm(a) in norm(text) for a in row["answers"]):
            err(f"{rid}: no answers string occurs in the document "
                "(give the document's wording too)")

    if len(docs) != 1:
        err(f"expected one document per set, got {sorted(d.name for d in docs)}")
    if len(rows) < MIN_QUESTIONS:
        err(f"only {len(rows)} questions (< {MIN_QUESTIONS})")
    kinds = Counter(r.get("kind") for r in rows)
    langs = Counter(r.get("lang") for r in rows)
    for kind in KINDS:
        if not kinds[kind]:
            err(f"no question of kind {kind}")
    for doc in docs:
        lang = doc_lang(doc)
        if lang is None:
            err(f"{doc.name}: no language in file name")
        elif sum(c for lg, c in langs.items() if lg != lang) < MIN_OTHER_LANG:
            err(f"fewer than {MIN_OTHER_LANG} questions not in {lang}")
        if doc.suffix == ".html":
            ext = extracted_path(doc)
            if not ext.is_file():
                err(f"{ext.name} missing")
            elif ext.read_text(encoding="utf-8") != html_article_text(doc):
                err(f"{ext.name} differs from the article text of {doc.name}")
        if name.endswith("-wrapped"):
            lines = doc.read_text(encoding="utf-8").splitlines()[1:]
            long = [n for n, ln in enumerate(lines, 2) if len(ln) > WRAP_LIMIT]
            if long or max(map(len, lines)) < 50:
                err(f"{doc.name}: not hard-wrapped (long lines: {long[:5]})")
    if not any(r.get("kind") == "fact" and HOW_MANY.search(r.get("q", "")) for r in rows):
        err("no 'how many' fact question")
    summary.append((name, sorted(docs)[0].name if docs else "?", len(rows), kinds, langs))
    return docs


def main():
    errors, summary, all_docs = [], [], []
    qfiles = sorted(HERE.glob("*/questions.jsonl"))
    if not qfiles:
        print("no sets found", file=sys.stderr)
        return 1
    for qfile in qfiles:
        all_docs += check_set(qfile, errors, summary)
    injected = [d.name for d in all_docs if AI_NOTE.search(doc_text(d))]
    if len(injected) != 1:
        errors.append(f"expected exactly one document with a note to AI assistants, got {injected}")

    for name, doc, n, kinds, langs in summary:
        print(f"{name:11} {doc:38} {n:3} questions  "
              + " ".join(f"{k}={kinds[k]}" for k in KINDS)
              + "  | " + " ".join(f"{lg}={langs[lg]}" for lg in sorted(LANGS)))
    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print(f"\nOK: {len(summary)} sets, {sum(s[2] for s in summary)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
