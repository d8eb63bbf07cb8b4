"""`articlebot chat`: the same conversation as in Discord, in the terminal.

Answers stream as they are generated; earlier turns are the conversation's
memory, so follow-ups work as in a Discord reply chain. Commands: /summary
[lang] [focus], /quote TEXT, /sources, /help, /quit.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.results import Answer, Turn
from bot.errors import USER_ERRORS
from bot.lexicon import SUPPORTED

HELP = """Ask a question about the article in German, English or French.
Commands:
  /summary [de|en|fr|es|it] [focus]   summarise (everything, or what it says about focus)
  /quote TEXT                         the best passages verbatim, instantly (no model)
  /sources                            the ingested documents
  /new                                forget the conversation so far
  /help, /quit"""


def run_chat(app, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    # The streams are looked up per call, not bound at import: a caller (or a test
    # runner) may have replaced sys.stdin/sys.stdout since.
    stdin = stdin or sys.stdin
    answerer = app.answerer
    history: list[Turn] = []
    out = stdout or sys.stdout
    out.write("articlebot: ask about the article (/help for commands, /quit to leave).\n")
    out.flush()
    while True:
        out.write("\n> ")
        out.flush()
        line = stdin.readline()
        if not line:  # end of input
            out.write("\n")
            return
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "/q"):
            return
        try:
            if text == "/help":
                out.write(HELP + "\n")
            elif text == "/new":
                history.clear()
                out.write("(new conversation)\n")
            elif text == "/sources":
                for d in app.store.documents():
                    out.write(f"{d.doc_id}  {d.title}\n")
            elif text.startswith("/quote"):
                for i, hit in enumerate(answerer.quote(text[len("/quote"):]), 1):
                    out.write(f"[{i}] “{hit.quote}” ({hit.doc_id}, {hit.score:.2f})\n")
            elif text.startswith("/summary"):
                words = text.split()[1:]
                lang = words.pop(0) if words and words[0] in SUPPORTED else None
                focus = " ".join(words) or None
                answer = _streamed(out, lambda cb: answerer.summarize(
                    language=lang, focus=focus, on_text=cb))  # fmt: skip
                _show_quotes(out, answer)
            else:
                answer = _streamed(out, lambda cb: answerer.ask(text, history=history, on_text=cb))
                _show_quotes(out, answer)
                if answer.answered:
                    history.append(Turn(answer.question, answer.answer))
                    del history[:-4]
        except USER_ERRORS as exc:
            out.write(f"error: {exc}\n")
        out.flush()


def _streamed(out: TextIO, call) -> Answer:
    shown = ""

    def on_text(text: str) -> None:
        nonlocal shown
        if text.startswith(shown):
            out.write(text[len(shown):])
            out.flush()
            shown = text

    answer = call(on_text)
    if answer.answer != shown:
        if shown and answer.answer.startswith(shown):
            out.write(answer.answer[len(shown):])
        elif shown:  # a check replaced what was streamed: say so, on its own line
            out.write(f"\n↳ {answer.answer}")
        else:
            out.write(answer.answer)
    out.write("\n")
    return answer


def _show_quotes(out: TextIO, answer: Answer) -> None:
    for c in answer.citations:
        out.write(f"  [{c.n}] “{c.quote}” ({c.title[:40]}, line {c.line})\n")
