"""Tests of the Slack listeners, driven with signed requests through the served app."""
