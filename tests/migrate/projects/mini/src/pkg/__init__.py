from pkg.errors import CookieConflict, InvalidURL

__all__ = ["CookieConflict", "InvalidURL"]
