"""``_copy.shallow_copy``: the config copy every call makes (issue 24)."""

from __future__ import annotations

import copy
from typing import Any, Dict, Optional

import attrs

from modelkit import GenerateConfig
from modelkit._copy import shallow_copy


def test_copy_has_every_field_and_is_a_new_object() -> None:
    config = GenerateConfig(temperature=0.5, max_tokens=10, stop_seqs=["x"], extra_body={"a": 1})
    copied = shallow_copy(config)
    assert copied is not config and copied == config
    assert attrs.asdict(copied, recurse=False) == attrs.asdict(config, recurse=False)
    copied.temperature = 0.9
    assert config.temperature == 0.5


def test_merge_none_shares_nothing_mutable() -> None:
    config = GenerateConfig(stop_seqs=["x"], extra_body={"a": {"b": 1}}, extra_headers={"H": "v"})
    merged = config.merge(None)
    merged.stop_seqs.append("y")  # type: ignore[union-attr]
    merged.extra_body["a"]["b"] = 2  # type: ignore[index]
    merged.extra_headers["H"] = "w"  # type: ignore[index]
    assert config.stop_seqs == ["x"]
    assert config.extra_body == {"a": {"b": 1}}
    assert config.extra_headers == {"H": "v"}


def test_merge_none_still_validates_when_the_copy_is_changed() -> None:
    merged = GenerateConfig().merge(None)
    try:
        merged.temperature = -1.0
    except Exception as exc:  # the copy keeps the class's on-setattr checks
        assert "temperature" in str(exc)
    else:
        raise AssertionError("a negative temperature was accepted")


class _Plain(GenerateConfig):  # no slots of its own: instances have a __dict__
    pass


@attrs.define
class _Slotted:
    a: int
    b: Optional[Dict[str, Any]] = None


def test_a_subclass_without_slots_is_copied_as_copy_copy_does() -> None:
    config = _Plain(temperature=0.2)
    config.__dict__["note"] = "extra"
    copied = shallow_copy(config)
    assert type(copied) is _Plain and copied.temperature == 0.2 and copied is not config
    assert copied.__dict__ == copy.copy(config).__dict__


def test_any_slotted_attrs_class() -> None:
    inner = {"k": 1}
    value = _Slotted(1, inner)
    copied = shallow_copy(value)
    assert copied == value and copied is not value and copied.b is inner  # shallow, as copy.copy
    assert copy.copy(value) == copied


@attrs.define
class _Fresh:
    a: int
    b: Optional[Dict[str, Any]] = None


def test_the_first_copy_of_a_class_compiles_nothing_the_second_generates_the_copier() -> None:
    """A process making one call (a serverless cold start, issue 24) copies its
    config once: that copy goes through ``copy.copy``; the copier is generated
    on the second. Both copy the same."""
    from modelkit import _copy

    source = _Fresh(a=1, b={"x": [1]})
    first = shallow_copy(source, ("b",))
    assert (_Fresh, ("b",)) not in _copy._copiers
    second = shallow_copy(source, ("b",))
    assert (_Fresh, ("b",)) in _copy._copiers
    for copied in (first, second):
        assert copied == source and copied is not source
        assert copied.b is not source.b and copied.b["x"] is not source.b["x"]
