"""Small model-layer types with Inspect's names: ``GenerateInput``, ``ModelConfig``,
``ModelConversation``, ``ServedModelUsage``, ``ModelName`` and ``ModelRole``.

``GenerateInput`` is a generation's arguments as one value; ``ModelConfig``
names a model with its config, base URL and arguments (what Inspect logs for
a model role; ``get_model(**config.get_model_args())`` builds it again);
``ModelConversation`` is any object with ``messages`` and ``output``;
``ServedModelUsage`` is part of a call's usage with the model that served
it; ``ModelName`` matches a model against a spec such as ``"gpt-4"``;
``ModelRole`` references a named role.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, List, NamedTuple, Optional, Protocol, Tuple, Union

import attrs

from ._serde import Decoder, Serializable
from .config import GenerateConfig
from .errors import ConfigError
from .messages import ChatMessage
from .output import ModelOutput, ModelUsage
from .tools._types import ToolChoice, ToolInfo

__all__ = [
    "GenerateInput",
    "ModelConfig",
    "ModelConversation",
    "ModelName",
    "ModelRole",
    "ServedModelUsage",
]


class GenerateInput(NamedTuple):
    """A generation's arguments, as one value (Inspect's ``GenerateInput``)."""

    input: List[ChatMessage]
    """The chat messages."""
    tools: List[ToolInfo]
    """The tools the model may call."""
    tool_choice: Optional[ToolChoice]
    """Which tool the model should use."""
    config: GenerateConfig
    """The generation config."""


class ModelConversation(Protocol):
    """A conversation: its ``messages`` and the model's last ``output`` (Inspect's protocol)."""

    @property
    def messages(self) -> List[ChatMessage]:
        """The history."""
        ...

    @property
    def output(self) -> ModelOutput:
        """The model's output."""
        ...


class ServedModelUsage(NamedTuple):
    """Part of a call's usage and the model that served it, for pricing (Inspect's type)."""

    model: str
    """The serving model, ``provider/model``."""
    usage: ModelUsage
    """The usage it served."""
    cost: Optional[Any] = None
    """Its ``ModelCost``, when the provider reports one (else looked up by ``model``)."""


def _config(value: Any) -> GenerateConfig:
    if isinstance(value, GenerateConfig):
        return value
    return GenerateConfig.from_dict(value or {})


_SECRET_ARGS = ("api_key",)


@attrs.define
class ModelConfig(Serializable):
    """A model named with its config, base URL and arguments (Inspect's ``ModelConfig``).

    Args:
        model: ``provider/model``.
        config: the generation config.
        base_url: the API's base URL, if not the default.
        args: provider-specific model arguments (never an API key).
    """

    model: str
    config: GenerateConfig = attrs.field(factory=GenerateConfig, converter=_config)
    base_url: Optional[str] = None
    args: Dict[str, Any] = attrs.field(factory=dict)

    _decoders: ClassVar[Dict[str, Decoder]] = {"config": _config}

    @classmethod
    def from_model(cls, model: Any) -> ModelConfig:
        """The config of a ``Model`` (its API key and AWS credentials left out, as Inspect)."""
        args = {
            key: value
            for key, value in (model.api.model_args or {}).items()
            if key not in _SECRET_ARGS and not key.startswith("aws_")
        }
        return cls(model=str(model), config=model.config, base_url=model.api.base_url, args=args)

    def get_model_args(self) -> Dict[str, Any]:
        """The keyword arguments of ``get_model`` that build this model again."""
        return {
            "model": self.model,
            "config": self.config,
            "base_url": self.base_url,
            "memoize": False,
            **self.args,
        }


class ModelName:
    """A model's provider and name, matched against specs (Inspect's ``ModelName``).

    A spec matches when its model part is a substring of the name:
    ``ModelName("openai/gpt-4o") == "gpt-4o"``, ``== "gpt"`` and
    ``== "openai/gpt"`` are true, ``== "gpt-4-turbo"`` is false. As in
    Inspect 0.3.285, a spec's provider part does not change the answer
    (``== "anthropic/gpt"`` is true too).

    Args:
        model: ``"provider/model"`` or a ``Model``.

    Raises:
        ConfigError: a string without a provider.
    """

    def __init__(self, model: Union[str, Any]) -> None:
        if isinstance(model, str):
            api, name = _parse(model)
            if api is None:
                raise ConfigError("API not specified for model name")
            self.api: str = api
            self.name: str = name
        else:
            self.api = model.api.provider or type(model.api).__name__
            self.name = model.name

    def __eq__(self, pattern: object) -> bool:
        if not isinstance(pattern, str):
            return False
        return _parse(pattern)[1] in self.name  # Inspect's rule: the provider part aside

    def __hash__(self) -> int:
        return hash((self.api, self.name))

    def __str__(self) -> str:
        return f"{self.api}/{self.name}"

    def __repr__(self) -> str:
        return f"ModelName({str(self)!r})"


def _parse(spec: str) -> Tuple[Optional[str], str]:
    api, sep, name = spec.partition("/")
    return (api, name) if sep else (None, spec)


@attrs.define(init=False)
class ModelRole(Serializable):
    """A reference to a named model role (Inspect's ``ModelRole``).

    ``get_model(role=role.name, required=role.required)`` resolves it.

    Args:
        name: the role's name (``"grader"``...).
        required: a model must be bound to the role.
    """

    name: str
    required: bool = False

    def __init__(self, name: str, required: bool = False) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"a model role needs a name, got {name!r}")
        self.__attrs_init__(name, bool(required))
