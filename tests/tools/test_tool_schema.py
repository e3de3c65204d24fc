"""Type hints to JSON Schema: a table of hints, each compiled two ways.

Every hint in the table is the annotation of a generated function, compiled
once under ``from __future__ import annotations`` (the annotation is a
string, evaluated later; on Python 3.8/3.9 ``list[int]`` and ``int | None``
need modelkit's fallback) and once eagerly (skipped where this Python
cannot evaluate the form at all). The schema must equal the expected
document, be well-formed JSON Schema (checked by a small structural
checker here, and by ``jsonschema`` where installed), and accept a sample
value. JSON Schema reference: https://json-schema.org/understanding-json-schema/
"""

from __future__ import annotations
import __future__

import dataclasses
import enum
import sys
import typing
from typing import Any, Dict, List, Optional

import attrs
import pytest

from modelkit import ChatMessageAssistant, ConfigError, ToolCall, ToolDef, execute_tools
from modelkit.tools import ToolParam
from modelkit.tools._validate import validate

try:
    import typing_extensions
except ImportError:  # pragma: no cover - only on a bare interpreter
    typing_extensions = None  # type: ignore[assignment]


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Movie(typing.TypedDict):
    title: str
    year: int


class PartialMovie(typing.TypedDict, total=False):
    title: str
    rating: float


@attrs.define
class Point:
    """A point on the plane.

    Attributes:
        x: distance from the left edge.
        y: distance from the top edge.
    """

    x: float
    y: float = 0.0


@dataclasses.dataclass
class Box:
    label: str
    corners: List[Point] = dataclasses.field(default_factory=list)


@attrs.define
class Node:
    value: int
    children: List[Node]


UserId = typing.NewType("UserId", int)

# typing.NotRequired is 3.11+; older Pythons need typing_extensions for it.
tx: Any = typing if hasattr(typing, "NotRequired") else typing_extensions

if tx is not None:

    class Item(tx.TypedDict):
        name: str
        count: tx.NotRequired[int]
        tags: tx.Annotated[List[str], 42]


POINT = {
    "type": "object",
    "properties": {
        "x": {"type": "number", "description": "distance from the left edge."},
        "y": {"type": "number", "description": "distance from the top edge."},
    },
    "required": ["x"],
    "additionalProperties": False,
}
INT, STR, NUM, NULL = (
    {"type": "integer"},
    {"type": "string"},
    {"type": "number"},
    {"type": "null"},
)

