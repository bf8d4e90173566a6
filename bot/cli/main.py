"""The `remote-bot` command: serve, demo, simulator, check-config, dlq, parked, audit and callback."""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Sequence

import aiohttp
from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError

from bot.config import SERVE_REQUIRED, SLACK_RESPONSE_ORIGIN, ConfigError, Settings, load_settings
from bot.runtime.event_loop import run
from bot.runtime.logs import configure_logging
from bot.usecases.authz import Policy, PolicyError
from bot.usecases.fleet import Fleet, FleetFileError
from bot.vehicle.errors import VendorError
from bot.web.serving import PortInUse

log = logging.getLogger("remote-bot")


def _check_files(settings: Settings) -> None:
    """Read the policy and fleet files before serving: a mistake in them stops start-up with one line."""
    if settings.policy_file is not None:
        Policy.load(settings.policy_file)
    Fleet.load(settings.fleet_file)


def _serve(settings: Settings) -> int:
    settings.require(settings.serve_required)
    _check_files(settings)
    if settings.policy_file is None:
        log.warning("POLICY_FILE is not set: every user is denied every action (deny by default)")
    if settings.slack_response_origins != (SLACK_RESPONSE_ORIGIN,):
        log.warning(
            "SLACK_RESPONSE_ORIGINS lets answers go to %s: only a test setup or GovSlack should need this",
            ", ".join(settings.slack_response_origins),
        )
    from bot.app import AppOptions, create_web_app, default_jobs
    from bot.web.serving import serve_until_signalled

    app = create_web_app(settings, AppOptions(simulator=False, background=default_jobs(settings)))
    log.info("listening on port %d; /readyz says what the start waits for", settings.port)
    run(serve_until_signalled(app, None, settings.port))
    return 0


def _check_config(settings: Settings) -> int:
    _check_files(settings)  # a broken policy or fleet file is one line, as under serve
    width = max(len(name) for name in settings.masked())
    for name, value in settings.masked().items():
        print(f"{name.ljust(width)}  {value}")
    missing = [name for name in SERVE_REQUIRED if getattr(settings, name.lower()) in (None, ())]
    if missing:
        print(f"\n`remote-bot serve` would refuse to start: {', '.join(missing)} not set.")
        return 1
    print("\nConfiguration is valid for `remote-bot serve`.")
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.demo.run import DemoOptions, run_demo

    port = settings.port if args.port is None else args.port
    options = DemoOptions(host=args.host, port=port, log_file=Path(args.log_file), api=args.api)
    run(run_demo(settings, options))
    return 0


def _simulator(settings: Settings, args: argparse.Namespace) -> int:
    from bot.simulator.server import run_simulator_forever

    run(run_simulator_forever(settings, port=args.port, fleet_path=args.fleet, host=args.host, api=args.api))
    return 0


def _ops(settings: Settings, what: str, action: str, entry_id: str | None) -> int:
    settings.require(("REDIS_URL",))
    from bot.cli import ops as cli_ops

    if what == "dlq" and action == "replay":
        count = run(cli_ops.dlq_replay(settings, entry_id))
        print(f"replayed {count} dead-lettered notification(s) into the inbox")
        return 0
    lister = cli_ops.dlq_list if what == "dlq" else cli_ops.parked_list
    for line in run(lister(settings)):
        print(line)
    return 0


