"""The model table: bundled facts, lookups, the user file, registrations.

Inspect's API (``inspect_ai/model/_model_info.py`` and
``_model_data/model_data.py`` in inspect-ai 0.3.285): ``get_model_info``
returns ``None`` for an unknown model, ``set_model_info`` registers any name,
``set_model_cost`` only a known one (else a ``ValueError``; here
``ConfigError``, a ``ValueError``).
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

import modelkit
from modelkit import (
    ConfigError,
    ModelCost,
    ModelInfo,
    get_model,
    get_model_info,
    set_model_cost,
    set_model_info,
)
from modelkit.info import PRICES_DATE, _table

BUNDLED = json.loads(_table.BUNDLED.read_text(encoding="utf-8"))


def test_the_bundled_facts_read_back_as_model_info() -> None:
    info = get_model_info("anthropic/claude-opus-5")
    assert info is not None
    assert info.organization == "Anthropic" and info.model == "Claude Opus 5"
    assert info.release_date == datetime.date(2026, 7, 24)
    assert info.context_length == info.input_tokens == 1_000_000
    assert info.cost == ModelCost(
        input=5.0, output=25.0, input_cache_write=6.25, input_cache_read=0.5
    )


def test_the_file_date_is_visible() -> None:
    assert PRICES_DATE == BUNDLED["date"]
    datetime.date.fromisoformat(PRICES_DATE)


def test_lookup_by_alias_case_snapshot_bare_name_and_model() -> None:
    haiku = get_model_info("anthropic/claude-haiku-4-5")
    assert haiku is not None
    assert get_model_info("anthropic/claude-haiku-4-5-20251001") is haiku  # alias
    assert get_model_info("Anthropic/Claude-Haiku-4-5") is haiku  # case
    assert get_model_info("anthropic/claude-opus-5-20270101") is get_model_info(
        "anthropic/claude-opus-5"
    )  # a dated snapshot of a listed model
    assert get_model_info("claude-haiku-4-5") is haiku  # bare name, one provider lists it
    assert get_model_info(get_model("anthropic/claude-haiku-4-5", api_key="k")) is haiku
    assert get_model_info("openai/no-such-model") is None
    assert get_model_info("mockllm/model") is None


def test_a_model_without_a_sourced_price_has_no_cost() -> None:
    info = get_model_info("anthropic/claude-haiku-5-5")
    assert info is not None and info.context_length == 1_000_000
    assert info.cost is None


def test_set_model_info_registers_any_name_and_set_model_cost_only_known_ones() -> None:
    with pytest.raises(ConfigError, match="set_model_info"):
        set_model_cost("acme/secret-model", ModelCost(1, 2, 1, 0.5))
    set_model_info("acme/secret-model", ModelInfo(organization="Acme", context_length=8192))
    set_model_cost("acme/secret-model", ModelCost(1, 2, 1, 0.5))
    info = get_model_info("acme/secret-model")
    assert info is not None and info.organization == "Acme" and info.cost is not None
    assert info.cost.output == 2
    set_model_cost("anthropic/claude-opus-5", ModelCost(7, 8, 9, 1))
    opus = get_model_info("anthropic/claude-opus-5")
    assert opus is not None and opus.cost == ModelCost(7, 8, 9, 1)
    assert opus.model == "Claude Opus 5"  # the other facts stay


def test_bad_values_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="input"):
        ModelCost(input=-1, output=1, input_cache_write=1, input_cache_read=1)
    with pytest.raises(ConfigError, match="go together"):
        ModelCost(1, 1, 1, 1, long_prompt_threshold=10)
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        ModelInfo(release_date="last tuesday")
    with pytest.raises(ConfigError, match="ModelInfo is needed"):
        set_model_info("a/b", {"context_length": 1})  # type: ignore[arg-type]


def test_a_user_file_extends_and_overrides_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "prices.json"
    user.write_text(
        json.dumps(
            {
                "models": {
                    "anthropic/claude-opus-5": {
                        "cost": {
                            "input": 1,
                            "output": 2,
                            "input_cache_write": 3,
                            "input_cache_read": 4,
                        }
                    },
                    "vllm/my-llama": {
                        "aliases": ["vllm/llama"],
                        "context_length": 4096,
                        "cost": {
                            "input": 0,
                            "output": 0,
                            "input_cache_write": 0,
                            "input_cache_read": 0,
                        },
                    },
                }
            }
        )
    )
    monkeypatch.setenv("MODELKIT_MODEL_INFO", str(user))
    _table.clear_model_info_cache()
    opus = get_model_info("anthropic/claude-opus-5")
    assert opus is not None and opus.cost == ModelCost(1, 2, 3, 4)
    assert opus.model is None  # an entry replaces the bundled one as a whole
    llama = get_model_info("vllm/llama")
    assert llama is not None and llama.context_length == 4096
    assert get_model_info("anthropic/claude-sonnet-5") is not None  # the rest is kept


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot be read"),
        ('{"models": []}', "'models' object"),
        ('{"models": {"nokey": {}}}', "provider/model"),
        ('{"models": {"a/b": {"context_lenght": 3}}}', "context_lenght"),
        ('{"models": {"a/b": {"cost": {"input": 1}}}}', "a/b"),
        ('{"batch_discounts": {"a": 2}}', "between 0 and 1"),
    ],
)
def test_a_malformed_user_file_names_itself_and_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, message: str
) -> None:
    user = tmp_path / "bad.json"
    user.write_text(content)
    monkeypatch.setenv("MODELKIT_MODEL_INFO", str(user))
    _table.clear_model_info_cache()
    with pytest.raises(ConfigError, match=message) as caught:
        get_model_info("anthropic/claude-opus-5")
    assert "bad.json" in str(caught.value)


def test_import_modelkit_reads_no_table_and_loads_no_info_module() -> None:
    code = (
        "import sys, modelkit; "
        "assert not [m for m in sys.modules if m.startswith('modelkit.info')]; "
        "from modelkit.info import _table; assert _table._table is None; "
        "modelkit.ModelUsage(); assert _table._table is None; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_public_names_are_exported() -> None:
    for name in (
        "ModelInfo",
        "ModelCost",
        "get_model_info",
        "set_model_info",
        "set_model_cost",
        "compute_model_cost",
    ):
        assert name in modelkit.__all__


def test_every_built_in_provider_is_listed_with_its_price_page_or_as_local() -> None:
    from modelkit.api import BUILTIN_PROVIDERS

    providers = BUNDLED["providers"]
    assert set(BUILTIN_PROVIDERS) <= set(providers)
    local = {name for name, entry in providers.items() if entry.get("local")}
    assert {"vllm", "llama-cpp-python", "ollama"} <= local
    for name, entry in providers.items():
        if name not in local:
            assert entry["pricing"].startswith("https://") and entry["domains"], name
    listed = {key.split("/", 1)[0] for key in BUNDLED["models"]}
    assert listed <= set(providers) - local  # a server you run has no price in the file
    assert get_model_info("vllm/meta-llama/Llama-3.3-70B-Instruct") is None


def test_the_current_models_of_the_priced_providers_read_back() -> None:
    # Each as its provider's own page states it (the source beside each entry).
    fable = get_model_info("anthropic/claude-fable-5-1")
    assert fable is not None and fable.cost == ModelCost(10.0, 50.0, 12.5, 0.25)
    assert fable.knowledge_cutoff_date == datetime.date(2026, 6, 1)
    grok = get_model_info("grok/grok-4.3-latest")
    assert grok is get_model_info("grok/grok-4.3") and grok is not None and grok.cost is not None
    assert grok.reasoning_effort_default == "low" and grok.context_length == 1_000_000
    assert grok.cost.long_prompt == ModelCost(2.5, 5.0, 2.5, 0.4)
    gpt_oss = get_model_info("groq/openai/gpt-oss-120b")
    assert gpt_oss is not None and gpt_oss.cost == ModelCost(0.15, 0.6, 0.15, 0.075)
    assert gpt_oss.output_tokens == 65_536
    kimi = get_model_info("fireworks/accounts/fireworks/models/kimi-k2p6")
    assert kimi is not None and kimi.cost == ModelCost(0.95, 4.0, 0.95, 0.16)
    assert _table.batch_discount("fireworks") == 0.5 and _table.batch_discount("groq") == 0.0
    newest = get_model_info("grok/grok-4.7")  # listed with its facts; its page has no cached price
    assert newest is not None and newest.cost is None and newest.context_length == 500_000


def test_mistral_and_the_newest_openai_models_read_back_from_their_pages() -> None:
    # docs.mistral.ai pricing and model pages (read from Mistral's docs repository):
    # cached prompt tokens at 10% of input; Large 4 lists its cached price itself.
    medium = get_model_info("mistral/mistral-medium-3")
    assert medium is get_model_info("mistral/mistral-medium-3-5") and medium is not None
    assert medium.cost == ModelCost(1.5, 7.5, 1.5, 0.15)
    large = get_model_info("mistral/mistral-large-4-0")
    assert large is not None and large.cost == ModelCost(0.68, 2.09, 0.68, 0.07)
    assert large.context_length == 1_000_000 and large.release_date == datetime.date(2026, 10, 6)
    # a moving '-latest' name is not priced (the stored page predates Large 4)
    assert get_model_info("mistral/mistral-large-latest") is None
    assert _table.batch_discount("mistral") == 0.5
    sol = get_model_info("openai/gpt-6.2-sol")
    assert sol is not None and sol.cost is not None
    assert sol.cost.long_prompt == ModelCost(4.0, 15.0, 5.0, 0.2)
    assert sol.knowledge_cutoff_date == datetime.date(2026, 6, 1)
    luna = get_model_info("openai/gpt-6-luna")
    assert luna is not None and luna.cost is not None
    assert (luna.cost.input, luna.cost.input_cache_write, luna.cost.output) == (0.1, 0.125, 0.5)


def test_every_bundled_entry_parses_and_a_lookup_parses_only_its_own() -> None:
    """The bundled entries become ``ModelInfo`` on first lookup (a first call
    prices one model, issue 24): each must parse, and a lookup parses one."""
    for key, entry in BUNDLED["models"].items():
        info, aliases = _table.parse_entry(key, entry, "bundled")
        assert isinstance(info, ModelInfo) and isinstance(aliases, list)
    modelkit.info.clear_model_info_cache()
    table = _table._loaded()
    assert table.models == {} and len(table.pending) == len(BUNDLED["models"])
    key = "anthropic/claude-opus-5"
    assert get_model_info(key) is not None
    assert list(table.models) == [key]
    assert get_model_info("claude-opus-5") is get_model_info(key)  # the bare name too


NO_NETWORK = """
import socket, sys

def refuse(*args, **kwargs):
    raise AssertionError("a price lookup used the network")

socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
import modelkit
from modelkit import ModelCost, ModelInfo, ModelUsage, compute_model_cost, get_model_info

info = get_model_info("openai/gpt-5.1")
assert info is not None and info.cost is not None and info.cost.input > 0
usage = ModelUsage(input_tokens=1_000_000, output_tokens=0, total_tokens=1_000_000)
assert compute_model_cost(info.cost, usage) == info.cost.input
modelkit.set_model_info("mockllm/priced", ModelInfo(cost=ModelCost(1.0, 2.0, 1.0, 0.1)))
output = modelkit.get_model("mockllm/priced").generate("hi")
assert output.usage is not None and output.usage.total_cost, output.usage
fetchers = {"requests", "urllib.request", "http.client", "ssl"}
print(sorted(fetchers & set(sys.modules)))
"""


def test_prices_are_looked_up_and_applied_with_no_network() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
