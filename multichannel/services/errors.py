class RuleViolation(Exception):
    """A business rule refuses the change; nothing was written. `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
