"""Tests of bot.notifications."""
