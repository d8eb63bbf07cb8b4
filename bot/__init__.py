"""articlebot: the answering core and its front ends (CLI, terminal chat, Discord)."""
