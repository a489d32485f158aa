"""Errors core raises for the user: each message is plain Chinese saying what is wrong and what to do."""


class UserError(Exception):
    """A problem the user can fix; str(error) is the message to show them."""


class SchemaTooNewError(UserError):
    """The database was written by a newer version of the program."""


class NotFoundError(UserError):
    """A record the caller named does not exist (any more)."""


class InUseError(UserError):
    """A record cannot be deleted because other records still point at it."""


class ValidationError(UserError):
    """Input that breaks a rule; `field` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ConflictError(UserError):
    """Someone else saved a newer change to the record being saved; saving would overwrite it."""


class PermissionDeniedError(UserError):
    """The logged-in operator's role does not allow this action."""
