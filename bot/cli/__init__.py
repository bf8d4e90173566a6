"""The `remote-bot` command and its operator tools: serve, demo, simulator, check-config, dlq, parked,
audit export, and the generated settings reference (`python -m bot.cli.settings_doc`).

`main` imports the composition root, the web shell and (for `demo` and `simulator`) the demo and the
simulator, each when its subcommand runs; the operator tools import the settings, the store and the
vendor notification reader. Nothing in the bot imports this package.
"""
