"""The tool records a plain call does not build: tool schemas and tool calls.

``ToolInfo`` (name, description, JSON-Schema ``ToolParams`` of
``ToolParam``) is what providers turn into their wire form; ``ToolCall``
is a call the model made; ``ToolCallError`` a failure reported back to the
model. ``tools._types`` (and ``tools``) export them on first use (PEP 562)
and ``messages`` names them through a stand-in, so a call without tools
or tool calls builds none of these classes (issue 24, cold start).
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, FrozenSet, List, Literal, Optional, Tuple, Union

import attrs

from .._serde import Decoder, Serializable, dict_of, list_of

__all__ = ["ToolCall", "ToolCallError", "ToolCallErrorType", "ToolInfo", "ToolParam", "ToolParams"]


@attrs.define
class ToolParam(Serializable):
    """A JSON Schema describing one tool parameter (or a nested value).

    Args:
        type: the JSON type (``"string"``, ``"integer"``, ``"number"``,
            ``"boolean"``, ``"array"``, ``"object"``, ``"null"``).
        format: a JSON Schema ``format`` hint.
        description: what the value means.
        default: the value used when the model leaves it out.
        enum: the values allowed.
        items: the schema of array items.
        properties: the schemas of object properties.
        additionalProperties: whether (or with which schema) other keys are allowed.
        anyOf: alternative schemas.
        required: the object properties that must be present.
        pattern: a regular expression a string must match.
        minLength: the shortest string allowed.
        maxLength: the longest string allowed.
        minimum: the smallest number allowed.
        maximum: the largest number allowed.
        examples: example values.
    """

    type: Optional[str] = None
    format: Optional[str] = None
    description: Optional[str] = None
    default: Any = None
    enum: Optional[List[Any]] = None
    items: Optional[ToolParam] = None
    properties: Optional[Dict[str, ToolParam]] = None
    additionalProperties: Optional[Union[ToolParam, bool]] = None
    anyOf: Optional[List[ToolParam]] = None
    required: Optional[List[str]] = None
    pattern: Optional[str] = None
    minLength: Optional[int] = None
    maxLength: Optional[int] = None
    minimum: Optional[Union[int, float]] = None
    maximum: Optional[Union[int, float]] = None
    examples: Optional[List[Any]] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "items": lambda d: ToolParam.from_dict(d),
        "properties": dict_of(lambda d: ToolParam.from_dict(d)),
        "additionalProperties": lambda d: d if isinstance(d, bool) else ToolParam.from_dict(d),
        "anyOf": list_of(lambda d: ToolParam.from_dict(d)),
    }

    def to_schema(self) -> Dict[str, Any]:
        """This parameter as a JSON Schema document."""
        return self.to_dict()


@attrs.define
class ToolParams(Serializable):
    """The JSON Schema of a tool's arguments: always an object."""

    type: Literal["object"] = "object"
    properties: Dict[str, ToolParam] = attrs.field(factory=dict)
    required: List[str] = attrs.field(factory=list)
    additionalProperties: bool = False

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "properties": dict_of(lambda d: ToolParam.from_dict(d)),
    }

    def to_schema(self) -> Dict[str, Any]:
        """The parameters as a JSON Schema document."""
        return self.to_dict()


@attrs.define
class ToolInfo(Serializable):
    """What a model is told about a tool it may call.

    Args:
        name: the tool name.
        description: what the tool does.
        parameters: the JSON Schema of its arguments.
        options: a property bag a provider may read to shape the tool (for
            example ``INTERNAL_TOOL_TYPE`` for a tool the provider runs itself).
    """

    name: str
    description: str
    parameters: ToolParams = attrs.field(factory=ToolParams)
    options: Optional[Dict[str, Any]] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "parameters": lambda d: ToolParams.from_dict(d),
    }


ToolCallErrorType = Literal[
    "parsing",
    "timeout",
    "unicode_decode",
    "permission",
    "file_not_found",
    "is_a_directory",
    "output_limit",
    "approval",
    "unknown",
]


@attrs.define
class ToolCallError(Serializable):
    """An error from calling a tool, reported back to the model."""

    type: ToolCallErrorType
    message: str


@attrs.define
class ToolCall(Serializable):
    """A tool call the model asked for.

    Args:
        id: the provider's id for the call, echoed back with the result.
        function: the name of the tool.
        arguments: the arguments, parsed from the model's JSON.
        parse_error: why the model's arguments could not be parsed; the
            call is kept, not raised, so the error can go back to the model.
        raw_arguments: the arguments exactly as the model sent them, kept
            when they were not valid JSON.
        type: always ``"function"``.
    """

    id: str
    function: str
    arguments: Dict[str, Any] = attrs.field(factory=dict)
    parse_error: Optional[str] = None
    raw_arguments: Optional[str] = None
    type: Literal["function"] = "function"

    _inspect_only: ClassVar[Tuple[str, ...]] = ("view",)
    _dump_first: ClassVar[Tuple[str, ...]] = ("id", "function", "arguments", "parse_error", "view")
    _modelkit_only: ClassVar[FrozenSet[str]] = frozenset({"raw_arguments"})
