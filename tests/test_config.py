"""GenerateConfig: defaults, validation errors that name the field, and merge semantics."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelkit import ConfigError, GenerateConfig
from modelkit.config import FIELDS

INSPECT_0_3_285_FIELDS = (
    "max_retries timeout attempt_timeout stream_idle_timeout max_connections "
    "adaptive_connections system_message max_tokens top_p temperature stop_seqs best_of "
    "frequency_penalty presence_penalty logit_bias seed top_k num_choices logprobs "
    "top_logprobs prompt_logprobs parallel_tool_calls internal_tools max_tool_output "
    "cache_prompt fallback_models fail_on_refusal verbosity effort reasoning_effort "
    "reasoning_mode reasoning_tokens reasoning_summary reasoning_history response_schema "
    "extra_headers extra_body modalities cache batch"
).split()
"""``list(inspect_ai.model.GenerateConfig.model_fields)`` in Inspect 0.3.285."""

OTHER_ISSUES = {"response_schema", "stream_idle_timeout", "batch"}
"""Fields that belong to the streaming/structured-output and batch work."""


def test_every_inspect_field_is_here() -> None:
    assert len(INSPECT_0_3_285_FIELDS) == 40
    missing = set(INSPECT_0_3_285_FIELDS) - set(FIELDS) - OTHER_ISSUES
    assert not missing  # modelkit may have more (rate limits for fleets)


def test_every_field_defaults_to_none_and_is_a_typed_argument() -> None:
    from modelkit.config import GenerateConfigArgs

    config = GenerateConfig()
    assert len(FIELDS) >= 25
    assert all(getattr(config, name) is None for name in FIELDS)
    assert set(GenerateConfigArgs.__annotations__) == set(FIELDS)
    documented = GenerateConfig.__doc__ or ""
    assert [name for name in FIELDS if f"{name}:" not in documented] == []


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("temperature", 2.5, "temperature must be between 0 and 2"),
        ("temperature", -0.1, "temperature must be between 0 and 2"),
        ("temperature", "hot", "temperature must be a number"),
        ("top_p", 1.01, "top_p must be between 0 and 1"),
        ("frequency_penalty", -2.1, "frequency_penalty must be between -2 and 2"),
        ("presence_penalty", 3, "presence_penalty must be between -2 and 2"),
        ("top_logprobs", 21, "top_logprobs must be between 0 and 20"),
        ("top_logprobs", 1.5, "top_logprobs must be an integer"),
        ("max_tokens", 0, "max_tokens must be >= 1"),
        ("num_choices", 0, "num_choices must be >= 1"),
        ("max_connections", 0, "max_connections must be >= 1"),
        ("requests_per_minute", 0, "requests_per_minute must be >= 1"),
        ("tokens_per_minute", 2.5, "tokens_per_minute must be an integer"),
        ("max_retries", -1, "max_retries must be >= 0"),
        ("max_retries", True, "max_retries must be an integer"),
        ("timeout", 0, "timeout must be a number > 0"),
        ("reasoning_effort", "extreme", "reasoning_effort must be one of 'none', 'minimal', 'low'"),
        ("cache_prompt", "always", "cache_prompt must be one of 'auto', True, False"),
        ("logprobs", "yes", "logprobs must be True or False"),
        ("stop_seqs", "STOP", "stop_seqs must be a list of non-empty strings"),
        ("logit_bias", {42: 101}, "logit_bias values must be between -100 and 100"),
        ("logit_bias", {"x": 1}, "logit_bias keys must be integer token ids"),
    ],
)
def test_out_of_range_values_name_the_field_and_the_range(
    field: str, value: Any, needle: str
) -> None:
    with pytest.raises(ConfigError, match=needle):
        GenerateConfig(**{field: value})
    with pytest.raises(ConfigError, match=needle):
        GenerateConfig().merge({field: value})  # type: ignore[misc]


def test_boundary_values_are_accepted() -> None:
    config = GenerateConfig(
        temperature=0,
        top_p=1,
        frequency_penalty=-2,
        presence_penalty=2,
        top_logprobs=20,
        max_retries=0,
        max_tokens=1,
        logit_bias={42: -100},
        reasoning_effort="high",
        cache_prompt="auto",
    )
    assert config.temperature == 0 and config.logit_bias == {42: -100}


def test_unknown_keys_are_a_config_error_listing_the_fields() -> None:
    with pytest.raises(ConfigError, match="unknown GenerateConfig field.*temprature.*temperature"):
        GenerateConfig().merge({"temprature": 1})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(ConfigError, match="max_token"):
        GenerateConfig.from_dict({"max_token": 5})


def test_a_misspelt_keyword_is_a_config_error_saying_what_was_meant() -> None:
    with pytest.raises(ConfigError) as caught:
        GenerateConfig(temprature=0.2)  # type: ignore[call-arg]
    assert "'temprature' (did you mean 'temperature'?)" in str(caught.value)
    assert "Known fields: max_retries" in str(caught.value)
    with pytest.raises(ConfigError, match=r"'max_token' \(did you mean 'max_tokens'\?\)"):
        GenerateConfig.from_dict({"max_token": 5})
    with pytest.raises(ConfigError, match=r"'seeed' \(did you mean 'seed'\?\), 'zzz'\."):
        GenerateConfig().merge({"zzz": 1, "seeed": 2})  # type: ignore[typeddict-unknown-key]
    assert GenerateConfig(temperature=0.2).temperature == 0.2  # the wrapper passes values on


def test_a_misspelt_key_in_a_call_config_dict_names_the_field() -> None:
    from modelkit import get_model

    model = get_model("mockllm/model")
    with pytest.raises(ConfigError, match=r"did you mean 'temperature'\?"):
        model.generate("hi", config={"temprature": 0.2})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(ConfigError, match=r"did you mean 'max_tokens'\?"):
        get_model("mockllm/model", config={"max_tokns": 3})  # type: ignore[typeddict-unknown-key]


def test_merge_lets_the_others_set_values_win_and_keeps_the_rest() -> None:
    base = GenerateConfig(temperature=0.5, max_tokens=100, seed=1)
    merged = base.merge(GenerateConfig(temperature=1.0, top_p=0.9))
    assert (merged.temperature, merged.top_p, merged.max_tokens, merged.seed) == (1.0, 0.9, 100, 1)
    assert base.temperature == 0.5, "merge must not change the original"
    assert base.merge({"max_tokens": 5, "seed": None}).seed == 1, "None in a dict means not set"
    for same in (base.merge(None), base.merge(GenerateConfig())):
        assert same == base and same is not base  # a copy: configs are mutable


def test_merge_rejects_other_types() -> None:
    with pytest.raises(ConfigError, match="GenerateConfig or a dict"):
        GenerateConfig().merge(["temperature"])  # type: ignore[arg-type]


def test_config_is_mutable_validated_and_round_trips_through_json_keys() -> None:
    config = GenerateConfig(logit_bias={42: 10.0, 7: -3.0}, stop_seqs=["END"])
    config.temperature = 1  # mutable, as Inspect's pydantic config
    assert config.temperature == 1
    with pytest.raises(ConfigError, match="temperature must be between 0 and 2"):
        config.temperature = 5  # still validated on assignment
    import json

    data = json.loads(json.dumps(config.to_dict()))  # JSON turns int keys into strings
    assert GenerateConfig.from_dict(data) == config


NON_FINITE = [float("inf"), float("-inf"), float("nan"), 1e999]


@pytest.mark.parametrize("value", NON_FINITE, ids=["inf", "-inf", "nan", "1e999"])
@pytest.mark.parametrize(
    "field", ["timeout", "temperature", "top_p", "frequency_penalty", "presence_penalty"]
)
def test_non_finite_numbers_are_rejected_in_every_float_field(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=field):
        GenerateConfig(**{field: value})
    with pytest.raises(ConfigError, match=field):
        GenerateConfig().merge({field: value})  # type: ignore[misc]


def test_nan_is_named_as_not_finite() -> None:
    with pytest.raises(ConfigError, match="timeout must be a finite number, got nan"):
        GenerateConfig(timeout=float("nan"))


def test_non_finite_numbers_are_rejected_inside_container_fields() -> None:
    with pytest.raises(ConfigError, match="logit_bias"):
        GenerateConfig(logit_bias={42: float("nan")})
    # from JSON, where 1e999 reads as inf
    with pytest.raises(ConfigError, match="timeout must be a finite number"):
        GenerateConfig.from_dict(json.loads('{"timeout": 1e999}'))


def test_adaptive_concurrency_moves_the_implicit_bounds_into_range() -> None:
    # As Inspect 0.3.285 (util/_concurrency.py, parse_shorthand): bounds not given
    # follow the ones given; explicit ones are still checked.
    from modelkit import AdaptiveConcurrency

    assert (AdaptiveConcurrency(min=1, max=15).start, AdaptiveConcurrency(min=1, max=15).min) == (
        15,
        1,
    )
    narrow = AdaptiveConcurrency(max=8)
    assert (narrow.min, narrow.start, narrow.max) == (8, 8, 8)
    assert AdaptiveConcurrency(min=30, max=50).start == 30
    assert AdaptiveConcurrency().start == 20 and type(AdaptiveConcurrency().min) is int
    with pytest.raises(ConfigError, match="min <= start <= max"):
        AdaptiveConcurrency(min=1, start=40, max=15)


def test_merge_copies_nested_dicts_instead_of_sharing_them() -> None:
    # Inspect 0.3.285 tests/model/test_generate_config.py: editing the merged
    # config's extra_body / extra_headers leaves the configs merged untouched.
    base = GenerateConfig(max_tokens=64, stop_seqs=["END"])
    override = GenerateConfig(
        extra_body={"background": True, "nested": {"a": 1}},
        extra_headers={"x-test-header": "value"},
    )
    merged = base.merge(override)
    assert merged.extra_body == {"background": True, "nested": {"a": 1}}
    merged.extra_body["nested"]["a"] = 2  # type: ignore[index]
    merged.extra_headers["x-test-header"] = "other"  # type: ignore[index]
    merged.stop_seqs.append("STOP")  # type: ignore[union-attr]
    assert override.extra_body == {"background": True, "nested": {"a": 1}}
    assert override.extra_headers == {"x-test-header": "value"}
    assert base.stop_seqs == ["END"]
    copied = override.merge(None)
    copied.extra_body["background"] = False  # type: ignore[index]
    assert override.extra_body["background"] is True  # type: ignore[index]


def test_model_validate_drops_unknown_keys_only_when_deserializing() -> None:
    data = {"temperature": 0, "response_format": {"type": "json_object"}}
    with pytest.raises(ConfigError, match="response_format"):
        GenerateConfig.model_validate(data)
    config = GenerateConfig.model_validate(data, context={"deserializing": True})
    assert config.temperature == 0 and "response_format" not in config.model_dump()


def test_holds_no_containers_sees_each_dict_or_list_field() -> None:
    """A call reads the model's config in place only when no field holds a dict or a list."""
    from modelkit.config import _CONTAINERS, holds_no_containers

    assert holds_no_containers(GenerateConfig(temperature=0.5, max_tokens=10))
    assert len(_CONTAINERS) > 1
    for name in _CONTAINERS:
        config = GenerateConfig()
        object.__setattr__(config, name, [])  # (any container, whatever the field's own type)
        assert not holds_no_containers(config), name
