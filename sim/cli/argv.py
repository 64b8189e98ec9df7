"""Hydra's command-line options, read by ``sim`` itself so they may come in any order.

Hydra's own parser wants its options before the ``key=value`` overrides; ``sim`` takes
them anywhere among the overrides (and refuses an unknown option, or a value an option
does not take, in one line) and hands Hydra the order it accepts.
"""

from __future__ import annotations

import dataclasses

from sim.engine.params import ConfigError, did_you_mean

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
USAGE = ("sim takes key=value overrides and, anywhere among them, the options -m (--multirun), -cd DIR "
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
            raise ConfigError(f"unknown option {arg!r}{did_you_mean(flag, _LONG)}; {USAGE}")
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


