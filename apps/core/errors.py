class ServiceError(Exception):
    """A refusal by a service: a stable code and a message a person can act on.

    Views turn it into a 4xx, admin actions into an error message; nothing was written.
    """

    status_code = 400

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


class PermissionRefused(ServiceError):
    status_code = 403
