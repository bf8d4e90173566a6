"""Tests of bot.usecases."""
