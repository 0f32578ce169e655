"""Errors the application layer raises for a face to report: the message is for the user."""

from __future__ import annotations


class AppError(Exception):
    """A request that cannot be served as asked."""


class NotFound(AppError, LookupError):
    """The upload, transaction, strategy or run does not exist."""


class Conflict(AppError):
    """The request collides with what is stored (a preset is read-only, a name exists)."""


class Invalid(AppError, ValueError):
    """The request is malformed; the message names the field."""
