"""Tests of bot.simulator."""
