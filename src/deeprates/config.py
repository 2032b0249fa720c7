"""Configuration: schema validation with messages that name the key, and semantic checks.

The workflow validates with Snakemake's `validate()` (which also fills defaults). What a schema
cannot say (each figure module's `check_params`, e.g. "M beyond what float64 can decode") is
checked by `deeprates.figures.check_config`, which `check-config` and the workflow call.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).resolve().parent / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the key and what to set."""


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a mapping of keys to values")
    return data


def key_path(parts) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


def schema_errors(config: dict, schema_path: Path = SCHEMA) -> list[str]:
    """All schema violations, each as 'config key <path>: <problem>'."""
    import jsonschema
    from referencing import Registry, Resource

    def retrieve(uri: str) -> Resource:
        from urllib.parse import urlparse
        from urllib.request import url2pathname

        return Resource.from_contents(load_yaml(url2pathname(urlparse(uri).path)))

    schema = load_yaml(schema_path)
    schema["$id"] = schema_path.resolve().as_uri()
    registry = Registry(retrieve=retrieve)
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    messages = []
    for err in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        where = key_path(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            extra = sorted(set(err.instance) - set(allowed))
            for key in extra:
                messages.append(
                    f"config key {key_path([*err.absolute_path, key])}: unknown key "
                    f"(allowed here: {', '.join(allowed)})"
                )
        else:
            messages.append(f"config key {where}: {err.message}")
    return messages


def fill_defaults(config: dict, schema_path: Path = SCHEMA) -> dict:
    """Set every missing key that has a `default` in the schema, following `$ref`s into the
    per-figure schemas (Snakemake's validate() fills defaults only where it does not have to
    follow a reference). Returns the config, changed in place."""

    def resolve(schema: dict, base: Path) -> tuple[dict, Path]:
        while "$ref" in schema:
            target = (base.parent / schema["$ref"]).resolve()
            schema, base = load_yaml(target), target
        return schema, base

    def walk(instance, schema: dict, base: Path) -> None:
        schema, base = resolve(schema, base)
        if not isinstance(instance, dict):
            return
        for key, sub in schema.get("properties", {}).items():
            sub_resolved, sub_base = resolve(sub, base)
            if key not in instance and "default" in sub_resolved:
                instance[key] = copy.deepcopy(sub_resolved["default"])
            if key in instance:
                walk(instance[key], sub_resolved, sub_base)

    walk(config, load_yaml(schema_path), schema_path.resolve())
    return config


def check(config: dict, schema_path: Path = SCHEMA) -> None:
    """Schema checks, then fill defaults. The figure modules' own checks (which import this module
    for ConfigError) run in `deeprates.figures.check_config`, so this module imports no figure."""
    errors = schema_errors(config, schema_path)
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    fill_defaults(config, schema_path)


def merged(*paths: str | Path) -> dict:
    """Later files override earlier ones key by key (as Snakemake merges --configfile)."""
    out: dict[str, Any] = {}
    for p in paths:
        _deep_update(out, load_yaml(p))
    return out


def _deep_update(base: dict, new: dict) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _deep_update(base[k], v)
        else:
            base[k] = v
