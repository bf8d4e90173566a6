"""The local Slack console of `remote-bot demo`: a browser page that plays a Slack workspace with the bot.

It serves the Slack Web API emulator (the bot's SLACK_API_URL), a page that renders the emulated
workspace, and a small JSON and server-sent-events API the page uses to type slash commands and click
buttons, which it sends to the bot signed as Slack would. Its fleet panel also shows what the bot keeps
about each vehicle (wake-ups left, last report), read from the bot's stores. Imports the Slack emulator, the
simulator (its state and demo controls), the catalogue (its rows) and the store; only the demo and the tests
import it.
"""
