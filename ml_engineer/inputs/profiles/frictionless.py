"""Read a Frictionless table schema, a `frictionless describe` resource, or a data package.

A schema says only names and types: no missing counts, no cardinality. So missing and unique stay
None, and `string` maps to text: the planner treats strings of unknown cardinality conservatively.
"""

from __future__ import annotations

from typing import Any

from ml_engineer.inputs.profiles.build import build_profile, no_columns_error
from ml_engineer.inputs.profiles.flags import attach
from ml_engineer.inputs.profiles.numbers import parse_count
from ml_engineer.inputs.profiles.unread import ColumnFields, Unread, parse_or_note, short
from ml_engineer.inputs.profiles.values import column_name, parse_samples, value_text
from ml_engineer.inputs.profiles.vocabulary import words
from ml_engineer.models.profile import ColumnKind, ColumnProfile, DataProfile

TYPES = {
    "string": ColumnKind.text,
    "integer": ColumnKind.numeric,
    "number": ColumnKind.numeric,
    "boolean": ColumnKind.boolean,
    "date": ColumnKind.datetime,
    "datetime": ColumnKind.datetime,
    "time": ColumnKind.datetime,
    "year": ColumnKind.datetime,
    "yearmonth": ColumnKind.datetime,
}
# Legal Frictionless types this product cannot model directly: unknown, but not "unread".
OTHER_TYPES = frozenset(words("object array list geopoint geojson duration any"))

FIELD_KEYS = frozenset(
    words(
        "name type format title description constraints example rdfType missingValues "
        "trueValues falseValues bareNumber groupChar decimalChar categories categoriesOrdered "
        "delimiter itemType arrayItem floatNumber"
    )
)
SCHEMA_KEYS = frozenset(
    words(
        "fields primaryKey foreignKeys missingValues $schema fieldsMatch name title description "
        "uniqueKeys profile"
    )
)
# Resource-level keys that describe the file, not its columns.
RESOURCE_IGNORED = frozenset(
    words(
        "name type scheme format mediatype encoding hash bytes fields dialect control title "
        "description profile $schema licenses sources compression innerpath sha256 md5 layout data"
    )
)
PACKAGE_IGNORED = frozenset(
    words(
        "name title description profile $schema licenses sources version created contributors "
        "keywords homepage id image"
    )
)


def is_frictionless_field(field: Any) -> bool:
    """A field with `name` and `type` and nothing a profile would add (stats, counts...)."""
    return (
        isinstance(field, dict)
        and "name" in field
        and isinstance(field.get("type", "string"), str)
        and set(field) <= FIELD_KEYS
    )


def looks_like_frictionless(data: dict) -> bool:
    """A schema, a described resource or a data package, as opposed to an LLM profile."""
    resources = data.get("resources")
    if isinstance(resources, list) and resources and isinstance(resources[0], dict):
        return looks_like_frictionless(resources[0])
    schema = data.get("schema")
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
        return not isinstance(data.get("columns"), list | dict) and all(
            is_frictionless_field(f) for f in schema["fields"]
        )
    fields = data.get("fields")
    return (
        isinstance(fields, list)
        and bool(fields)
        and all(is_frictionless_field(f) for f in fields)
        and set(data) <= SCHEMA_KEYS
    )


