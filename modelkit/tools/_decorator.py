"""``@tool``: mark a function as a tool, in modelkit's form or Inspect's.

Two forms share the decorator and are told apart by the return annotation
(or, without one, by whether the function defines a function of its own):

- modelkit's: ``@tool`` on the tool itself (``def add(x: int, y: int) -> int``).
  The function comes back unchanged and its ``ToolDef`` is built at once,
  so mistakes surface at definition time.
- Inspect's: ``@tool`` on a factory (annotated ``-> Tool``, or unannotated
  and defining the tool inside) that returns the tool (usually an
  ``async def execute``). Calling the factory (``add()``)
  returns that function, marked with a ``ToolDef`` named after the factory
  (or ``name=``), described by its docstring, and ``parallel`` only when
  asked for (``@tool(parallel=True)``), as in Inspect.

``prompt`` is appended to the description (Inspect's deprecated form);
``viewer`` and ``model_input`` are accepted and kept, but modelkit has no
viewer to use them.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar, overload

from ..errors import ConfigError
from ._function import _ATTR, ToolDef, tool_def_from_function
from ._types import Tool

__all__ = ["is_tool_factory", "tool"]

F = TypeVar("F", bound=Callable[..., Any])

_FACTORY_RETURNS = ("Tool", "ToolDef")


@overload
def tool(fn: F) -> F: ...


@overload
def tool(
    fn: None = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    parallel: Optional[bool] = None,
    prompt: Optional[str] = None,
    viewer: Any = None,
    model_input: Any = None,
) -> Callable[[F], F]: ...


def tool(
    fn: Optional[F] = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    parallel: Optional[bool] = None,
    prompt: Optional[str] = None,
    viewer: Any = None,
    model_input: Any = None,
) -> Any:
    """Mark a tool (``@tool``, ``@tool(name=...)``), or an Inspect-style tool factory.

    Args:
        fn: the function decorated.
        name: the tool name (default: the function's, or the factory's).
        description: what the tool does (default: from the docstring).
        parallel: may run at the same time as other calls of one message
            (default: ``True`` for a plain tool, ``False`` for a factory's).
        prompt: Inspect's deprecated extra description, appended to it.
        viewer: accepted for Inspect compatibility; not used.
        model_input: accepted for Inspect compatibility; not used.

    Raises:
        ConfigError: as :func:`tool_def_from_function`; for a factory, when
            it is called and returns no callable or a tool without a description.
    """

    def decorate(target: F) -> F:
        if is_tool_factory(target):
            return _factory(target, name, description, parallel, prompt, viewer, model_input)
        base = tool_def_from_function(target, name=name, description=description)
        definition = ToolDef(
            target,
            name=base.name,
            description=_with_prompt(base.description, prompt),
            parameters=base.parameters,
            parallel=parallel,
            viewer=viewer,
            model_input=model_input,
        )
        definition.as_tool()
        return target

    return decorate(fn) if fn is not None else decorate


def is_tool_factory(fn: Any) -> bool:
    """Whether ``fn`` is Inspect's factory form: annotated to return a ``Tool``,
    or, with no return annotation (or ``Any``), defining a function of its own (its
    ``execute``) rather than being the tool itself."""
    annotations = getattr(fn, "__annotations__", None)
    if not isinstance(annotations, dict) or "return" not in annotations:
        return _defines_a_function(fn)
    returned = annotations["return"]
    if returned is Any or returned in ("Any", "typing.Any"):  # says nothing: as unannotated
        return _defines_a_function(fn)
    if isinstance(returned, str):
        return returned.rsplit(".", 1)[-1].strip("'\"") in _FACTORY_RETURNS
    if returned is ToolDef or returned == Tool:
        return True
    return getattr(returned, "__name__", None) in _FACTORY_RETURNS


_ANONYMOUS = ("<lambda>", "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>")


def _defines_a_function(fn: Any) -> bool:
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    return any(
        hasattr(const, "co_code") and const.co_name not in _ANONYMOUS for const in code.co_consts
    )


def _factory(
    factory: F,
    name: Optional[str],
    description: Optional[str],
    parallel: Optional[bool],
    prompt: Optional[str],
    viewer: Any,
    model_input: Any,
) -> F:
    tool_name = name or getattr(factory, "__name__", "tool")

    @functools.wraps(factory)
    def make(*args: Any, **kwargs: Any) -> Any:
        made = factory(*args, **kwargs)
        inner = made if isinstance(made, ToolDef) else getattr(made, _ATTR, None)
        if not isinstance(inner, ToolDef) or (made is not inner and inner.tool is not made):
            inner = None
        if not callable(made) and inner is None:
            raise ConfigError(
                f"@tool factory {tool_name!r} must return the tool function (e.g. its "
                f"async def execute), got {type(made).__name__}"
            )
        base = inner or ToolDef(made)
        if parallel is not None:
            allowed = parallel
        else:
            allowed = inner.parallel if inner is not None else False
        text = _with_prompt(description or base.description, prompt)
        if not text:
            raise ConfigError(
                f"tool {tool_name!r} has no description: give the function it returns a "
                "docstring, or pass @tool(description=...)"
            )
        definition = ToolDef(
            base.tool,
            name=tool_name,
            description=text,
            parameters=base.parameters,
            parallel=allowed,
            viewer=viewer or base.viewer,
            model_input=model_input or base.model_input,
            options=base.options,
        )
        return definition.as_tool()

    return make  # type: ignore[return-value]  # same call signature as the factory


def _with_prompt(description: str, prompt: Optional[str]) -> str:
    if not prompt:
        return description
    prompt = " ".join(prompt.split())
    return f"{description}. {prompt}" if description else prompt
