"""The provider registry: @modelapi, factories, entry points, lazy built-ins, API keys."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from modelkit import ConfigError, MissingAPIKeyError, ModelAPI, ModelOutput, get_model, modelapi
from modelkit.api import provider_names, resolve_provider


class _Echo(ModelAPI):
    def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        return ModelOutput.from_content(self.model_name, f"{self.provider}:{input[-1].text}")


def test_decorating_a_class_registers_it_and_names_its_provider() -> None:
    cls = modelapi("echo-class")(type("EchoClass", (_Echo,), {}))
    assert resolve_provider("echo-class") is cls and cls.provider == "echo-class"
    assert get_model("echo-class/m").generate("hi").completion == "echo-class:hi"
    assert "echo-class" in provider_names()


def test_decorating_a_factory_defers_it_until_first_use() -> None:
    calls = []

    @modelapi("echo-factory")
    def factory() -> type:
        calls.append(1)
        return type("EchoFactory", (_Echo,), {})

    assert calls == []
    assert get_model("echo-factory/m").generate("x").completion == "echo-factory:x"
    get_model("echo-factory/other")
    assert calls == [1]


def test_a_factory_must_return_a_model_api() -> None:
    modelapi("bad-factory")(lambda: int)
    with pytest.raises(ConfigError, match="not a ModelAPI"):
        get_model("bad-factory/m")


def test_decorating_a_non_api_class_fails() -> None:
    with pytest.raises(ConfigError, match="needs a ModelAPI subclass"):
        modelapi("not-an-api")(int)
    assert "not-an-api" not in provider_names(), "a rejected class must not be registered"


def test_builtin_providers_load_lazily() -> None:
    sys.modules.pop("modelkit.providers.mockllm", None)
    from modelkit import api

    api._registry.pop("mockllm", None)
    assert "modelkit.providers.mockllm" not in sys.modules
    assert get_model("mockllm/model").generate("x").completion
    assert "modelkit.providers.mockllm" in sys.modules


def test_entry_point_providers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "mk_plugin_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from modelkit import ModelAPI, ModelOutput

            class PluginAPI(ModelAPI):
                def generate(self, input, tools, tool_choice, config):
                    return ModelOutput.from_content(self.model_name, "from plugin")
            """
        )
    )
    dist = tmp_path / "mk_plugin_pkg-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mk-plugin-pkg\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[modelkit.providers]\nplugged = mk_plugin_pkg:PluginAPI\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert "plugged" in provider_names()
    assert get_model("plugged/m").generate("x").completion == "from plugin"


class _NeedsKey(ModelAPI):
    requires_api_key = True

    def __init__(self, model_name: str, **kwargs: Any) -> None:
        super().__init__(model_name, api_key_vars=["MK_TEST_API_KEY", "MK_OTHER_KEY"], **kwargs)

    def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        return ModelOutput.from_content(self.model_name, "ok")


def test_missing_key_names_the_variables() -> None:
    modelapi("needs-key")(_NeedsKey)
    with pytest.raises(MissingAPIKeyError, match=r"\$MK_TEST_API_KEY or \$MK_OTHER_KEY"):
        get_model("needs-key/m")


def test_key_comes_from_the_argument_or_the_first_variable_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    modelapi("needs-key")(_NeedsKey)
    assert get_model("needs-key/m", api_key="given").api.api_key == "given"
    monkeypatch.setenv("MK_OTHER_KEY", "other")
    assert get_model("needs-key/m", memoize=False).api.api_key == "other"
    monkeypatch.setenv("MK_TEST_API_KEY", "first")
    api = get_model("needs-key/m", memoize=False).api
    assert api.api_key == "first"
    assert "first" not in repr(api) and "first" not in api.connection_key()
