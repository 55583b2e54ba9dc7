"""Reading query and form values the way OpenAPI defines them.

For an array sent as repeated keys (``style: form``, ``explode: true``: OpenAPI's default for query
parameters and form fields), each key's value is one item. Connexion 3.3 joins the values with
commas and splits them again, so ``tag=a,b&tag=c`` reaches the handler as three items and an item
that holds a comma cannot be sent at all; :class:`RepeatedKeysURIParser` keeps the values as sent.
Other styles (``explode: false``, ``pipeDelimited``, ...) are split as Connexion splits them.
"""

from __future__ import annotations

import functools
import typing as t

from connexion.uri_parsing import OpenAPIURIParser, coerce_type


def _repeated(definition: dict, place: str) -> bool:
    style = definition.get("style", OpenAPIURIParser.style_defaults[place])
    return style == "form" and definition.get("explode", True)


class RepeatedKeysURIParser(OpenAPIURIParser):
    # Connexion's parser rebuilds these two tables from the definitions on every access (per value
    # read); the definitions do not change after start-up, so each is built once.
    @functools.cached_property
    def param_schemas(self) -> dict:  # type: ignore[override]
        return super().param_schemas

    @functools.cached_property
    def form_defns(self) -> dict:  # type: ignore[override]
        return super().form_defns

    @functools.cached_property
    def _repeated_arrays(self) -> frozenset[str]:
        return frozenset(name for name, definition in self.form_defns.items() if definition.get("type") == "array"
                         and _repeated(self._body_encoding.get(name, {"style": "form"}), "form"))

    def resolve_form(self, form_data: dict) -> dict:
        if self._body_schema is None or self._body_schema.get("type") != "object":
            return form_data
        arrays = self._repeated_arrays
        repeated = {name: values for name, values in form_data.items() if name in arrays}
        resolved = super().resolve_form({name: values for name, values in form_data.items() if name not in arrays})
        for name, values in repeated.items():
            items = list(values) if isinstance(values, (list, tuple)) else [values]
            resolved[name] = coerce_type(self.form_defns[name], items, "requestBody", name)
        return resolved

    @staticmethod
    def _resolve_param_duplicates(values: t.Any, param_defn: dict, _in: str) -> t.Any:
        if _in == "query" and _repeated(param_defn, "query"):  # only array parameters come here
            return list(values) if isinstance(values, (list, tuple)) else [values]
        return OpenAPIURIParser._resolve_param_duplicates(values, param_defn, _in)

    @staticmethod
    def _split(value: t.Any, param_defn: dict, _in: str) -> t.Any:
        if isinstance(value, list):
            return value
        return OpenAPIURIParser._split(value, param_defn, _in)
