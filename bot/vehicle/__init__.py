"""The Stellantis vendor client, wire models and error tree (imports neither Slack nor Redis)."""
