"""forsøksassistenten: a self-hosted question-answering assistant for forsøksordningen."""

__version__ = "0.1.0"
