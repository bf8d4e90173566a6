"""Tests of bot.catalogue."""
