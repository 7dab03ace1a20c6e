class InvalidURL(Exception):
    """Something is wrong with a URL."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class CookieConflict(Exception):
    """Something is wrong with a URL."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
