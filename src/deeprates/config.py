"""Configuration: schema validation with messages that name the key, and semantic checks.

One path for every entry point: the workflow (workflow/Snakefile) and `check-config` both call
`deeprates.figures.check_config()`, so they accept and reject the same configs and see the same
values. This module knows no figure (every figure module imports ConfigError from here); the
registry combines its checks with the figures' own. The whole check unshares
YAML anchors (config.yaml gives the six voxel figures one `dataset` mapping; an override of one
figure must not reach the others), rejects NaN and infinities anywhere, validates against the
schema (messages name the key), fills defaults, runs each figure module's `check_params` (what a
schema cannot say, e.g. "M beyond what float64 can decode") and refuses configs whose job count
exceeds `max_jobs` before any job starts.
"""

from __future__ import annotations

import copy
import math
import os
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
            # a default beside a $ref (JSON Schema 2020-12 allows siblings) wins over the target's
            default = sub if "default" in sub else sub_resolved
            if key not in instance and "default" in default:
                instance[key] = copy.deepcopy(default["default"])
            if key in instance:
                walk(instance[key], sub_resolved, sub_base)

    walk(config, load_yaml(schema_path), schema_path.resolve())
    return config


def check(config: dict, schema_path: Path = SCHEMA) -> None:
    """Validate `config` and fill its defaults in place (deeprates.figures.check_config is the
    entry points' call: it adds the figures' own checks and the limits)."""
    errors = non_finite(config) or schema_errors(config, schema_path)
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    fill_defaults(config, schema_path)


def merged(*paths: str | Path) -> dict:
    """Later files override earlier ones key by key (as Snakemake merges --configfile), into
    a new dict: no input is changed, and no mapping of the result is shared with another."""
    out: dict[str, Any] = {}
    for p in paths:
        out = merge(out, load_yaml(p))
    return out


def merge(base: dict, new: dict) -> dict:
    """`base` updated key by key with `new`, as a new, unshared dict."""
    out = unshare(base)
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = unshare(v)
    return out


def unshare(obj: Any) -> Any:
    """A copy in which no dict or list appears twice (copy.deepcopy keeps YAML anchors' aliases
    aliased; this does not)."""
    if isinstance(obj, dict):
        return {k: unshare(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [unshare(v) for v in obj]
    return obj


def non_finite(obj: Any, path: tuple = ()) -> list[str]:
    """'config key <path>: ...' for every NaN or infinity (YAML's .nan, .inf): no parameter
    means anything as one, and they slip through a schema's minimum/maximum."""
    if isinstance(obj, dict):
        return [m for k, v in obj.items() for m in non_finite(v, (*path, k))]
    if isinstance(obj, list):
        return [m for i, v in enumerate(obj) for m in non_finite(v, (*path, i))]
    if isinstance(obj, float) and not math.isfinite(obj):
        return [f"config key {key_path(path)}: {obj} is not a finite number"]
    return []


def check_limits(config: dict, counts: dict[str, int]) -> None:
    """Refuse a config whose jobs would swamp the scheduler (Snakemake holds every job of the DAG
    in memory: 200,000 jobs took more than 4 GB before the first one started). `counts`: compute
    jobs per figure, from the figure modules (deeprates.figures.check_config)."""
    limit = int(config.get("max_jobs", 5000))
    if sum(counts.values()) > limit:
        worst = max(counts, key=counts.get)
        raise ConfigError(
            f"config key figures.{worst}: {counts[worst]} compute jobs ({sum(counts.values())} in "
            f"all) exceed max_jobs = {limit}; give each job more work (e.g. seeds_per_job), ask for "
            "fewer runs, or raise max_jobs if the scheduler can take it")


def check_device(config: dict) -> None:
    """`device: cuda` needs CUDA where the jobs run; called for local runs only (a cluster's
    submit host often has no GPU while its compute nodes do)."""
    if config.get("device") != "cuda":
        return
    import torch

    if not torch.cuda.is_available():
        raise ConfigError("config key device: 'cuda', but torch sees no CUDA device here; "
                          "use auto (CUDA when present, else CPU) or cpu")


def check_writable(config: dict) -> None:
    """Output folders the run will write into must be writable (else Snakemake fails in job
    preparation with a traceback instead of a message)."""
    for key in ("results_dir", "figures_dir"):
        folder = Path(config[key])
        existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ConfigError(f"config key {key}: {existing.resolve()} is not writable; make it "
                              f"writable or set {key} to a folder you can write")
