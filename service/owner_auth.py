"""Who may see /beheer: the holder of `VINDPLAATS_ADMIN_TOKEN`, and nobody when it is unset.

The owner types the token once into the login form; the answer is a cookie that holds no token,
only an HMAC of it with the time of login (`HttpOnly`, `SameSite=Strict`, `Secure` over https,
path /beheer), valid for `SESSION_DAYS`. Changing the token logs every session out. Scripts
send `Authorization: Bearer <token>` instead. Every comparison is `hmac.compare_digest`.

The owner's own cookie is not a visitor's: the search page and the API set none.

POST forms carry a CSRF token (an HMAC of the form's purpose and its issue time, valid for
`CSRF_HOURS`); with `SameSite=Strict` a cross-site form would not carry the cookie anyway, and
a request whose `Origin` or `Sec-Fetch-Site` names another site is refused before that.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import Request, Response

COOKIE = "vindplaats_beheer"
COOKIE_PATH = "/beheer"
SESSION_DAYS = 7
CSRF_HOURS = 8


def _sign(token: str, message: str) -> str:
    return hmac.new(token.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _signed(token: str, purpose: str, issued: int) -> str:
    return f"{issued}.{_sign(token, f'{purpose}:{issued}')}"


def _check(token: str, purpose: str, value: str, max_age: float, now: float | None = None) -> bool:
    issued_text, _, signature = value.partition(".")
    if not issued_text.isdigit() or not signature:
        return False
    issued = int(issued_text)
    age = (now or time.time()) - issued
    if not -60 <= age <= max_age:
        return False
    return hmac.compare_digest(signature, _sign(token, f"{purpose}:{issued}"))


def token_matches(token: str, given: str) -> bool:
    return bool(token) and hmac.compare_digest(token.encode("utf-8"), given.strip().encode("utf-8"))


def is_owner(request: Request, token: str) -> bool:
    if not token:
        return False
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and bearer:
        return token_matches(token, bearer)
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and _check(token, "session", cookie, SESSION_DAYS * 86400)


def log_in(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        _signed(token, "session", int(time.time())),
        max_age=SESSION_DAYS * 86400,
        path=COOKIE_PATH,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )


def log_out(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, httponly=True, secure=request.url.scheme == "https", samesite="strict"
    )


def csrf_token(token: str, purpose: str) -> str:
    return _signed(token, f"csrf:{purpose}", int(time.time()))


def csrf_valid(token: str, purpose: str, value: str) -> bool:
    return _check(token, f"csrf:{purpose}", value, CSRF_HOURS * 3600)


def same_site(request: Request, public_url: str = "") -> bool:
    """False for a request that a browser says another site started."""
    fetch_site = request.headers.get("sec-fetch-site", "")
    if fetch_site and fetch_site not in {"same-origin", "none"}:
        return False
    origin = request.headers.get("origin", "")
    if origin and origin != "null":
        own = {f"{request.url.scheme}://{request.url.netloc}", public_url.rstrip("/")}
        return origin.rstrip("/") in own
    return origin != "null"