def _callback(settings: Settings, action: str) -> int:
    settings.require(tuple(name for name in settings.serve_required if name.startswith("STELLANTIS_")))
    from bot.cli.callback import callback_command

    for line in run(callback_command(settings, action)):
        print(line)
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    settings.require(("REDIS_URL",))
    from bot.cli import ops as cli_ops
    from bot.cli.audit_export import ExportFilter

    wanted = ExportFilter(since=args.since, vehicle=args.vehicle, user=args.user)
    if args.output is None:
        result = run(cli_ops.audit_export(settings, wanted, sys.stdout))
    else:
        with open(args.output, "a", encoding="utf-8") as out:
            result = run(cli_ops.audit_export(settings, wanted, out))
    moved = "" if wanted.moves_cursor else " (a filtered export: the cursor did not move)"
    print(
        f"exported {result.written} audit entries; export cursor at {result.cursor or 'none'}{moved}",
        file=sys.stderr,
    )
    if result.vehicle is not None and result.written == 0:
        print(f"no audit entry in this export names {result.vehicle}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `remote-bot`."""
    parser = argparse.ArgumentParser(prog="remote-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run against Slack and the Stellantis API (production)")
    demo = commands.add_parser(
        "demo", help="the bot on an embedded Redis and the simulator, with a local Slack console in a browser"
    )
    demo.add_argument("--host", default="127.0.0.1", help="the console's address (default: loopback only)")
    demo.add_argument("--port", type=int, default=None, help="the console's port (default: PORT, 3000)")
    demo.add_argument("--log-file", default="build/remote-bot-demo.log", help="where every log line goes")
    demo.add_argument(
        "--api",
        choices=["connected-car-v1", "fleet-v3"],
        default="connected-car-v1",
        help="which vendor API the bot speaks to the simulator (default: connected-car-v1)",
    )
    commands.add_parser("check-config", help="validate and print the effective configuration, secrets masked")
    simulator = commands.add_parser("simulator", help="run the vehicle-cloud simulator alone")
    simulator.add_argument("--port", type=int, default=8081)
    simulator.add_argument("--host", default="127.0.0.1", help="listen address (0.0.0.0 in a container)")
    simulator.add_argument("--fleet", default=None, help="fleet YAML (default: the bundled demo fleet)")
    simulator.add_argument(
        "--api",
        choices=["connected-car-v1", "fleet-v3"],
        default="connected-car-v1",
        help="whose settings to print (both APIs are served; default: connected-car-v1)",
    )
    dlq = commands.add_parser("dlq", help="dead-lettered notifications")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("entry_id", nargs="?", help="replay only this entry (default: all)")
    parked = commands.add_parser("parked", help="notifications waiting for their request mapping")
    parked.add_argument("action", choices=["list"])
    callback = commands.add_parser(
        "callback", help="the vendor's notification callback (fleet-v3) or channel (connected-car-v1)"
    )
    callback.add_argument("action", choices=["show", "pause", "resume"])
    audit = commands.add_parser("audit", help="the audit trail")
    audit.add_argument("action", choices=["export"])
    audit.add_argument("--since", help="from this ISO 8601 date or time (UTC by default) or stream id")
    audit.add_argument(
        "--vehicle", help="only this vehicle: alias, VIN or VIN suffix (naming no vehicle exits 2)"
    )
    audit.add_argument("--user", help="only this Slack user id")
    audit.add_argument("--output", help="append to this file (default: standard output)")
    return parser


START_FAILURES = (VendorError, SlackApiError, RedisError, OSError, aiohttp.ClientError)


def _why(error: BaseException) -> str:
    """One line naming what stopped the start and what to fix."""
    if isinstance(error, VendorError):
        return f"the vehicle cloud answered: {error}"
    if isinstance(error, SlackApiError):
        return f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error', error.response.status_code)})"
    if isinstance(error, PortInUse):
        setting = error.setting
        return f"{setting}={error.port} is in use by another process: stop it or choose another {setting}"
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return f"a port is in use by another process ({error.strerror})"
    if isinstance(error, RedisError):
        return f"Redis at REDIS_URL did not answer ({type(error).__name__})"
    return f"{type(error).__name__}: {error}"


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(kind=settings.log_format)
    if args.command == "serve":
        return _serve(settings)
    if args.command == "check-config":
        return _check_config(settings)
    if args.command == "demo":
        return _demo(settings, args)
    if args.command == "simulator":
        return _simulator(settings, args)
    if args.command == "audit":
        return _audit(settings, args)
    if args.command == "callback":
        return _callback(settings, args.action)
    return _ops(settings, args.command, args.action, getattr(args, "entry_id", None))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; a bad setting prints one line and exits 2, a failed start 3."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ConfigError, PolicyError, FleetFileError) as error:
        print(f"remote-bot: configuration error: {error}", file=sys.stderr)
        return 2
    except START_FAILURES as error:
        print(f"remote-bot: cannot start: {_why(error)}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
