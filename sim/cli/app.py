"""Hydra entry point: ``sim [options] [overrides]`` or ``python -m sim [options] [overrides]``.

A thin wrapper: Hydra composes ``conf/``; the composed config becomes plain data, is
validated by :func:`sim.config.parse.parse_run_config` before any work, and
:func:`sim.runs.run.run` does the work. User errors print one line and exit with status 2.

Before Hydra starts, :func:`prepare` reads the command line itself: Hydra's options may
come in any order among the ``key=value`` overrides (Hydra's own parser wants them
first), and the config is composed exactly as Hydra will compose it (the same search
path, ``--config-dir``, ``--config-path`` and ``--config-name`` included) and validated —
for a multirun, every swept value. Any bad input stops there with one line naming the
key and what to type instead (docs/errors.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.args import cli_errors  # bad input: exit 2; TileFailed, OSError: exit 1 (one line each)
from sim.config.parse import AXIS_FIELDS, AXIS_KEYS, CONFIG_KEYS, MAX_TILES, parse_run_config, show
from sim.engine.params import ConfigError, closest, did_you_mean, iter_params
from sim.scenarios import SCENARIOS
from sim.resources import CONF_DIR
from sim.runs.run import TileFailed


def mutable_schema(cls: type) -> type:
    """A non-frozen twin of a frozen parameter dataclass (OmegaConf makes frozen
    dataclasses read-only, so YAML could not set them); nested groups are converted too."""
    fields = []
    for f in dataclasses.fields(cls):
        if "unit" in f.metadata:
            fields.append((f.name, float, dataclasses.field(default=f.default)))
        else:
            sub = mutable_schema(f.default_factory)
            fields.append((f.name, sub, dataclasses.field(default_factory=sub)))
    return dataclasses.make_dataclass(cls.__name__, fields)


def register_configs() -> None:
    """Register each scenario's parameters as the typed schema of the ``game/`` group."""
    cs = ConfigStore.instance()
    for name, sc in SCENARIOS.items():
        cs.store(group="game", name=f"{name}_schema", node=mutable_schema(sc.params_cls))


def run_from_config(cfg: DictConfig) -> Path:
    """Validate then run; returns the run directory."""
    from sim.runs.run import run

    data = OmegaConf.to_container(cfg, resolve=True)
    hydra_cfg = HydraConfig.get()
    if not Path(data.get("results_dir", "results")).is_absolute():
        # workers of remote launchers (Ray, SLURM) start elsewhere: anchor to the launch dir
        data["results_dir"] = str(Path(hydra_cfg.runtime.cwd) / data.get("results_dir", "results"))
    spec = parse_run_config(data)
    out = run(spec, command=["python", "-m", "sim", *hydra_cfg.overrides.task])
    print(out)
    return out


register_configs()


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN  # failures raised: the launcher records them
    with cli_errors("sim", failures=(TileFailed,), reraise=multirun):
        run_from_config(cfg)


# --- The command line ------------------------------------------------------------------

#: Hydra's options (hydra/_internal/utils.py, get_args_parser): long name -> short name.
SWITCHES = {"--help": "-h", "--hydra-help": None, "--resolve": None, "--run": "-r", "--multirun": "-m",
            "--shell-completion": "-sc"}
VALUED = {"--cfg": "-c", "--package": "-p", "--config-path": "-cp", "--config-name": "-cn",
          "--config-dir": "-cd", "--experimental-rerun": None, "--info": "-i"}
