"""``llmspell config show|validate|init``."""

from __future__ import annotations

import sys
from pathlib import Path

from .output import CliError, load_config, print_json


def run(args: dict) -> int:
    from .. import config

    if args["show"]:
        cfg = load_config(args)
        if args["--format"] == "json":
            print_json({"sources": cfg.sources, "values": cfg.values})
        else:
            sys.stdout.write(f"# sources: {', '.join(cfg.sources)}\n")
            for section, table in cfg.values.items():
                sys.stdout.write(f"\n[{section}]\n")
                for key, value in table.items():
                    sys.stdout.write(f"{key} = {config._toml_value(value)}\n")
        return 0
    if args["validate"]:
        target = args["FILE"] or args["--config"]
        try:
            cfg = config.load(target)
        except config.ConfigError as exc:
            raise CliError(f"configuration: {exc}", 2) from None
        sys.stdout.write(f"valid: {', '.join(cfg.sources)}\n")
        return 0
    path = Path(args["FILE"]) if args["FILE"] else config.user_home() / "llmspell.toml"
    if path.exists() and not args["--force"]:
        raise CliError(f"{path} exists; use --force to overwrite", 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config.template())
    sys.stdout.write(f"wrote {path}\n")
    return 0
