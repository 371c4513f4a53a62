"""Editor accounts and the editors' decisions on logged questions, in the question log's database.

The tables are created by migrations ``0002`` and ``0003`` (``assistant/migrations/versions``). Passwords are
stored as werkzeug scrypt hashes only. Each account has a random session token that its login cookies carry;
:meth:`EditorStore.end_sessions` (logging out), :meth:`EditorStore.set_password` and
:meth:`EditorStore.remove_account` change or remove it, which ends every session of the account at once,
copies of the cookie included. The web pages and ``python -m assistant editor`` use the same methods.
Every method raises :class:`~assistant.database.LogUnavailable` when the database cannot be reached, like the
question log itself.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import QuestionLog, UTCDateTime, metadata
from ..ids import ACCOUNT_NAME

MIN_PASSWORD = 10
#: Checked against when a name is unknown, so a login takes as long for unknown names as for known ones.
_DUMMY_HASH = generate_password_hash("not a password of anyone", method="scrypt")

#: What an editor decided about a logged question.
ACTIONS = ("phrasing", "new_entry", "out_of_scope", "dismissed")

editor_account = sa.Table(
    "editor_account", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("session_token", sa.String(64), nullable=False, server_default=""),
)

editor_review = sa.Table(
    "editor_review", metadata,
    sa.Column("reply_id", sa.String(32), primary_key=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("entry_id", sa.String(255)),
    sa.Column("editor", sa.String(64), nullable=False),
    sa.Column("decided_at", UTCDateTime(), nullable=False, index=True),
)


class AccountError(ValueError):
    """An account could not be created or changed: bad name, short password, the name is taken or unknown."""


@dataclass(frozen=True)
class Account:
    """An editor account (without its password hash); ``session_token`` is what its login cookies must carry."""

    name: str
    created_at: datetime
    session_token: str = field(default="", repr=False, compare=False)

    def holds(self, token: object) -> bool:
        """Whether a session carrying ``token`` belongs to this account's current sessions."""
        return bool(self.session_token) and isinstance(token, str) and hmac.compare_digest(
            self.session_token.encode(), token.encode())


def check_name(name: str) -> str:
    """``name`` if it is a valid account name; :class:`AccountError` otherwise."""
    if not isinstance(name, str) or not ACCOUNT_NAME.fullmatch(name):
        raise AccountError("Navnet må være 2–40 tegn: små bokstaver a–z, sifre, punktum, bindestrek eller understrek.")
    return name


def check_password(password: str) -> str:
    """``password`` if it is long enough; :class:`AccountError` otherwise."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Passordet må ha minst {MIN_PASSWORD} tegn.")
    return password


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _account(row: sa.Row) -> Account:
    return Account(row.name, row.created_at, row.session_token)


class EditorStore:
    """Accounts and review decisions over the database of ``log`` (its engine and its migrations)."""

    def __init__(self, log: QuestionLog):
        self.log = log

    # -- accounts ----------------------------------------------------------------------------------------

    def add_account(self, name: str, password: str) -> Account:
        """Create an account; :class:`AccountError` for a bad name, a short password or a taken name."""
        check_name(name)
        check_password(password)
        if self.get_account(name) is not None:
            raise AccountError(f"Det finnes allerede en redaktør som heter «{name}».")
        account = Account(name, self.log.clock(), _new_token())
        row = {"name": name, "password_hash": generate_password_hash(password, method="scrypt"),
               "created_at": account.created_at, "session_token": account.session_token}
        self.log.run(lambda connection: connection.execute(editor_account.insert().values(**row)))
        return account

    def get_account(self, name: str) -> Account | None:
        """The account called ``name``, or None."""
        statement = sa.select(editor_account.c.name, editor_account.c.created_at, editor_account.c.session_token) \
            .where(editor_account.c.name == name)
        row = self.log.run(lambda connection: connection.execute(statement).first())
        return _account(row) if row else None

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        statement = sa.select(editor_account.c.name, editor_account.c.created_at, editor_account.c.session_token) \
            .order_by(editor_account.c.name)
        return [_account(row) for row in self.log.run(lambda connection: connection.execute(statement).all())]

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account when ``password`` is right for ``name``; None otherwise (same work either way)."""
        statement = sa.select(editor_account).where(editor_account.c.name == name)
        known = ACCOUNT_NAME.fullmatch(name)
        row = self.log.run(lambda connection: connection.execute(statement).first()) if known else None
        good = check_password_hash(row.password_hash if row else _DUMMY_HASH, password)
        return _account(row) if row and good else None

    def _update(self, name: str, **values: str) -> None:
        """Change the account ``name``; :class:`AccountError` when there is none."""
        statement = editor_account.update().where(editor_account.c.name == name).values(**values)
        if self.log.run(lambda connection: connection.execute(statement).rowcount) != 1:
            raise AccountError(f"Det finnes ingen redaktør som heter «{name}».")

    def end_sessions(self, name: str) -> None:
        """End every session of ``name`` (in every browser, copies of the cookie included): a new session token."""
        self._update(name, session_token=_new_token())

    def set_password(self, name: str, password: str) -> None:
        """Give ``name`` a new password and end all its sessions; :class:`AccountError` for a short password or an
        unknown name."""
        check_password(password)
        self._update(name, password_hash=generate_password_hash(password, method="scrypt"),
                     session_token=_new_token())

    def remove_account(self, name: str) -> None:
        """Delete the account ``name`` (its sessions end with it; its review decisions stay, with its name)."""
        statement = editor_account.delete().where(editor_account.c.name == name)
        if self.log.run(lambda connection: connection.execute(statement).rowcount) != 1:
            raise AccountError(f"Det finnes ingen redaktør som heter «{name}».")

    # -- review decisions --------------------------------------------------------------------------------

    def mark(self, reply_ids: Iterable[str], action: str, editor: str, entry_id: str | None = None) -> int:
        """Record ``action`` on the logged questions ``reply_ids`` (a later decision replaces an earlier one)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        ids = sorted(set(reply_ids))
        rows = [{"reply_id": i, "action": action, "entry_id": entry_id, "editor": editor,
                 "decided_at": self.log.clock()} for i in ids]

        def work(connection: sa.Connection) -> int:
            if ids:
                connection.execute(editor_review.delete().where(editor_review.c.reply_id.in_(ids)))
                connection.execute(editor_review.insert(), rows)
            return len(ids)

        return self.log.run(work)

    def reviewed(self) -> set[str]:
        """The reply ids an editor has decided on."""
        statement = sa.select(editor_review.c.reply_id)
        return set(self.log.run(lambda connection: connection.execute(statement).scalars().all()))
