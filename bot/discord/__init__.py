"""articlebot in Discord: the only package of articlebot that imports discord.

A thin front end over the `AnswerService`. Its modules, lower ones first (a
module imports only modules above it in this list):

- `format`: what messages look like, within Discord's limits (sends nothing);
- `targets`: where a reply goes; `access`: the allow-lists and admins;
  `errors`: the one error handler;
- `streaming`: throttled edits; `memory`: the exchanges behind answers;
- `gate`: the common opening of every interaction (access, language, guard, defer);
- `responder`: one answer from place in line to final pages, the translate button;
- `translations`: the commands' German localisations;
- `cogs`: the `ask`, `admin` and `conversation` extensions, loaded by name;
- `bot`: the `commands.Bot` subclass; `run`: token, start and stop, the one module
  that knows `App`.

Importing the package imports nothing else.
"""
