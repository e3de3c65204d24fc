"""Tools from plain Python functions: ``ToolDef`` and ``tool_def_from_function``.

The tool's name is the function's name; its description is the docstring's
text before the first section; each parameter's description comes from the
docstring's ``Args:`` (Google), ``Parameters`` (NumPy) or ``:param:`` (reST)
entries, and its JSON Schema from its type hint. Parameters with defaults
are optional. Everything is worked out when the tool is defined, so a hint
that JSON Schema cannot express is a ``ConfigError`` naming the parameter
there, not a failure halfway through a conversation. ``ToolDef(fn)`` follows
Inspect's defaults instead: no docstring gives an empty description and a
parameter without a hint accepts any JSON value. ``@tool`` lives in
``_decorator``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

import attrs

from ..errors import ConfigError
from ._types import ToolInfo, ToolParam, ToolParams

__all__ = [
    "CallSpec",
    "ToolDef",
    "attached_tool_def",
    "call_spec",
    "to_tool_info",
    "tool_def_from_function",
]

_ATTR = "__modelkit_tool__"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_specs: Any = None  # weakref.WeakKeyDictionary, made on first use


@attrs.define(init=False)
class ToolDef:
    """A Python callable together with the ``ToolInfo`` that describes it.

    ``ToolDef(fn)`` works out the name, description and parameters from the
    function, as Inspect's does; any of them given is used instead.
    ``parameters`` may be a ``ToolParams`` (used as it is) or a dict of
    parameter descriptions laid over the inferred schema.

    Args:
        tool: the callable to run (sync or ``async def``).
        name: the tool name (default: the function's, or its ``@tool`` name).
        description: what it does (default: from the docstring).
        parameters: a ``ToolParams``, or ``{"param": "description"}`` overrides.
        parallel: may run at the same time as the other calls of one
            message (default: ``True`` for plain functions, ``False`` for
            Inspect-style ``@tool`` factories unless they opt in).
        viewer: a ``ToolCallViewer`` (kept for Inspect compatibility; modelkit
            has no viewer to show it in).
        model_input: a ``ToolCallModelInput``: rewrites this tool's results
            in the history each time they are sent to the model.
        options: a property bag for the provider, copied to ``ToolInfo.options``.

    Raises:
        ConfigError: as :func:`tool_def_from_function`, or a description
            override names a parameter the function does not have.
    """

    tool: Callable[..., Any]
    name: str
    description: str
    parameters: ToolParams
    parallel: bool = True
    viewer: Any = None
    model_input: Any = None
    options: Optional[Dict[str, object]] = None

    def __init__(
        self,
        tool: Callable[..., Any],
        name: Optional[str] = None,
        description: Optional[str] = None,
        parameters: Union[ToolParams, Mapping[str, str], None] = None,
        parallel: Optional[bool] = None,
        viewer: Any = None,
        model_input: Any = None,
        options: Optional[Dict[str, object]] = None,
    ) -> None:
        attached = getattr(tool, _ATTR, None)
        if isinstance(attached, ToolDef) and attached.tool is tool:
            base = attached
        elif name is not None and description is not None and isinstance(parameters, ToolParams):
            base = ToolDef.__new__(ToolDef)  # every part given: nothing to infer
            base.__attrs_init__(tool, name, description, parameters)
        else:
            base = tool_def_from_function(tool, name=name, description=description, strict=False)
        final_name = name or base.name
        if not isinstance(parameters, ToolParams):
            parameters = _described(base.parameters, parameters or {}, final_name)
        self.__attrs_init__(  # made by attrs (init=False)
            tool,
            final_name,
            base.description if description is None else description,
            parameters,
            base.parallel if parallel is None else parallel,
            viewer or base.viewer,
            model_input or base.model_input,
            options or base.options,
        )

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        name: Optional[str] = None,
        description: Optional[str] = None,
    ) -> ToolDef:
        """A ``ToolDef`` for ``fn``, described by its docstring and type hints.

        Raises:
            ConfigError: see ``tool_def_from_function``.
        """
        return tool_def_from_function(fn, name=name, description=description)

    def as_info(self) -> ToolInfo:
        """The ``ToolInfo`` a provider sends to the model."""
        return ToolInfo(
            name=self.name,
            description=self.description,
            parameters=self.parameters,
            options=dict(self.options) if self.options else None,
        )

    def as_tool(self) -> Callable[..., Any]:
        """The function, marked so that passing it as a tool uses this definition."""
        _attach(self.tool, self)
        return self.tool


def _described(params: ToolParams, overrides: Mapping[str, str], name: str) -> ToolParams:
    """``params`` with the descriptions in ``overrides`` laid over them."""
    if not isinstance(overrides, Mapping):
        raise ConfigError(
            f"tool {name!r}: parameters must be a ToolParams or a dict of parameter "
            f"descriptions, got {type(overrides).__name__}"
        )
    properties = dict(params.properties)
    for key, text in overrides.items():
        if key not in properties:
            known = ", ".join(properties) or "none"
            raise ConfigError(
                f"tool {name!r} has no parameter {key!r} to describe (parameters: {known})"
            )
        properties[key] = attrs.evolve(properties[key], description=text)
    return attrs.evolve(params, properties=properties)


def attached_tool_def(tool: Any) -> Optional[ToolDef]:
    """The ``ToolDef`` of a ``ToolDef`` or of a function marked as a tool, else ``None``."""
    if isinstance(tool, ToolDef):
        return tool
    attached = getattr(tool, _ATTR, None)
    return attached if isinstance(attached, ToolDef) and attached.tool is tool else None


def _attach(fn: Any, definition: ToolDef) -> None:
    try:
        setattr(fn, _ATTR, definition)
    except (AttributeError, TypeError) as exc:
        raise ConfigError(f"cannot mark {fn!r} as a tool; pass a ToolDef instead") from exc


@attrs.frozen
class CallSpec:
    """How to call a tool's function with the model's arguments.

    Args:
        positional: names of positional-only parameters, in order.
        hints: the evaluated type hint of each parameter.
        var_keyword: the function takes ``**kwargs``.
    """

    positional: Tuple[str, ...] = ()
    hints: Dict[str, Any] = attrs.field(factory=dict)
    var_keyword: bool = False


def tool_def_from_function(
    fn: Callable[..., Any],
    name: Optional[str] = None,
    description: Optional[str] = None,
    *,
    strict: bool = True,
) -> ToolDef:
    """A ``ToolDef`` for ``fn``: name, description and schema from the function.

    Args:
        fn: a function, bound method, ``functools.partial`` or callable object.
        name: the tool name (default: the function's ``__name__``).
        description: what the tool does (default: from the docstring).
        strict: refuse a function without a description or a parameter
            without a type hint; when ``False`` (Inspect's ``ToolDef(fn)``)
            they become an empty description and a schema accepting any value.

    Raises:
        ConfigError: no description (``strict``), a name providers reject,
            ``*args``, or a parameter without a type hint (``strict``) or
            with one JSON Schema cannot express (the message names the parameter).
    """
    attached = getattr(fn, _ATTR, None)
    if isinstance(attached, ToolDef) and attached.tool is fn:
        if name is None and description is None:
            return attached
        return ToolDef(fn, name=_checked(name or attached.name), description=description)
    if not callable(fn):
        raise ConfigError(f"a tool must be callable, got {type(fn).__name__}")
    tool_name = _checked(name or _default_name(fn))
    definition, spec = _analyse(fn, tool_name, description, strict)
    _remember(fn, spec)
    return definition


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(
            f"tool name {name!r} is not accepted by model APIs (1-64 letters, digits, "
            "'_' or '-'); pass name=..."
        )
    return name


def _default_name(fn: Any) -> str:
    target = _unwrap(fn)
    found = getattr(target, "__name__", None)
    return str(found) if found else type(fn).__name__


def _unwrap(fn: Any) -> Any:
    """The function behind a ``functools.partial``."""
    while hasattr(fn, "func") and hasattr(fn, "keywords"):
        fn = fn.func
    return fn


def _hint_target(fn: Any) -> Any:
    """Where the annotations are: the function, or a callable object's ``__call__``."""
    target = _unwrap(fn)
    if hasattr(target, "__code__") or hasattr(target, "__func__"):
        return target
    if isinstance(target, type):
        return target.__init__  # type: ignore[misc]  # a class: its __init__ holds the hints
    return type(target).__call__ if callable(target) else target


def _analyse(
    fn: Callable[..., Any], name: str, description: Optional[str], strict: bool = True
) -> Tuple[ToolDef, CallSpec]:
    import inspect

    from ._docstrings import parse_docstring
    from ._hints import HintError, function_hints
    from ._schema import UnsupportedHint, json_default, schema_for

    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"tool {name!r}: cannot read its signature ({exc})") from exc
    target = _unwrap(fn)
    doc = parse_docstring(inspect.getdoc(_hint_target(fn)) or inspect.getdoc(target))
    description = description if description is not None else doc.description
    if not description and strict:
        raise ConfigError(
            f"tool {name!r} has no description: give the function a docstring or pass "
            "description=..."
        )
    try:
        hints = function_hints(_hint_target(fn))
    except HintError as exc:
        raise ConfigError(
            f"tool {name!r}: parameter {exc.name!r} has type hint {exc.annotation!r}, which "
            f"cannot be evaluated ({exc.reason})"
        ) from exc
    properties: Dict[str, ToolParam] = {}
    required: List[str] = []
    var_keyword = False
    for param in signature.parameters.values():
        # As Inspect: neither is in the schema; *args is never filled (arguments
        # come by name), **kwargs takes the arguments no named parameter takes.
        if param.kind is param.VAR_KEYWORD:
            var_keyword = True
            continue
        if param.kind is param.VAR_POSITIONAL:
            continue
        if param.name not in hints and not strict:
            schema = ToolParam()
        elif param.name not in hints:
            extra = " (for a method, pass the bound method)" if param.name == "self" else ""
            raise ConfigError(
                f"tool {name!r}: parameter {param.name!r} has no type hint; annotate it "
                f"(use typing.Any to accept any JSON value){extra}"
            )
        else:
            try:
                schema = schema_for(hints[param.name])
            except UnsupportedHint as exc:
                raise ConfigError(
                    f"tool {name!r}: parameter {param.name!r} has a type hint JSON Schema "
                    f"cannot express: {exc}"
                ) from exc
        if doc.params.get(param.name):
            schema = attrs.evolve(schema, description=doc.params[param.name])
        if param.default is param.empty:
            required.append(param.name)
        else:
            shown, value = json_default(param.default)
            if shown:
                schema = attrs.evolve(schema, default=value)
        properties[param.name] = schema
    spec = CallSpec(
        positional=tuple(
            p.name for p in signature.parameters.values() if p.kind is p.POSITIONAL_ONLY
        ),
        hints={k: v for k, v in hints.items() if k in properties},
        var_keyword=var_keyword,
    )
    parameters = ToolParams(properties=properties, required=required)
    definition = ToolDef(fn, name=name, description=description or "", parameters=parameters)
    return definition, spec


def _remember(fn: Any, spec: CallSpec) -> None:
    global _specs
    if _specs is None:
        import weakref

        _specs = weakref.WeakKeyDictionary()
    try:
        _specs[fn] = spec
    except TypeError:  # not weak-referenceable: worked out again when called
        pass


def call_spec(definition: ToolDef) -> CallSpec:
    """The ``CallSpec`` of a tool's function (empty if its hints cannot be read)."""
    fn = definition.tool
    try:
        found = _specs.get(fn) if _specs is not None else None
    except TypeError:  # unhashable callable (e.g. an attrs instance with __call__)
        found = None
    if found is not None:
        return found  # type: ignore[no-any-return]
    try:
        spec = _analyse(fn, definition.name, definition.description or "-")[1]
    except ConfigError:  # a hand-made ToolDef: pass the JSON arguments as they are
        return CallSpec(var_keyword=True)
    _remember(fn, spec)
    return spec


def to_tool_info(tool: Any) -> ToolInfo:
    """The ``ToolInfo`` for a ``ToolInfo``, a ``ToolDef`` or a plain function."""
    if isinstance(tool, ToolInfo):
        return tool
    if isinstance(tool, ToolDef):
        return tool.as_info()
    if callable(tool):
        return tool_def_from_function(tool, strict=False).as_info()
    raise ConfigError(f"tools must be ToolInfo, ToolDef or functions, got {type(tool).__name__}")
