"""Refusals of operator actions, each with the HTTP status the API answers with."""

from __future__ import annotations


class HandoffError(Exception):
    """A refused action; ``message`` is Russian and safe to show to the operator."""

    status = 400

    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(HandoffError):
    status = 404


class Forbidden(HandoffError):
    status = 403


class Unavailable(HandoffError):
    """Something the action needs (the database) failed; nothing was changed, try again."""

    status = 503


class Conflict(HandoffError):
    """Someone else changed the conversation first (taken, closed, transferred)."""

    status = 409