# (annotation source, expected schema, a value the schema accepts, needs Python >=)
CASES = [
    ("int", INT, 3, None),
    ("float", NUM, 2.5, None),
    ("str", STR, "x", None),
    ("bool", {"type": "boolean"}, True, None),
    ("None", NULL, None, None),
    ("Any", {}, {"any": ["thing"]}, None),
    ("UserId", INT, 7, None),
    ("Optional[int]", {"anyOf": [INT, NULL]}, None, None),
    ("Union[int, str]", {"anyOf": [INT, STR]}, "a", None),
    ("Union[int, str, None]", {"anyOf": [INT, STR, NULL]}, 4, None),
    ("int | None", {"anyOf": [INT, NULL]}, 1, (3, 10)),
    ("str | int | None", {"anyOf": [STR, INT, NULL]}, None, (3, 10)),
    ("Literal['a', 'b']", {"type": "string", "enum": ["a", "b"]}, "b", None),
    ("Literal[1, 2]", {"type": "integer", "enum": [1, 2]}, 2, None),
    ("Literal['a', 1]", {"enum": ["a", 1]}, 1, None),
    ("Color", {"type": "string", "enum": ["red", "green"]}, "green", None),
    ("Level", {"type": "integer", "enum": [1, 2]}, 1, None),
    ("List[int]", {"type": "array", "items": INT}, [1, 2], None),
    ("list[int]", {"type": "array", "items": INT}, [1], (3, 9)),
    ("list", {"type": "array"}, [1, "a"], None),
    ("List", {"type": "array"}, [], None),
    ("Sequence[str]", {"type": "array", "items": STR}, ["a"], None),
    ("Set[int]", {"type": "array", "items": INT}, [1, 2], None),
    ("frozenset[str]", {"type": "array", "items": STR}, ["a"], (3, 9)),
    ("Dict[str, int]", {"type": "object", "additionalProperties": INT}, {"a": 1}, None),
    ("dict[str, float]", {"type": "object", "additionalProperties": NUM}, {"a": 1.5}, (3, 9)),
    ("Dict[str, Any]", {"type": "object"}, {"a": [1]}, None),
    ("dict", {"type": "object"}, {}, None),
    (
        "Mapping[str, bool]",
        {"type": "object", "additionalProperties": {"type": "boolean"}},
        {},
        None,
    ),
    ("Tuple[int, ...]", {"type": "array", "items": INT}, [1, 2, 3], None),
    ("Tuple[float, float]", {"type": "array", "items": NUM}, [1.0, 2.0], None),
    ("tuple[int, str]", {"type": "array", "items": {"anyOf": [INT, STR]}}, [1, "a"], (3, 9)),
    ("tuple", {"type": "array"}, [], None),
    (
        "Movie",
        {
            "type": "object",
            "properties": {"title": STR, "year": INT},
            "required": ["title", "year"],
            "additionalProperties": False,
        },
        {"title": "Alien", "year": 1979},
        None,
    ),
    (
        "PartialMovie",
        {
            "type": "object",
            "properties": {"title": STR, "rating": NUM},
            "required": [],
            "additionalProperties": False,
        },
        {"rating": 4.5},
        None,
    ),
    ("Point", POINT, {"x": 1}, None),
    ("List[Point]", {"type": "array", "items": POINT}, [{"x": 1, "y": 2}], None),
    (
        "Box",
        {
            "type": "object",
            "properties": {"label": STR, "corners": {"type": "array", "items": POINT}},
            "required": ["label"],
            "additionalProperties": False,
        },
        {"label": "b", "corners": [{"x": 0.5}]},
        None,
    ),
    (
        "Dict[str, List[Optional[int]]]",
        {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"anyOf": [INT, NULL]}},
        },
        {"a": [1, None]},
        None,
    ),
    (
        "dict[str, list[int | None]]",
        {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"anyOf": [INT, NULL]}},
        },
        {"a": [1, None]},
        (3, 10),
    ),
]

NAMESPACE: Dict[str, Any] = {
    name: getattr(typing, name)
    for name in (
        "Any",
        "Dict",
        "List",
        "Literal",
        "Mapping",
        "Optional",
        "Sequence",
        "Set",
        "Tuple",
        "Union",
    )
}
NAMESPACE.update(
    Color=Color,
    Level=Level,
    Movie=Movie,
    PartialMovie=PartialMovie,
    Point=Point,
    Box=Box,
    Node=Node,
    UserId=UserId,
    typing_extensions=typing_extensions,
)

ALLOWED_KEYWORDS = {
    "type": str,
    "format": str,
    "description": str,
    "default": object,
    "enum": list,
    "items": dict,
    "properties": dict,
    "additionalProperties": (bool, dict),
    "anyOf": list,
    "required": list,
}
JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object", "null"}


def check_schema(doc: Any) -> None:
    """A small structural JSON Schema checker for the keywords ToolParam holds."""
    assert isinstance(doc, dict), doc
    for key, value in doc.items():
        assert key in ALLOWED_KEYWORDS, f"unknown keyword {key!r}"
        assert isinstance(value, ALLOWED_KEYWORDS[key]), (key, value)
    if "type" in doc:
        assert doc["type"] in JSON_TYPES
    for sub in doc.get("anyOf", []):
        check_schema(sub)
    if "items" in doc:
        check_schema(doc["items"])
    for sub in doc.get("properties", {}).values():
        check_schema(sub)
    if isinstance(doc.get("additionalProperties"), dict):
        check_schema(doc["additionalProperties"])
    assert set(doc.get("required", [])) <= set(doc.get("properties", {}))


def make_function(annotation: str, lazy: bool) -> Any:
    source = f"def probe(value: {annotation}) -> None:\n    'Probe a type.'\n"
    flags = __future__.annotations.compiler_flag if lazy else 0
    code = compile(source, "<probe>", "exec", flags=flags, dont_inherit=True)
    namespace = dict(NAMESPACE)
    exec(code, namespace)
    return namespace["probe"]


