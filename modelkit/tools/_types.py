"""Tool types: what a model may call, what it called, and what went wrong.

``ToolInfo`` (name, description, JSON-Schema ``ToolParams``) is what
providers turn into their wire form; ``ToolCall`` is a call the model made;
``ToolCallError`` is a failure reported back to the model; ``ToolChoice``
steers which tool the model uses; a ``Tool`` is any plain callable offered
as a tool. ``ToolDef`` (a callable with its ``ToolInfo``) lives in
``_function``, beside the code that builds one from a function.
"""

from __future__ import annotations

from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Literal,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
    runtime_checkable,
)

import attrs

from .._serde import Decoder, Serializable, dict_of, list_of

__all__ = [
    "INTERNAL_TOOL_TYPE",
    "Tool",
    "ToolCall",
    "ToolCallError",
    "ToolChoice",
    "ToolError",
    "ToolFunction",
    "ToolInfo",
    "ToolParam",
    "ToolParams",
    "ToolResult",
    "ToolSource",
    "internal_tool_type",
]

Tool = Callable[..., Any]
"""A plain Python function offered to the model as a tool."""

ToolResult = Any
"""What a tool may return (Inspect's name): a string, number or bool, content
parts, or (in modelkit) any JSON-ready value, attrs instance or dataclass."""


class ToolError(Exception):
    """Raised by a tool to report an error to the model (as Inspect's ``ToolError``).

    ``execute_tools`` turns it into a ``ToolCallError`` whose message is
    ``message`` alone; any other exception is reported with its type name.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


INTERNAL_TOOL_TYPE = "__internal_tool_type__"
"""The ``ToolInfo.options`` key naming a tool the provider runs itself
(``"web_search"``, ``"code_execution"``, ``"mcp_call"``), as Inspect's."""


def internal_tool_type(tool: ToolInfo) -> Optional[str]:
    """The server-side tool type of ``tool``, or ``None`` for a function tool.

    Tools a provider runs within one API call (web search, code execution,
    hosted MCP) carry their type under ``INTERNAL_TOOL_TYPE`` in ``options``.
    """
    found = (tool.options or {}).get(INTERNAL_TOOL_TYPE)
    return None if found is None else str(found)


@runtime_checkable
class ToolSource(Protocol):
    """Anything whose ``tools()`` returns tools (Inspect's protocol, synchronous).

    A ``ToolSource`` is accepted wherever tools are, alone or in the list;
    ``tools()`` is asked each time a call needs the tools. An ``async def
    tools()`` (Inspect's form) is run to completion.
    """

    def tools(self) -> Sequence[Any]:
        """The tools: functions, ``ToolDef``s or ``ToolInfo``s."""
        ...


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


@attrs.define
class ToolFunction(Serializable):
    """A ``ToolChoice`` naming the one tool the model must call."""

    name: str


ToolChoice = Union[Literal["auto", "any", "none"], ToolFunction]
"""``"auto"``: the model decides; ``"any"``: it must call some tool;
``"none"``: it must not call one; ``ToolFunction(name)``: it must call that one."""


def tool_choice_to_dict(choice: ToolChoice) -> Any:
    """A ``ToolChoice`` as JSON-ready data (a string or ``{"name": ...}``)."""
    return choice.to_dict() if isinstance(choice, ToolFunction) else choice
