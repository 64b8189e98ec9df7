"""One line for each error Hydra or OmegaConf raises while composing ``sim``'s config.

Hydra checks the schema (:mod:`sim.config.schema`) as it composes: a key the config does
not have, a value of the wrong type, an option a config group lacks, malformed YAML or a
malformed override. Each becomes one line naming the key and what to type instead; a
value of the wrong type gets the validator's own message (:mod:`sim.config.validate`).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.cli.argv import USAGE, CommandLine
from sim.config.schema import dotted_keys
from sim.config.validate import validate_run_config
from sim.engine.params import ConfigError, closest, did_you_mean, iter_params, show
from sim.resources import CONF_DIR
from sim.scenarios import SCENARIOS


def compose(h, cl: CommandLine, overrides: list[str]) -> DictConfig:
    """The config Hydra instance ``h`` composes for ``overrides`` (without ``hydra``)."""
    from hydra.types import RunMode
    from omegaconf import open_dict

    cfg = h.compose_config(cl.options.get("--config-name", "config"), overrides, run_mode=RunMode.RUN,
                           from_shell=True, with_log_configuration=False)
    with open_dict(cfg):
        cfg.pop("hydra", None)
    return cfg


def documented_keys() -> list[str]:
    """Every dotted key a run config may have (axes spelt out), game parameters included."""
    keys = dotted_keys()
    for sc in SCENARIOS.values():
        keys += [f"game.{i.name}" for i in iter_params(sc.params_cls)]
        keys += sorted({f"game.{i.name.rpartition('.')[0]}" for i in iter_params(sc.params_cls) if "." in i.name})
    return list(dict.fromkeys(keys))


def _ascii_twin(text: str) -> str | None:
    """``text`` with look-alike characters made ASCII (full-width letters, other digits,
    decimal separators, dashes, quotes), or None if some character has no ASCII twin."""
    out = []
    for c in unicodedata.normalize("NFKC", text):
        if c.isascii():
            out.append(c)
            continue
        name = unicodedata.name(c, "")
        if unicodedata.decimal(c, None) is not None:
            out.append(str(unicodedata.decimal(c)))
        elif "DECIMAL SEPARATOR" in name or name == "ARABIC COMMA":
            out.append(".")
        elif "MINUS" in name or "DASH" in name or "HYPHEN" in name:
            out.append("-")
        elif "QUOTATION MARK" in name or "APOSTROPHE" in name:
            out.append("'")
        else:
            return None
    return "".join(out)


def malformed(line: str, exc: Exception, keys: list[str]) -> str:
    """One line for an override Hydra's grammar cannot parse."""
    bad = next((c for c in line if not c.isascii()), None)
    if bad is not None:
        what = f"{bad!r} ({unicodedata.name(bad, f'U+{ord(bad):04X}')})"
        twin = _ascii_twin(line)
        fix = f"; did you mean '{twin}'?" if twin and twin != line else \
            "; keys, numbers and unquoted words are ASCII (quote other text: key='...')"
        return f"malformed override '{line}': {what} is not ASCII{fix}"
    if "=" not in line:
        word = line.lstrip("+~")
        match = closest(word, keys)
        hint = f" (did you mean '{match}=...'?)" if match else ""
        return f"malformed override '{line}': not key=value{hint}; {USAGE}"
    lines = [ln for ln in str(exc).splitlines() if ln.strip() and not ln.startswith(("See ", "Error parsing"))]
    reason = lines[0].strip() if lines else "cannot parse it"
    return (f"malformed override '{line}': {reason} (lists are [a,b], mappings {{k:v}}, "
            "quote values with spaces or special characters: key='...')")


