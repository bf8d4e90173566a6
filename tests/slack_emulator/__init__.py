"""Tests of bot.slack_emulator."""
