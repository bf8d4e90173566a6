"""The Stellantis vendor client, wire models and error tree.

Imports nothing else of the bot, nor Slack or Redis: it could become a library.
"""