def read_frictionless(data: dict, profile_path: str) -> DataProfile:
    """Read a Frictionless schema, resource or package already parsed from JSON."""
    unread = Unread()
    prefix = ""
    resource = data
    resources = data.get("resources")
    if isinstance(resources, list):
        for key in data:
            if key != "resources" and key not in PACKAGE_IGNORED:
                unread.add(str(key))
        if not resources or not isinstance(resources[0], dict):
            raise no_columns_error(profile_path, data.keys(), "frictionless data package")
        if len(resources) > 1:
            unread.add(f"resources[1:] ({len(resources) - 1} more; only the first is read)")
        resource, prefix = resources[0], "resources[0]."

    # Keys a resource carries about the file as a whole; `path`, `rows`, `stats` are read.
    resource_known = RESOURCE_IGNORED | {"schema", "path", "rows", "stats"}
    schema = resource.get("schema")
    if isinstance(schema, str):
        what = "frictionless resource (its schema is a link, not inline)"
        raise no_columns_error(profile_path, resource.keys(), what)
    if isinstance(schema, dict):
        schema_prefix = f"{prefix}schema."
        unknown = [k for k in resource if k not in resource_known]
        unknown += [f"schema.{k}" for k in schema if k not in SCHEMA_KEYS]
    else:
        schema, schema_prefix = resource, prefix  # a bare table schema
        unknown = [k for k in schema if k not in SCHEMA_KEYS and k not in resource_known]
    for key in unknown:
        unread.add(f"{prefix}{key}")
    fields = schema.get("fields")
    if not isinstance(fields, list):
        raise no_columns_error(profile_path, data.keys(), "frictionless schema")

    named = ColumnFields(unread, f"{schema_prefix}fields", is_list=True)
    columns = [c for i, f in enumerate(fields) if (c := _read_field(f, i, named))]
    known = {c.name: c for c in columns}
    primary = schema.get("primaryKey")
    for name in [primary] if isinstance(primary, str) else primary or []:
        if isinstance(name, str) and name in known:
            attach(known[name], "primaryKey", ["likely_id"])

    stats = resource.get("stats") if isinstance(resource.get("stats"), dict) else {}
    rows = resource.get("rows", stats.get("rows"))
    # `describe --stats` writes the number of fields as `fields`; a list there is the schema.
    field_count = resource.get("fields", stats.get("fields"))
    if isinstance(field_count, list):
        field_count = None

    return build_profile(
        source_format="frictionless",
        profile_path=profile_path,
        columns=columns,
        row_count=parse_or_note(parse_count, rows, f"{prefix}rows", unread),
        column_count=parse_or_note(parse_count, field_count, f"{prefix}fields", unread),
        dataset_path=_path_of(resource.get("path"), prefix, unread),
        quality_notes=[],
        unread=unread,
        top_keys=data.keys(),
    )


def _path_of(path: Any, prefix: str, unread: Unread) -> str | None:
    if isinstance(path, str):
        return path
    if isinstance(path, list) and path and all(isinstance(p, str) for p in path):
        if len(path) > 1:
            unread.add(f"{prefix}path[1:] (multi-part resource; only the first part is named)")
        return path[0]
    if path is not None:
        unread.add(f"{prefix}path: cannot read {short(path)}")
    return None


def _read_field(field: Any, index: int, named: ColumnFields) -> ColumnProfile | None:
    name = column_name(field.get("name")) if isinstance(field, dict) else None
    if name is None:
        named.unread.add(f"{named.container}[{index}]: field without a name")
        return None
    source_type = field.get("type", "string")  # Frictionless' default type is string
    kind = TYPES.get(source_type) if isinstance(source_type, str) else None
    if kind is None:
        kind = ColumnKind.unknown
        if not isinstance(source_type, str) or source_type not in OTHER_TYPES:
            named.bad_value(name, "type", source_type, "unrecognised type")
    column = ColumnProfile(name=name, kind=kind, source_type=value_text(source_type))

    constraints = field.get("constraints")
    if isinstance(constraints, dict):
        if constraints.get("unique") is True:
            attach(column, "constraints.unique", ["unique"])
        enum = constraints.get("enum")
        if isinstance(enum, list) and enum:
            # An enumerated string is categorical by declaration, not by guess.
            if kind is ColumnKind.text:
                column.kind = ColumnKind.categorical
            column.sample_values = parse_samples(enum) or []
    if "example" in field and not column.sample_values:
        column.sample_values = parse_samples(field["example"]) or []
    if isinstance(field.get("description"), str) and field["description"].strip():
        attach(column, f"description: {field['description']}", [])
    for key in field:
        if key not in FIELD_KEYS:
            named.unknown_key(key)
    return column