def value_schema(fn: Any) -> Dict[str, Any]:
    return ToolDef.from_function(fn).parameters.properties["value"].to_schema()


@pytest.mark.parametrize("lazy", [True, False], ids=["future-annotations", "eager"])
@pytest.mark.parametrize(
    ("annotation", "expected", "sample", "needs"), CASES, ids=[c[0] for c in CASES]
)
def test_schema_for_hint(
    annotation: str, expected: Any, sample: Any, needs: Any, lazy: bool
) -> None:
    if not lazy and needs is not None and sys.version_info < needs:
        pytest.skip(f"{annotation} cannot be evaluated on this Python")
    schema = value_schema(make_function(annotation, lazy))
    assert schema == expected
    check_schema(schema)
    assert validate(sample, ToolParam.from_dict(schema)) == []


def test_schemas_are_valid_json_schema_by_jsonschema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for annotation, _expected, sample, needs in CASES:
        if needs is not None and sys.version_info < needs:
            continue
        schema = value_schema(make_function(annotation, lazy=True))
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(sample, schema)


@pytest.mark.skipif(tx is None, reason="needs typing.NotRequired or typing_extensions")
def test_annotated_and_not_required_are_peeled() -> None:
    def probe(value: int, item: Item) -> None:
        """Probe."""

    probe.__annotations__ = {"value": tx.Annotated[int, "meta"], "item": Item}
    params = ToolDef.from_function(probe).parameters.to_schema()
    assert params["properties"]["value"] == INT
    item = params["properties"]["item"]
    assert item["properties"] == {
        "name": STR,
        "count": INT,
        "tags": {"type": "array", "items": STR},
    }
    assert item["required"] == ["name", "tags"]


@pytest.mark.parametrize(
    ("annotation", "fragment"),
    [
        ("bytes", "bytes has no JSON Schema equivalent"),
        ("complex", "complex"),
        ("typing.Callable[[int], int]", "Callable"),
        ("Dict[int, str]", "JSON object keys are strings"),
        ("Node", "refers to itself"),
        ("List[bytes]", "bytes"),
        ("Optional[Missing]", "Missing"),
    ],
)
def test_unsupported_hint_is_a_config_error_naming_the_parameter(
    annotation: str, fragment: str
) -> None:
    NAMESPACE["typing"] = typing
    with pytest.raises(ConfigError) as info:
        ToolDef.from_function(make_function(annotation, lazy=True))
    message = str(info.value)
    assert "'probe'" in message
    assert "'value'" in message
    assert fragment in message


def test_missing_hint_names_the_parameter() -> None:
    def probe(value, other: int) -> None:  # type: ignore[no-untyped-def]
        """Probe."""

    with pytest.raises(ConfigError, match="parameter 'value' has no type hint"):
        ToolDef.from_function(probe)


def test_defaults_make_parameters_optional_and_are_shown() -> None:
    def probe(
        city: str,
        days: int = 3,
        unit: Color = Color.RED,
        tags: Optional[List[str]] = None,
        where: Point = Point(1, 2),
    ) -> None:
        """Probe."""

    params = ToolDef.from_function(probe).parameters
    assert params.required == ["city"]
    assert params.properties["days"].default == 3
    assert params.properties["unit"].default == "red"
    assert params.properties["tags"].default is None
    assert params.properties["where"].default is None  # not JSON: left out, still optional
    assert params.additionalProperties is False


def test_kwargs_take_other_arguments_but_stay_out_of_the_schema() -> None:
    # As Inspect 0.3.285 (tool/_tool_info.py, model/_call_tools.py tool_params):
    # **kwargs is not in the schema, and receives the arguments no parameter takes.
    seen: Dict[str, Any] = {}

    def probe(city: str, **extra: Any) -> str:
        """Probe."""
        seen.update(extra, city=city)
        return "ok"

    params = ToolDef.from_function(probe).parameters
    assert params.additionalProperties is False
    assert list(params.properties) == ["city"]
    call = ToolCall(id="1", function="probe", arguments={"city": "Oslo", "zone": 1})
    execute_tools([ChatMessageAssistant(content="", tool_calls=[call])], [probe])
    assert seen == {"city": "Oslo", "zone": 1}
