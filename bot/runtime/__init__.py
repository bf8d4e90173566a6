"""Process plumbing: clock, event loop, work tracking, cancellation helpers, embedded Redis, bundled files.

Imports nothing else of the bot.
"""
