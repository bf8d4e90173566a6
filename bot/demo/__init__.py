"""`remote-bot demo` (`run.py`): embedded Redis, the vehicle-cloud simulator, the Slack console (with its
Slack Web API emulator) and the bot, served together in one process until Ctrl-C.

Imports the composition root, the web shell's signal handling, the settings, the runtime (embedded Redis,
bundled files, logs), the simulator, the console and the Slack emulator. Only the CLI imports it.
"""
