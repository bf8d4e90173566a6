"""Vehicle-cloud simulator: the Stellantis data-treatment v1 API and its webhook notifications, in process.

Imports the vendor models (to read what it receives) and the settings; only the demo and the CLI start it.

URL layout (base = http://host:port):
  POST {base}/oauth2/token                client credentials; STELLANTIS_TOKEN_URL
  {base}/connectedcar/v1/accounts/...     the API subset; STELLANTIS_API_URL = {base}/connectedcar/v1
      GET  vehicles, vehicles/{vin}, vehicles/{vin}/capability, vehicles/{vin}/telemetries/latest
      GET|POST channels; GET|PUT|DELETE channels/{chId}; PUT channels/{chId}/status
      GET|POST vehicles/{vin}/channels/{chId}/remotes; GET .../remotes/{rid}
  GET  {base}/_simulator/state            fleet state as JSON (demo aid, no auth)
"""

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
