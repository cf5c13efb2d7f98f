"""docs/api.md: the API reference, rendered from the pydantic models in `apis/`.

Every kind, every field (its wire name, type, default and docstring) and every nested type,
with the rules the API server enforces (the CEL messages of the generated CRDs) and what
`kubectl` shows (short names, printer columns, the scale subresource). The text comes from
the models' docstrings, so the reference cannot drift from the CRDs; `make docs` rewrites it
and a unit test fails when the committed file differs.
"""

from __future__ import annotations

import ast
import enum
import inspect
import re
import types
import typing
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from apis import KINDS, crd, labels
from apis import types as api_types
from apis.meta import API_VERSION, ObjectMeta, Resource

OBJECT_META_URL = (
    "https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/"
)


class NamedType(enum.Enum):
    """The constrained scalar types of `apis.types`, described once in their own section
    rather than at every field that uses them."""

    QUANTITY = ("Quantity", api_types.Quantity, api_types.QUANTITY, "integer or string")
    STORAGE = (
        "Storage",
        api_types.Storage,
        f"{api_types.STORAGE}; never 0, and never smaller than before (a PVC only grows)",
        "string",
    )
    DURATION = (
        "Duration",
        api_types.Duration,
        f"{api_types.DURATION}; at most {api_types.MAX_DURATION}",
        "string",
    )
    VERSION = ("Version", api_types.Version, api_types.VERSION, "string")
    DNS_LABEL = ("DNSLabel", api_types.DNSLabel, api_types.DNS_LABEL, "string")
    DNS1035_LABEL = ("DNS1035Label", api_types.DNS1035Label, api_types.DNS1035_LABEL, "string")

    def __init__(self, title: str, hint: Any, meaning: str, wire: str) -> None:
        self.title = title
        self.hint = hint
        self.meaning = meaning
        self.wire = wire


def _named(hint: Any) -> NamedType | None:
    return next((n for n in NamedType if n.hint == hint), None)


def anchor(title: str) -> str:
    """GitHub's anchor of a heading: lower case, spaces to dashes, punctuation dropped."""
    return re.sub(r"[^\w\- ]", "", title).strip().lower().replace(" ", "-")


def _link(title: str) -> str:
    return f"[{title}](#{anchor(title)})"


def _one_line(text: str | None) -> str:
    """Docstrings wrap lines, but a table cell is one line; `|` would end the cell, and
    `<name>` outside code would be taken for HTML."""
    parts = " ".join((text or "").split()).replace("|", "\\|").split("`")
    for i in range(0, len(parts), 2):  # outside code spans
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def _models(hint: Any) -> Iterator[type[BaseModel]]:
    """The models a field's type refers to, in the order they appear."""
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        yield hint
        return
    if _named(hint) is not None:
        return
    for arg in typing.get_args(hint):
        yield from _models(arg)


def _is_none(hint: Any) -> bool:
    return hint is type(None)


