"""Tests of bot.vehicle."""
