import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("ARTICLEBOT_ANSWER_STYLE")
    s = Settings()
    assert s.data_dir == tmp_path / ".local/share/articlebot"
    assert s.models_dir == tmp_path / ".cache/articlebot/models"
    assert (s.llm_model, s.embed_model) == ("qwen2.5-coder-1.5b-instruct-q4_k_m", "embeddinggemma-300m")
    assert (s.llm_url, s.chroma_url, s.answer_style, s.top_k) == (None, None, "extract", 3)
    assert (Settings(answer_style="write").top_k, Settings(top_k=2).top_k) == (1, 2)
    assert s.discord.allowed_guilds == [] and s.discord.allow_dms is True


def test_toml_then_environment_then_arguments(monkeypatch, tmp_path):
    config = tmp_path / "articlebot.toml"
    config.write_text(
        'top_k = 3\nmax_tokens = 99\n[discord]\nallowed_guilds = [1, 2]\nthreads = true\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ARTICLEBOT_CONFIG", str(config))
    monkeypatch.setenv("ARTICLEBOT_MAX_TOKENS", "120")
    monkeypatch.setenv("ARTICLEBOT_DISCORD__ALLOW_DMS", "false")
    s = Settings(temperature=0.5)
    assert (s.top_k, s.max_tokens, s.temperature) == (3, 120, 0.5)
    assert (s.discord.allowed_guilds, s.discord.threads, s.discord.allow_dms) == ([1, 2], True, False)


def test_local_articlebot_toml_is_read(tmp_path, monkeypatch):
    (tmp_path / "articlebot.toml").write_text('llm_url = "http://127.0.0.1:8080/v1"\n')
    monkeypatch.chdir(tmp_path)
    assert Settings().llm_url == "http://127.0.0.1:8080/v1"


@pytest.mark.parametrize(("key", "value"), [("TOP_K", "0"), ("MIN_SCORE", "2"), ("N_CTX", "10")])
def test_bounds_are_enforced(monkeypatch, key, value):
    monkeypatch.setenv(f"ARTICLEBOT_{key}", value)
    with pytest.raises(ValidationError):
        Settings()


def test_public_view_hides_the_api_key():
    assert Settings(llm_api_key="secret").public_dict()["llm_api_key"] == "***"


def test_the_discord_token_is_not_a_setting(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "x" * 59)
    monkeypatch.setenv("ARTICLEBOT_DISCORD_TOKEN", "y" * 59)
    dumped = str(Settings().model_dump())
    assert "x" * 59 not in dumped and "y" * 59 not in dumped


def test_default_rules_are_known_rules_in_their_order():
    from bot.rules import RULE_NAMES

    default = Settings().rules
    assert default == [name for name in RULE_NAMES if name in default]


def test_a_rule_listed_twice_or_unknown_is_refused():
    from bot.rules import RULES, RuleSet

    with pytest.raises(ValidationError, match="listed twice"):
        Settings(rules=["decline_far", "decline_far"])
    with pytest.raises(ValueError, match="unknown rules decline_everything"):
        RuleSet(RULES, ["decline_far", "decline_everything"])
