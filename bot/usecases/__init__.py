"""Slack-agnostic use cases: request, confirm, approve, reject, close, status, history, list, card data.

They reach the vehicle cloud through the `VehicleCloud` port (`vehicle_cloud.py`) and Slack through the
ports in `ports.py`; they import the catalogue, the store, the vendor models, the settings and the runtime,
never Slack output, a vendor client or the notification side.
"""
