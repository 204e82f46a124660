"""Where a task sends its calls: ``local``, ``rest:URL`` or ``soap:URL``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from billforge.errors import InvalidValue

LOCAL: Final = "local"
REST: Final = "rest"
SOAP: Final = "soap"

URL_MAX: Final = 1000


@dataclass(frozen=True, slots=True)
class TargetSpec:
    scheme: str  # local | rest | soap
    url: str | None = None

    def __str__(self) -> str:
        return LOCAL if self.scheme == LOCAL else f"{self.scheme}:{self.url}"


def parse_target(value: str, *, field: str = "target", remote_only: bool = False) -> TargetSpec:
    """``local``, ``rest:URL`` (a billforge server) or ``soap:URL`` (a Zuora-compatible SOAP endpoint)."""
    value = value.strip()
    if value == LOCAL and not remote_only:
        return TargetSpec(LOCAL)
    scheme, _, url = value.partition(":")
    if scheme not in (REST, SOAP):
        choices = "rest:URL or soap:URL" if remote_only else "local, rest:URL or soap:URL"
        raise InvalidValue(f"'{field}' must be {choices}, not {value[:80]!r}", field=field)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidValue(
            f"'{field}': {scheme}: needs an http:// or https:// URL, such as {scheme}:https://host/path, "
            f"not {url[:80]!r}",
            field=field,
        )
    if len(url) > URL_MAX:
        raise InvalidValue(f"'{field}': the URL must be at most {URL_MAX} characters", field=field)
    return TargetSpec(scheme, url)


def credential_names(scheme: str) -> tuple[str, str]:
    """The names of the fields that log in to a ``rest:`` or ``soap:`` target: who, and their secret."""
    return ("clientId", "clientSecret") if scheme == REST else ("username", "password")