def _yaml_error(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"malformed YAML: {problem}"
    path = os.path.relpath(mark.name) if not os.path.relpath(mark.name).startswith("..") else mark.name
    hint = "; indent YAML with spaces, not tabs" if "\\t" in problem or "\t" in problem else ""
    return f"malformed YAML in {path}, line {mark.line + 1}, column {mark.column + 1}: {problem}{hint}"


def group_options(h, group: str) -> list[str]:
    """The options of a config group, without the typed schemas (``game/iraq2020_schema``)."""
    return [o for o in h.config_loader.get_group_options(group) if not o.endswith("_schema")]


def _missing_option(exc: Exception, h) -> str:
    """An unknown option of a config group (``experiment=nope``), or primary config."""
    text = str(exc)
    head = text.splitlines()[0]
    if "Cannot find primary config" in text:
        return f"--config-name: {head}"
    ref = head.split("'")[-2] if head.count("'") >= 2 and "/" in head else ""
    group, _, option = ref.rpartition("/")
    if not group:
        return head
    try:
        options = group_options(h, group)
    except Exception:  # noqa: BLE001 (best effort: the listing is a courtesy)
        options = []
    hint = did_you_mean(option, options)
    return (f"{group}={option!r} is not an option of the config group {group}{hint}; "
            f"allowed: {', '.join(options) or '(none found)'}")


def _children(prefix: str, keys: list[str]) -> list[str]:
    return list(dict.fromkeys(k[len(prefix):].split(".")[0] for k in keys if k.startswith(prefix)))


def _unknown_key(key: str, line: str, keys: list[str], groups: list[str], base) -> str:
    """One line for ``key=value`` whose key the composed config does not have."""
    parent, _, leaf = key.rpartition(".")
    if key in keys:  # a documented key this composition does not have
        if parent == "dynamics":
            rules = [p.stem for p in sorted((Path(CONF_DIR) / "dynamics").glob("*.yaml"))
                     if f"\n{leaf}:" in "\n" + p.read_text()]
            rule = OmegaConf.select(base, "dynamics.rule") if base is not None else None
            return (f"{key} is not an option of dynamics={rule}; it belongs to "
                    f"{' or '.join(f'dynamics={r}' for r in rules) or 'no learning rule'}")
        if base is not None and OmegaConf.select(base, parent, default="absent") is None:
            extra = "; experiment=sobol_regime sets it" if parent == "sensitivity" else ""
            return f"{key}: {parent} is null in this config, so it has no {leaf}; set the whole block, " \
                   f"e.g. {parent}={{{leaf}:...}}{extra}"
        return f"{key} is not in this config; to add it type '+{line}'"
    # the first part that is no key, and the known keys at that level
    keys = _scenario_keys(key, keys, base)
    parts = key.split(".")
    depth = next((i for i in range(len(parts)) if ".".join(parts[:i + 1]) not in keys + groups), len(parts) - 1)
    known = ".".join(parts[:depth])
    allowed = _children(f"{known}." if known else "", keys)
    if not known:
        allowed += [g for g in groups if g not in keys]
    match = closest(parts[depth], allowed)
    what = "unknown parameter" if key.startswith("game.") else "unknown config key"
    if match:
        hint = f"; did you mean '{'.'.join([*parts[:depth], match, *parts[depth + 1:]])}'?"
    else:
        hint = f"; allowed {'under ' + known if known else 'at the top'}: {', '.join(allowed)}"
    return f"{what} '{key}' (from '{line}'){hint}"


def _scenario_keys(key: str, keys: list[str], base) -> list[str]:
    """For a ``game.`` key, the documented keys with ``game.`` limited to the composed
    scenario's parameters (another scenario's groups, e.g. ``game.turkey``, are not allowed)."""
    name = OmegaConf.select(base, "scenario", default=None) if base is not None else None
    if not key.startswith("game.") or name not in SCENARIOS:
        return keys
    ours = [f"game.{i.name}" for i in iter_params(SCENARIOS[name].params_cls)]
    groups = {".".join(k.split(".")[:n]) for k in ours for n in range(2, k.count(".") + 1)}
    return [k for k in keys if not k.startswith("game.")] + sorted(groups) + ours


def bad_value(key: str, line: str, exc: Exception, base: DictConfig | None = None) -> str:
    """One line for a value the schema refuses (``game.iraq.nationalism=abc``,
    ``chunk_size=abc``): the validator's own message for that value, so a refusal reads
    the same whether Hydra or the validator finds it."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    value = OverridesParser.create().parse_override(line).value()
    for sc in SCENARIOS.values():
        for info in iter_params(sc.params_cls):
            if key == f"game.{info.name}":
                return f"{key}={show(value)} is not a number; allowed: [{info.low}, {info.high}] {info.unit}"
        if key == "game" or any(f"game.{i.name}".startswith(key + ".") for i in iter_params(sc.params_cls)):
            return f"'{key}' is a group of parameters ({key}.<name>=...), not {value!r}"
    if base is not None and not key.startswith("hydra."):
        try:
            validate_run_config(with_value(plain(base), key.split("."), value))
        except ConfigError as error:
            return str(error)
        except Exception:  # noqa: BLE001 (only for a better message)
            pass
    cause = exc.__cause__ or exc
    return f"{key}={value!r}: {str(cause).splitlines()[0]}"


def plain(cfg: DictConfig) -> dict:
    """A composed config as plain data (interpolations resolved, enums as their names)."""
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


def with_value(data: dict, path: list[str], value) -> dict:
    """A copy of ``data`` with the nested key ``path`` set (only the dicts on the path copied)."""
    out = dict(data)
    head, *rest = path
    out[head] = with_value(out[head] if isinstance(out.get(head), dict) else {}, rest, value) if rest else value
    return out


def _unknown_in_file(source: str, text: str, keys: list[str]) -> str:
    """One line for a key the schema does not have, set in config file ``source``."""
    full = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.strip().startswith("full_key:")), "")
    parent, _, leaf = full.rpartition(".")
    allowed = _children(f"{parent}." if parent else "", keys)
    return (f"unknown config key '{full}' in {source}{did_you_mean(leaf, allowed)}; allowed "
            f"{'under ' + parent if parent else 'at the top'}: {', '.join(allowed)}")


def composition_error(exc: Exception, h, cl: CommandLine, overrides: list[str], keys, groups) -> str:
    """One line for an error Hydra raised while composing."""
    from hydra.errors import MissingConfigException
    from yaml import YAMLError

    if isinstance(exc, YAMLError):
        return _yaml_error(exc)
    if isinstance(exc, MissingConfigException):
        return _missing_option(exc, h)
    text = str(exc)
    if text.startswith("Primary config"):
        return f"--config-path {cl.options.get('--config-path')}: {text.splitlines()[0]}"
    first = text.splitlines()[0] if text else type(exc).__name__
    quoted = first.split("'")[1] if first.count("'") >= 2 else ""
    line = next((o for o in overrides if o.lstrip("+~").split("=")[0] == quoted), quoted)
    if first.startswith("In '") and "ConfigKeyError" in first:  # a key the schema lacks, in a config file
        return _unknown_in_file(first.split("'")[1], text, keys)
    if first.startswith("Unexpected type for root"):  # a key set inside a block that is null
        for line in overrides:
            key = line.lstrip("+~").partition("=")[0]
            parent = key.rpartition(".")[0]
            try:
                base = compose(h, cl, [o for o in overrides if o != line])
            except Exception:  # noqa: BLE001 (another override is the bad one)
                continue
            if parent and OmegaConf.select(base, parent, default="absent") is None:
                return _unknown_key(key, line, keys, groups, base)
    if first.startswith("Could not override") and quoted.startswith("hydra."):
        return f"'{line}': Hydra has no key {quoted}; python -m sim --cfg hydra lists them"
    if first.startswith("Could not override"):
        rest = [o for o in overrides if o != line]
        try:
            base = compose(h, cl, rest)
        except Exception:  # noqa: BLE001 (only for a better hint)
            base = None
        return _unknown_key(quoted, line, keys, groups, base)
    if first.startswith("Could not append to config"):
        return f"'{line}': {quoted} is already in the config; drop the '+' ({line.lstrip('+')})"
    if first.startswith("Could not delete from config"):
        if "does not exist" in first:
            return f"'~{quoted}': {quoted} is not in the config, nothing to delete{did_you_mean(quoted, keys)}"
        return f"'{line}': {first.removeprefix('Could not delete from config. ')}"
    if first.startswith("Error merging override"):
        line = first.removeprefix("Error merging override ").strip()
        try:
            base = compose(h, cl, [o for o in overrides if o != line])
        except Exception:  # noqa: BLE001 (only for a better message)
            base = None
        return bad_value(line.lstrip("+").partition("=")[0], line, exc, base)
    return one_line(exc)


def one_line(exc: Exception) -> str:
    """Any other Hydra/OmegaConf error as one line naming the key."""
    for e in (exc, exc.__cause__):
        if e is not None and getattr(e, "full_key", None):
            return f"{e.full_key}: {str(e).splitlines()[0]}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


