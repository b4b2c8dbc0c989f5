"""The hub's typed errors: services raise them; the API answers them as JSON with a code, the
pages as a message."""

from __future__ import annotations


class HubError(Exception):
    """``field``: the name of the form field the refusal is about, when it is one (a page
    shows the message at that field: kiosk/views/answers.py)."""

    status = 400
    code = "invalid"
    title = "That did not work"

    def __init__(self, message: str, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class InvalidInput(HubError):
    title = "Please check what you entered"


class NotFound(HubError):
    status = 404
    code = "not_found"
    title = "Not found"


class NotAllowed(HubError):
    status = 403
    code = "not_allowed"
    title = "Not allowed"


class Unauthorized(HubError):
    status = 401
    code = "unauthorized"
    title = "Not enrolled"


class EnrollRefused(HubError):
    status = 403
    code = "enrollment_refused"
    title = "Enrollment refused"


class LoginRefused(HubError):
    status = 401
    code = "login_refused"
    title = "Could not log in"
