"""Model roles outside an eval: ``ModelRoles`` and ``model_roles()`` (Inspect's names).

A role ("grader", "critic"...) is bound to a model by the environment,
``MODELKIT_MODEL_<ROLE>=provider/model`` (several models separated by
commas), or by code that calls ``get_model(role=..., default=...)``.
``model_roles()`` returns every role bound either way, each with its
``Model`` (or list of models), as Inspect's ``model_roles()`` returns the
roles of the running task.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Sequence, Union

from ._models import bound_roles, noted_roles
from .model import Model, get_model

__all__ = ["ModelRoles", "model_roles"]

ModelRoles = Mapping[str, Union[str, Model, Sequence[Union[str, Model]]]]
"""Models assigned to named roles (Inspect's type): a name or ``Model``, or a list of them."""


def model_roles() -> Dict[str, Union[Model, List[Model]]]:
    """The roles bound in this process, each with its model (Inspect's ``model_roles``).

    A role bound by ``$MODELKIT_MODEL_<ROLE>`` maps to the ``Model`` it names
    (a list of models when the variable lists several, comma-separated);
    a role that ``get_model(role=..., default=...)`` resolved otherwise maps
    to the model it returned. Each model's ``role`` is the role's name.

    Raises:
        ConfigError: a role variable names a malformed model or an unknown provider.
    """
    noted = noted_roles()
    roles: Dict[str, Union[Model, List[Model]]] = dict(noted)
    for role, specs in bound_roles(noted).items():
        if len(specs) == 1:
            roles[role] = get_model(role=role)
        else:
            roles[role] = [_with_role(get_model(spec, memoize=False), role) for spec in specs]
    return roles


def _with_role(model: Model, role: str) -> Model:
    model.role = role  # a model of its own (not memoized): nothing shared changes
    return model
