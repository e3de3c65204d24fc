"""Structured output: ``ResponseSchema``, schemas from Python types, answers parsed and checked."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any, Dict, List, Optional, TypedDict

import attrs
import pytest

from modelkit import GenerateConfig, ResponseSchema, get_model
from modelkit.api import ModelAPI, modelapi
from modelkit.errors import ConfigError, ResponseFormatError
from modelkit.output import ModelOutput


class Movie(TypedDict):
    title: str
    year: int


@dataclasses.dataclass
class City:
    """A city and its country."""

    name: str
    country: str
    population: Optional[int] = None


@attrs.define
class Trip:
    cities: List[City]
    days: int


class PydanticLike:
    """Duck-typed as a pydantic model: ``model_json_schema`` and ``model_validate``."""

    def __init__(self, **data: Any) -> None:
        self.data = data

    @classmethod
    def model_json_schema(cls) -> Dict[str, Any]:
        return {
            "$defs": {
                "Point": {
                    "type": "object",
                    "properties": {"x": {"type": "number"}},
                    "required": ["x"],
                }
            },
            "type": "object",
            "properties": {"point": {"$ref": "#/$defs/Point"}},
            "required": ["point"],
            "title": "Shape",
        }

    @classmethod
    def model_validate(cls, value: Any) -> PydanticLike:
        return cls(**value)


def test_schemas_from_types() -> None:
    movie = ResponseSchema.from_type(Movie)
    assert movie.name == "Movie"
    assert movie.json_schema["required"] == ["title", "year"]
    city = ResponseSchema.from_type(City, strict=True)
    assert city.description == "A city and its country."
    assert city.json_schema["additionalProperties"] is False
    assert city.json_schema["required"] == ["name", "country"]
    trip = ResponseSchema.from_type(Trip, name="trip")
    assert trip.json_schema["properties"]["cities"]["items"]["properties"]["country"] == {
        "type": "string"
    }
    assert ResponseSchema.from_type(PydanticLike).json_schema["title"] == "Shape"
    with pytest.raises(ConfigError, match="cannot build a JSON Schema"):
        ResponseSchema.from_type(object())


def test_response_schema_checks_and_round_trips() -> None:
    with pytest.raises(ConfigError, match="1-64 letters"):
        ResponseSchema(name="has space", json_schema={})
    with pytest.raises(ConfigError, match="JSON Schema dict"):
        ResponseSchema(name="x", json_schema="{}")  # type: ignore[arg-type]
    config = GenerateConfig(response_schema=ResponseSchema.from_type(City))
    assert GenerateConfig.from_dict(config.to_dict()) == config
    assert GenerateConfig(response_schema=config.to_dict()["response_schema"]) == config
    assert pickle.loads(pickle.dumps(config)) == config


def output(text: str) -> ModelOutput:
    return ModelOutput.from_content("m", text)


def test_parse_into_types() -> None:
    assert output('{"name": "Paris", "country": "France"}').parse(City) == City("Paris", "France")
    trip = output('{"cities": [{"name": "Lyon", "country": "France"}], "days": 3}').parse(Trip)
    assert trip == Trip([City("Lyon", "France")], 3)
    assert output('{"title": "Heat", "year": 1995}').parse(Movie) == {"title": "Heat", "year": 1995}
    shape = output('{"point": {"x": 1.5}}').parse(PydanticLike)
    assert isinstance(shape, PydanticLike) and shape.data == {"point": {"x": 1.5}}
    schema = ResponseSchema.from_type(City)
    assert output('{"name": "Nice", "country": "France"}').parse(schema)["name"] == "Nice"


@pytest.mark.parametrize(
    "text, message",
    [
        ("Paris, France", "not JSON"),
        ('{"name": "Paris"}', "country: required but missing"),
        ('{"name": "Paris", "country": "France", "mayor": "x"}', "mayor"),
        ('{"name": 1, "country": "France"}', "expected string"),
    ],
)
def test_an_invalid_answer_raises_keeping_the_raw_text(text: str, message: str) -> None:
    with pytest.raises(ResponseFormatError, match=message) as caught:
        output(text).parse(City)
    assert caught.value.text == text
    again = pickle.loads(pickle.dumps(caught.value))
    assert again.text == text


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "text, into, message",
    [
        (DEEP, {"type": "array"}, "nested too deeply"),
        ('{"v": ' + "[" * 5000 + "]" * 5000 + "}", {"type": "object"}, "nested too deeply"),
        ('{"x": NaN}', {"type": "object", "properties": {"x": {"type": "number"}}}, "NaN"),
        ('{"x": Infinity}', {"type": "object"}, "Infinity"),
        ("[-Infinity]", {"type": "array", "items": {"type": "number"}}, "-Infinity"),
        ('{"name": "Paris", "country": "France", "population": NaN}', City, "NaN"),
    ],
)
def test_hostile_json_is_a_response_format_error(text: str, into: Any, message: str) -> None:
    """Issue 19 point 14: read through the strict ``modelkit/_json.py`` reader."""
    with pytest.raises(ResponseFormatError, match=message) as caught:
        output(text).parse(into)
    assert caught.value.text == text


def test_a_provider_that_cannot_honour_a_schema_refuses_it() -> None:
    @modelapi("no-schema-test")
    class NoSchema(ModelAPI):
        def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
            return ModelOutput.from_content(self.model_name, "free text")

        def config_fields(self) -> Any:
            return frozenset()

    model = get_model("no-schema-test/m")
    config = GenerateConfig(response_schema=ResponseSchema.from_type(City))
    with pytest.raises(ConfigError, match="cannot honour response_schema"):
        model.generate("hi", config=config)
    with pytest.raises(ConfigError, match="cannot honour response_schema"):
        model.stream("hi", config=config)
