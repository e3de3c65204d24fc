"""Docstring parsing for tool descriptions: Google, NumPy and reST styles.

Style references: Google (https://google.github.io/styleguide/pyguide.html,
section 3.8.3), NumPy (https://numpydoc.readthedocs.io/en/latest/format.html,
"Parameters"), reST / Sphinx (https://sphinx-rtd-tutorial.readthedocs.io/en/latest/docstrings.html).
"""

from __future__ import annotations

from typing import List, Optional

import pytest

from modelkit import ToolDef
from modelkit.tools._docstrings import parse_docstring


def google(city: str, days: int = 1, units: Optional[str] = None) -> str:
    """Get the weather forecast for a city.

    Uses the national weather service; results are cached
    for ten minutes.

    Args:
        city: The city to forecast,
            e.g. "Paris".
        days (int): How many days ahead.
        units (Optional[str]): ``"metric"`` or ``"imperial"``.

    Returns:
        The forecast, as text.

    Raises:
        ValueError: unknown city.
    """
    return city


def numpy_style(city: str, days: int = 1, units: Optional[str] = None) -> str:
    """Get the weather forecast for a city.

    Uses the national weather service; results are cached
    for ten minutes.

    Parameters
    ----------
    city : str
        The city to forecast,
        e.g. "Paris".
    days : int, optional
        How many days ahead.
    units
        ``"metric"`` or ``"imperial"``.

    Returns
    -------
    str
        The forecast, as text.
    """
    return city


def rest(city: str, days: int = 1, units: Optional[str] = None) -> str:
    """Get the weather forecast for a city.

    Uses the national weather service; results are cached
    for ten minutes.

    :param city: The city to forecast,
        e.g. "Paris".
    :param int days: How many days ahead.
    :type days: int
    :param units: ``"metric"`` or ``"imperial"``.
    :returns: The forecast, as text.
    :raises ValueError: unknown city.
    """
    return city


DESCRIPTION = (
    "Get the weather forecast for a city.\n\n"
    "Uses the national weather service; results are cached for ten minutes."
)
PARAMS = {
    "city": 'The city to forecast, e.g. "Paris".',
    "days": "How many days ahead.",
    "units": '``"metric"`` or ``"imperial"``.',
}


@pytest.mark.parametrize("fn", [google, numpy_style, rest], ids=["google", "numpy", "rest"])
def test_styles_give_the_same_description_and_parameters(fn: object) -> None:
    parsed = parse_docstring(fn.__doc__)
    assert parsed.description == DESCRIPTION
    assert parsed.params == PARAMS
    definition = ToolDef.from_function(fn)  # type: ignore[arg-type]
    assert definition.description == DESCRIPTION
    for name, text in PARAMS.items():
        assert definition.parameters.properties[name].description == text


def test_summary_only() -> None:
    assert parse_docstring("Add two numbers.").description == "Add two numbers."
    assert parse_docstring("   ").description == ""
    assert parse_docstring(None).params == {}


def test_google_variants() -> None:
    doc = """Search.

    Arguments:
        *terms: words to look for.
        **options: passed to the engine.
        limit: the most results. Defaults
            to ten.

    Example:
        search("x")
    """
    parsed = parse_docstring(doc)
    assert parsed.description == "Search."
    assert parsed.params == {
        "terms": "words to look for.",
        "options": "passed to the engine.",
        "limit": "the most results. Defaults to ten.",
    }


def test_google_multi_paragraph_parameter_and_keyword_section() -> None:
    doc = """Do it.

    Args:
        a: first line.

            second paragraph.

    Keyword Args:
        b: keyword only.
    """
    parsed = parse_docstring(doc)
    assert parsed.params == {"a": "first line.\n\nsecond paragraph.", "b": "keyword only."}


def test_numpy_several_names_on_one_line() -> None:
    doc = """Move.

    Parameters
    ----------
    x, y : float
        The coordinates.
    """
    assert parse_docstring(doc).params == {"x": "The coordinates.", "y": "The coordinates."}


def test_rest_keyword_fields() -> None:
    doc = """Move.

    :arg x: across.
    :keyword y: down.
    """
    assert parse_docstring(doc).params == {"x": "across.", "y": "down."}


def test_a_colon_in_the_description_is_not_a_section() -> None:
    doc = """Note: this tool is slow.

    Args:
        n: how many.
    """
    parsed = parse_docstring(doc)
    assert parsed.description == "Note: this tool is slow."
    assert parsed.params == {"n": "how many."}


def test_class_attribute_docs_describe_fields() -> None:
    import attrs

    @attrs.define
    class Stop:
        """A stop on a route.

        Args:
            name: where.
            minutes: how long.
        """

        name: str
        minutes: int = 5

    def route(stops: List[Stop]) -> None:
        """Plan a route."""

    route.__annotations__ = {"stops": List[Stop]}
    item = ToolDef.from_function(route).parameters.properties["stops"].items
    assert item is not None and item.properties is not None
    assert item.properties["name"].description == "where."
    assert item.properties["minutes"].description == "how long."
