"""Shared fixtures: one index built from the repository's content per test session, and the Flask app."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import create_app
from assistant.dialogue import Assistant
from assistant.index import Index, build_index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def index() -> Index:
    """The index built from the repository's faq/, corpus/ and development set."""
    return build_index(ROOT)


@pytest.fixture(scope="session")
def assistant(index: Index) -> Assistant:
    """An assistant over the repository's index."""
    return Assistant(index)


@pytest.fixture()
def app(assistant: Assistant):
    """The Flask app in testing mode."""
    return create_app({"TESTING": True}, assistant=assistant)


@pytest.fixture()
def client(app):
    """A test client for the app."""
    return app.test_client()
