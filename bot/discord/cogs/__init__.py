"""articlebot's Discord commands and message listener, one extension per module.

Each module (`ask`, `admin`, `conversation`) has a module-level `async def
setup(bot)` and is loaded by name in the bot's `setup_hook`; `common` holds what
they share. The cogs are thin glue: every interaction passes the bot's `gate`
(access, language, guard, acknowledgement), then the work goes to the
`AnswerService`, and answers go out through the `Responder`. No cog imports the
bot module: they use it through the `Host` protocol.
"""