def render_type(hint: Any) -> str:
    """The type of a field as a reader of YAML sees it, nested types linked."""
    named = _named(hint)
    if named is not None:
        return _link(named.title)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return render_type(args[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if not _is_none(a)]
        if len(options) == 1:
            return render_type(options[0])
        return " or ".join(render_type(a) for a in options)
    if origin is typing.Literal:
        return "string: " + " \\| ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {render_type(args[0])}"
    if origin is dict:
        if args and args[1] is Any:
            return "object (free-form)"
        return f"map of {render_type(args[0])} to {render_type(args[1])}"
    if hint is ObjectMeta:
        return f"[ObjectMeta]({OBJECT_META_URL})"
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return _link(hint.__name__)
    simple = {bool: "boolean", int: "integer", str: "string", datetime: "string (date-time)"}
    if hint in simple:
        return simple[hint]
    raise TypeError(f"no rendering for the type {hint!r}")


def _base(hint: Any) -> Any:
    """The type without None and without Annotated."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _base(typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if not _is_none(a)]
        if len(options) == 1:
            return _base(options[0])
    return hint


_UNITS = {list: ("item", "items"), dict: ("entry", "entries"), str: ("character", "characters")}


def _bounds(hint: Any, field: FieldInfo) -> list[str]:
    """The field's own limits (those of a named type are in its section)."""
    if _named(_base_named(hint)) is not None:
        return []
    base = typing.get_origin(_base(hint)) or _base(hint)
    words = _UNITS.get(base)
    low = high = None
    for item in field.metadata:
        match item:
            case annotated_types.Ge(ge=value) | annotated_types.MinLen(min_length=value):
                low = value
            case annotated_types.Le(le=value) | annotated_types.MaxLen(max_length=value):
                high = value
            case annotated_types.Gt() | annotated_types.Lt():
                raise TypeError(f"no rendering for the bound {item!r}")

    def counted(n: int) -> str:
        return f"{n}" if words is None else f"{n} {words[0] if n == 1 else words[1]}"

    if low is not None and high is not None:
        return [f"{low} to {counted(high)}"]
    if low is not None:
        return [f"≥ {low}" if words is None else f"at least {counted(low)}"]
    if high is not None:
        return [f"≤ {high}" if words is None else f"at most {counted(high)}"]
    return []


def _base_named(hint: Any) -> Any:
    """The type without None, keeping a named type's Annotated form."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if not _is_none(a)]
        if len(options) == 1:
            return options[0]
    return hint


def render_default(field: FieldInfo) -> str:
    factory = field.default_factory
    if factory is not None:
        if isinstance(factory, type) and issubclass(factory, BaseModel):
            return "`{}`"
        value = factory()  # type: ignore[call-arg]
        return f"`{value!r}`" if value not in ([], {}) else f"`{'[]' if value == [] else '{}'}`"
    if field.default is PydanticUndefined:
        return "**required**"
    value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    return f"`{value}`"


def _rules(extra: Any) -> list[str]:
    """The messages of the CEL rules in a schema's extra keywords."""
    if not isinstance(extra, dict):
        return []
    out = []
    for rule in extra.get("x-kubernetes-validations", ()):
        message = rule.get("message")
        if message:
            out.append(message)
    return out


def _wire_name(name: str, field: FieldInfo) -> str:
    return field.alias or to_camel(name)


ENVELOPE = ("api_version", "kind", "metadata", "spec", "status")
"""The order of a kind's own fields, as in any Kubernetes object."""


def _fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    fields = list(model.model_fields.items())
    if issubclass(model, Resource):
        fields.sort(key=lambda item: ENVELOPE.index(item[0]))
    return fields


def _field_rows(model: type[BaseModel]) -> list[str]:
    hints = typing.get_type_hints(model, include_extras=True)
    rows = []
    for name, field in _fields(model):
        hint = hints[name]
        kind = render_type(hint)
        bounds = _bounds(hint, field)
        if bounds:
            kind += f" ({', '.join(bounds)})"
        description = _one_line(field.description)
        default = render_default(field)
        if issubclass(model, Resource) and name == "metadata":
            description = "Standard object metadata (name, namespace, labels, annotations...)."
        if issubclass(model, Resource) and name == "status":
            default = "written by the operator"
        rows.append(f"| `{_wire_name(name, field)}` | {kind} | {default} | {description} |")
    return rows


def _field_rules(model: type[BaseModel]) -> list[str]:
    """`field`: message, for the rules on the model and on its fields that are not a named
    type's own."""
    hints = typing.get_type_hints(model, include_extras=True)
    out = [f"- {_one_line(m)}" for m in _rules(model.model_config.get("json_schema_extra"))]
    for name, field in model.model_fields.items():
        if _named(_base_named(hints[name])) is not None:
            continue
        for message in _rules(field.json_schema_extra):
            out.append(f"- `{_wire_name(name, field)}`: {_one_line(message)}")
    return out


def _table(model: type[BaseModel]) -> list[str]:
    out = ["| Field | Type | Default | Description |", "| --- | --- | --- | --- |"]
    out += _field_rows(model)
    rules = _field_rules(model)
    if rules:
        out += ["", "The API server refuses an object that breaks these rules:", "", *rules]
    return out


def nested_types(kinds: Sequence[type[Resource]]) -> list[type[BaseModel]]:
    """Every model the kinds refer to, in the order a reader meets them (depth first), but
    ObjectMeta, which the API server owns."""
    seen: list[type[BaseModel]] = list(kinds)

    def visit(model: type[BaseModel]) -> None:
        hints = typing.get_type_hints(model, include_extras=True)
        for name in model.model_fields:
            for found in _models(hints[name]):
                if found is ObjectMeta or found in seen:
                    continue
                seen.append(found)
                visit(found)

    for kind in kinds:
        visit(kind)
    return seen[len(kinds) :]


def _kind_info(model: type[Resource]) -> crd.KindInfo:
    return next(info for info in crd.KIND_INFOS if info.model is model)


def _kind_section(model: type[Resource]) -> list[str]:
    info = _kind_info(model)
    columns = ", ".join(
        f"`{c['name']}`{' (-o wide)' if c.get('priority') else ''}" for c in info.columns
    )
    facts = [
        f"- `kubectl get {info.model.PLURAL}`, short name"
        f"{'s' if len(info.short_names) > 1 else ''} "
        + ", ".join(f"`{s}`" for s in info.short_names)
        + f", category `{crd.CATEGORY}`; namespaced.",
        f"- Columns: {columns}.",
    ]
    if crd.CATEGORY in info.short_names:
        facts.append(
            f"- The category `{crd.CATEGORY}` takes precedence over the short name "
            f"`{crd.CATEGORY}` in kubectl (`kubectl get {crd.CATEGORY}` lists all five kinds): "
            f"name these objects `{info.model.PLURAL}`."
        )
    if info.scalable:
        facts.append(
            f"- Scale subresource: `kubectl scale {info.short_names[0]} NAME --replicas=N` sets "
            "`spec.replicas`."
        )
    return [
        f"## {model.KIND}",
        "",
        _one_line(model.__doc__),
        "",
        *facts,
        "",
        *_table(model),
        "",
    ]


def _type_section(model: type[BaseModel]) -> list[str]:
    return [f"### {model.__name__}", "", _one_line(model.__doc__), "", *_table(model), ""]


def _named_section() -> list[str]:
    out = [
        "## Value types",
        "",
        "Constrained scalars used by several fields; the API server and the operator check "
        "them alike, with the same message.",
        "",
    ]
    for named in NamedType:
        meaning = named.meaning[0].upper() + named.meaning[1:]
        out += [f"### {named.title}", "", f"Type: {named.wire}. {meaning}.", ""]
    return out


def label_constants() -> list[tuple[str, str, str]]:
    """(constant, value, docstring) of every label, annotation and finalizer key in
    apis/labels.py, read from its source: the docstrings under module constants exist only
    there."""
    tree = ast.parse(inspect.getsource(labels))
    out = []
    body = tree.body
    for i, node in enumerate(body):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Constant)):
            continue
        if not isinstance(value.value, str) or "/" not in value.value:
            continue
        after = body[i + 1] if i + 1 < len(body) else None
        doc = ""
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            doc = str(after.value.value)
        out.append((target.id, value.value, doc))
    return out


