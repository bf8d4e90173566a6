"""Vehicle-cloud simulator: the Stellantis data-treatment v1 API and its webhook notifications, in process."""

from bot.simulator.app import API_PREFIX, TOKEN_PATH, RecordedPost, Simulator
from bot.simulator.engine import Delays
from bot.simulator.fleet import FleetError, SimVehicle, load_fleet, parse_fleet
from bot.simulator.server import RunningSimulator, demo_fleet_path, run_simulator, start_simulator

__all__ = [
    "API_PREFIX",
    "TOKEN_PATH",
    "Delays",
    "FleetError",
    "RecordedPost",
    "RunningSimulator",
    "SimVehicle",
    "Simulator",
    "demo_fleet_path",
    "load_fleet",
    "parse_fleet",
    "run_simulator",
    "start_simulator",
]
