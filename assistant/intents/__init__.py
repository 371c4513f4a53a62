"""Intents: small talk and conversation moves (see issue 4)."""