def _labels_section() -> list[str]:
    out = [
        "## Labels, annotations and the finalizer",
        "",
        "Keys the operator sets on the objects it manages, and the two annotations a person "
        "sets on purpose: `tikv.org/override-safety-brake` on a Cluster and "
        "`tikv.org/allow-downgrade` on a group (see [runbooks](runbooks.md)).",
        "",
        "| Key | Description |",
        "| --- | --- |",
    ]
    for _, value, doc in label_constants():
        out.append(f"| `{value}` | {_one_line(doc)} |")
    return [*out, ""]


HEADER = f"""# API reference

<!-- Generated by `make docs` (hack/docs/api.py) from the models in apis/; do not edit. -->

Group and version: `{API_VERSION}`. The Cluster holds cluster-wide settings; PDGroups and
TiKVGroups name it in `spec.cluster.name` and create one PD or TiKV object per instance, from
their template. The CRDs in `manifests/crd/` are generated from the same models
(`tikv-operator crds`), so `kubectl explain` shows these descriptions too.

A spec the API server accepts but the operator cannot honour (TOML that does not parse, keys
the operator manages set in `config`, a version downgrade without the
`tikv.org/allow-downgrade` annotation) is not acted on: the object gets `Blocked=True` with
reason `InvalidSpec` naming the field (see [troubleshooting](troubleshooting.md#invalidspec)).

Defaults are applied by the API server; *unset* means the field is left out and the
operator decides (the message or the description says how). Status fields are written by
the operator only.
"""


def render() -> str:
    kinds = list(KINDS)
    lines = [HEADER, "## Kinds", ""]
    lines += ["| Kind | Short names | Description |", "| --- | --- | --- |"]
    for model in kinds:
        info = _kind_info(model)
        shorts = ", ".join(f"`{s}`" for s in info.short_names)
        lines.append(f"| {_link(model.KIND)} | {shorts} | {_one_line(model.__doc__)} |")
    lines.append("")
    for model in kinds:
        lines += _kind_section(model)
    lines += ["## Types", ""]
    for nested in nested_types(kinds):
        lines += _type_section(nested)
    lines += _named_section()
    lines += _labels_section()
    return "\n".join(lines).rstrip("\n") + "\n"
