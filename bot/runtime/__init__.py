"""Process plumbing: clock, event loop, background loops, work tracking, cancellation helpers, logs,
metrics, fast JSON, embedded Redis and Sentinel, bundled files, operator YAML files read in one line.

Imports nothing else of the bot.
"""
