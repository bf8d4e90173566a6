"""Everything the bot keeps in Redis: the only package that knows Redis keys and scripts."""
