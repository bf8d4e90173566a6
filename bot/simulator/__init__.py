"""Vehicle-cloud simulator: the Stellantis v1 and Fleet Owner v3 APIs and their webhook notifications.

Imports the vendor models and their strict readers (to read what it receives), the settings and the
runtime's bundled fleet; only the demo, the CLI and the tests import it. This `__init__` imports nothing
(its modules import `payloads` through it): start one with `server.start_simulator` or
`server.run_simulator`, the state is `app.Simulator`, the fleet file is read by `fleet.load_fleet`.

URL layout (base = http://host:port):
  POST {base}/oauth2/token                client credentials; STELLANTIS_TOKEN_URL
  {base}/connectedcar/v1/accounts/...     the API subset; STELLANTIS_API_URL = {base}/connectedcar/v1
      GET  vehicles, vehicles/{vin}, vehicles/{vin}/capability, vehicles/{vin}/telemetries/latest
      GET|POST channels; GET|PUT|DELETE channels/{chId}; PUT channels/{chId}/status
      GET|POST vehicles/{vin}/channels/{chId}/remotes; GET .../remotes/{rid}
  {base}/connectedcar/v3/...              the Fleet Owner B2B v3 subset (fleet_routes.py; Basic + client_id)
      GET fleets, fleets/{fid}, fleets/{fid}/vehicles, .../vehicles/{vid}, .../vehicles/{vid}/status
      GET|POST fleets/{fid}/remote/callbacks; GET|PUT|DELETE .../{cbid}; PUT .../{cbid}/status
      GET|POST fleets/{fid}/vehicles/{vid}/callbacks/{cbid}/remotes; GET .../remotes/{rid}
  GET  {base}/_simulator/state            fleet state as JSON (demo aid, no auth)
"""
