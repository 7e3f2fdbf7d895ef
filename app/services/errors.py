"""The one domain error type every service raises: input a person can fix.

`message` is plain English (the CLI and logs show it), `field` names the input
it is about (a form field or a JSON field), `code` is stable for the API and
for translated messages, and `params` fills those messages in. The web layer
shows any of them with one helper (app/web/forms.py `show_error`, the API's
`api_error`)."""
from __future__ import annotations


class DomainError(Exception):
    code = "invalid"

    def __init__(self, message: str, field: str | None = None, code: str | None = None, **params):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or type(self).code
        self.params = params