CHOICES = {"--cfg": ("job", "hydra", "all"),
           "--info": ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")}
#: Options that print something instead of running: no check (they help debug a bad config).
NO_CHECK = ("--help", "--hydra-help", "--shell-completion", "--info", "--experimental-rerun")
_LONG = {short: long for long, short in (*SWITCHES.items(), *VALUED.items()) if short} | \
        {long: long for long in (*SWITCHES, *VALUED)}
_USAGE = ("sim takes key=value overrides and, anywhere among them, the options -m (--multirun), -cd DIR "
          "(--config-dir), -cp DIR, -cn NAME, --cfg job, --resolve, -p PKG, --info, --help, --hydra-help, --version")


@dataclasses.dataclass
class CommandLine:
    """Hydra's options (long name -> value, True for a switch) and the overrides."""

    options: dict[str, str | bool]
    overrides: list[str]

    def hydra_argv(self, overrides: list[str] | None = None) -> list[str]:
        """Options first, then the overrides: the order Hydra's argparse accepts."""
        out = []
        for name, value in self.options.items():
            out.append(name if value is True else f"{name}={value}")
        return out + list(self.overrides if overrides is None else overrides)


def parse_command_line(argv: list[str]) -> CommandLine:
    """Split ``argv`` into Hydra's options and the overrides, options anywhere."""
    options: dict[str, str | bool] = {}
    overrides: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--":
            overrides += args
            break
        if not arg.startswith("-"):
            overrides.append(arg)
            continue
        flag, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        name = _LONG.get(flag)
        if name is None:
            raise ConfigError(f"unknown option {arg!r}{did_you_mean(flag, _LONG)}; {_USAGE}")
        if name in SWITCHES:
            if eq:
                raise ConfigError(f"option {flag} takes no value; write {flag} alone")
            options[name] = True
            continue
        if not eq:
            if name == "--info" and (not args or args[0] not in CHOICES["--info"]):
                value = "all"
            elif not args or (args[0].startswith("-") and name not in CHOICES) or \
                    (name in ("--config-dir", "--config-path", "--config-name") and "=" in args[0]):
                what = {"--config-dir": "DIR", "--config-path": "DIR", "--config-name": "NAME"}.get(name, "VALUE")
                raise ConfigError(f"option {flag} needs a value: {flag} {what}")
            else:
                value = args.pop(0)
        if name in CHOICES and value not in CHOICES[name]:
            raise ConfigError(f"option {flag}={value!r} is unknown{did_you_mean(value, CHOICES[name])}; "
                              f"allowed: {', '.join(CHOICES[name])}")
        if value == "":
            raise ConfigError(f"option {flag} needs a value, not an empty string")
        options[name] = value
    commands = [o for o in ("--run", "--multirun", "--cfg", "--info", "--shell-completion") if o in options]
    if len(commands) > 1:
        raise ConfigError(f"options {' and '.join(commands)} exclude each other; give one")
    if "--resolve" in options and not {"--cfg", "--help"} & set(options):
        raise ConfigError("option --resolve works only with --cfg (e.g. --cfg job --resolve)")
    return CommandLine(options, overrides)


# --- Composing as Hydra will -----------------------------------------------------------


@contextmanager
def hydra_for(cl: CommandLine) -> Iterator:
    """A Hydra instance with the search path ``sim`` would use for this command line
    (as hydra/_internal/utils.py ``_run_hydra`` builds it: the app's config path, or
    ``--config-path``; ``--config-dir`` prepended before the structured configs)."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import (create_automatic_config_search_path,
                                       detect_calling_file_or_module_from_task_function)
    from hydra.core.config_search_path import SearchPathQuery
    from hydra.initialize import get_gh_backup, restore_gh_from_backup

    config_path = cl.options.get("--config-path", CONF_DIR)
    search_path = create_automatic_config_search_path(
        *detect_calling_file_or_module_from_task_function(_hydra_main), config_path)
    if "--config-dir" in cl.options:
        path = os.path.abspath(cl.options["--config-dir"])
        if not os.path.isdir(path):
            raise ConfigError(f"--config-dir {cl.options['--config-dir']}: no such directory")
        search_path.prepend("command-line", f"file://{path}", anchor=SearchPathQuery(provider="schema"))
    saved = get_gh_backup()
    try:
        try:
            h = Hydra.create_main_hydra2(task_name="app", config_search_path=search_path)
            h.config_loader.ensure_main_config_source_available()
        except Exception as exc:  # noqa: BLE001 (a --config-path that is not there)
            raise ConfigError(f"--config-path {config_path}: {str(exc).splitlines()[0]}") from None
        yield h
    finally:
        restore_gh_from_backup(saved)


def _compose(h, cl: CommandLine, overrides: list[str]) -> DictConfig:
    from omegaconf import open_dict

    cfg = h.compose_config(cl.options.get("--config-name", "config"), overrides, run_mode=RunMode.RUN,
                           from_shell=True, with_log_configuration=False)
    with open_dict(cfg):
        cfg.pop("hydra", None)
    return cfg


# --- One line per bad input ------------------------------------------------------------


def documented_keys() -> list[str]:
    """Every dotted key a run config may have (axes spelt out), game parameters included."""
    keys = []
    for e in CONFIG_KEYS:
        keys += [e.key.replace("<axis>", a) for a in AXIS_KEYS] if "<axis>" in e.key else [e.key]
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


def _malformed(line: str, exc: Exception, keys: list[str]) -> str:
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
        return f"malformed override '{line}': not key=value{hint}; {_USAGE}"
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


def _options(h, group: str) -> list[str]:
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
        options = _options(h, group)
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


def _bad_value(key: str, line: str, exc: Exception) -> str:
    """One line for a value the typed game schema refuses (``game.iraq.nationalism=abc``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    value = OverridesParser.create().parse_override(line).value()
    for sc in SCENARIOS.values():
        for info in iter_params(sc.params_cls):
            if key == f"game.{info.name}":
                return f"{key}={show(value)} is not a number; allowed: [{info.low}, {info.high}] {info.unit}"
        if key == "game" or any(f"game.{i.name}".startswith(key + ".") for i in iter_params(sc.params_cls)):
            return f"'{key}' is a group of parameters ({key}.<name>=...), not {value!r}"
    cause = exc.__cause__ or exc
    return f"{key}={value!r}: {str(cause).splitlines()[0]}"


def _composition_error(exc: Exception, h, cl: CommandLine, overrides: list[str], keys, groups) -> str:
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
    if first.startswith("Could not override") and quoted.startswith("hydra."):
        return f"'{line}': Hydra has no key {quoted}; python -m sim --cfg hydra lists them"
    if first.startswith("Could not override"):
        rest = [o for o in overrides if o != line]
        try:
            base = _compose(h, cl, rest)
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
        return _bad_value(line.lstrip("+").partition("=")[0], line, exc)
    return _one_line(exc)


def _one_line(exc: Exception) -> str:
    """Any other Hydra/OmegaConf error as one line naming the key."""
    for e in (exc, exc.__cause__):
        if e is not None and getattr(e, "full_key", None):
            return f"{e.full_key}: {str(e).splitlines()[0]}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sweep_length(o) -> int:
    """Values of a discrete sweep override, without listing a range."""
    from hydra.core.override_parser.types import RangeSweep

    value = o.value()
    if isinstance(value, RangeSweep):
        if value.step == 0:
            _raise(f"'{o.input_line}': a range needs a step other than 0")
        return max(0, math.ceil((value.stop - value.start) / value.step))
    return len(list(o.sweep_iterator()))


def _parse(lines: list[str], keys: list[str]):
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser, parsed = OverridesParser.create(), []
    for line in lines:
        try:
            parsed.append(parser.parse_override(line))
        except HydraException as exc:  # OverrideParseException, or a lexer error
            raise ConfigError(_malformed(line, exc, keys)) from None
    return parsed


def _group_value(h, o) -> str | None:
    """For ``group=null``: one line naming the group's options."""
    key = o.key_or_group
    if o.value() is not None or o.is_delete() or not h.config_loader.repository.group_exists(key):
        return None
    options = _options(h, key)
    return f"{key}=null: {key} is a config group, choose one of its options: {', '.join(options)}"


def _is_axis_field(key: str) -> bool:
    parts = key.split(".")
    return len(parts) == 3 and parts[0] == "sweep" and parts[1] in AXIS_KEYS and parts[2] in AXIS_FIELDS


def check(cl: CommandLine) -> list[str]:
    """Compose and validate what ``cl`` asks for; returns the overrides to give Hydra
    (``sweep.x.values=...`` becomes ``+sweep.x.values=...`` when the axis lacks the key)
    or raises ConfigError with one line."""
    from hydra.core.override_parser.types import Override
    from omegaconf.errors import OmegaConfBaseException

    keys = documented_keys()
    overrides = list(cl.overrides)
    parsed = _parse(overrides, keys)
    multirun = "--multirun" in cl.options
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and not multirun:
        return _raise(f"'{sweeps[0].input_line}' is a sweep; add -m (--multirun) to sweep it, "
                      "or quote or bracket the value")
    for o in sweeps:
        if not o.is_discrete_sweep():
            _raise(f"'{o.input_line}' is an interval sweep, which needs a sweeper plugin (Optuna, Nevergrad); "
                   "the basic sweeper takes lists a,b,c and range(start,stop)")
    with hydra_for(cl) as h:
        groups = [g for g in h.config_loader.list_groups("") if g != "hydra"]
        for o in parsed:
            o.config_loader = h.config_loader  # glob(...) sweeps list the group's options
            error = _group_value(h, o)
            if error:
                _raise(error)
        jobs = math.prod(_sweep_length(o) for o in sweeps)
        if jobs > MAX_TILES:
            _raise(f"the multirun has {jobs} jobs, more than {MAX_TILES}; sweep fewer values")
        if jobs == 0:
            _raise(f"'{next(o.input_line for o in sweeps if _sweep_length(o) == 0)}' sweeps no value")

        def line(o, value) -> str:
            return f"{o.get_key_element()}={Override._get_value_element_as_str(value)}"

        def compose(lines: list[str]) -> DictConfig:
            try:
                return _compose(h, cl, lines)
            except Exception as exc:  # noqa: BLE001 (Hydra, OmegaConf, YAML, ValueError: all one line)
                _raise(_composition_error(exc, h, cl, lines, keys, groups))

        first = [line(o, next(iter(o.sweep_iterator()))) if o.is_sweep_override() else o.input_line
                 for o in parsed]
        for _ in range(len(first) + 1):  # an axis field the experiment lacks is added (+)
            try:
                cfg = _compose(h, cl, first)
                break
            except Exception as exc:  # noqa: BLE001 (Hydra, OmegaConf, YAML, ValueError: all one line)
                text = str(exc)
                key = text.split("'")[1] if text.startswith("Could not override") else ""
                k = next((i for i, o in enumerate(parsed) if o.key_or_group == key), None)
                if _is_axis_field(key) and k is not None and not overrides[k].startswith("+"):
                    overrides[k], first[k] = f"+{overrides[k]}", f"+{first[k]}"
                    continue
                _raise(_composition_error(exc, h, cl, first, keys, groups))
        if "--cfg" in cl.options:  # show the config as composed, valid or not
            return overrides
        try:
            data = OmegaConf.to_container(cfg, resolve=True)
            parse_run_config(data)
            for k, o in enumerate(parsed):
                if not o.is_sweep_override() or o.get_key_element().startswith(("hydra", "+", "~")):
                    continue
                key = o.get_key_element()
                for v in list(o.sweep_iterator())[1:]:
                    if h.config_loader.repository.group_exists(key):  # a config group: compose that choice
                        alt = OmegaConf.to_container(compose(first[:k] + [line(o, v)] + first[k + 1:]), resolve=True)
                    elif key.startswith("game."):  # a typed value: convert it as Hydra would
                        typed = cfg.copy()
                        try:
                            OmegaConf.update(typed, key, v, merge=False)
                        except OmegaConfBaseException as exc:
                            _raise(_bad_value(key, line(o, v), exc))
                        alt = OmegaConf.to_container(typed, resolve=True)
                    else:  # set it in the plain data (OmegaConf's copy costs 2 ms, a job of 10^4 is 20 s)
                        alt = _with(data, key.split("."), v)
                    parse_run_config(alt)
        except OmegaConfBaseException as exc:
            _raise(_one_line(exc))
    return overrides


def _with(data: dict, path: list[str], value) -> dict:
    """A copy of ``data`` with the nested key ``path`` set (only the dicts on the path copied)."""
    out = dict(data)
    head, *rest = path
    out[head] = _with(out[head] if isinstance(out.get(head), dict) else {}, rest, value) if rest else value
    return out


def _raise(message: str):
    raise ConfigError(message)


def prepare(argv: list[str]) -> list[str]:
    """The arguments to give Hydra for ``argv``, checked; ConfigError (one line) if bad."""
    cl = parse_command_line(argv)
    if any(o in cl.options for o in NO_CHECK):
        return cl.hydra_argv()
    return cl.hydra_argv(check(cl))


def precheck(argv: list[str]) -> str | None:
    """The one-line error for ``argv``, or None if it is good to run."""
    try:
        prepare(argv)
    except ConfigError as exc:
        return str(exc)
    return None


def main() -> None:
    """Console-script entry point: one-line errors for bad input, then Hydra."""
    argv = sys.argv[1:]
    if "--version" in argv or "-V" in argv:  # sim --version: before anything else
        from sim import version_line

        print(version_line())
        sys.exit(0)
    try:
        hydra_argv = prepare(argv)
    except ConfigError as exc:
        print(f"sim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.argv = [sys.argv[0], *hydra_argv]
    _hydra_main()


if __name__ == "__main__":
    main()
