"""Targets the bulk runner can bill through, chosen by ``--target``:

    local        this installation's database (BILLFORGE_DATABASE_URL), in-process
    rest:URL     a billforge server (OAuth client credentials)
    soap:URL     a Zuora-compatible SOAP endpoint, e.g. https://apisandbox.zuora.com/apps/services/a/52.0
                 (username and password, as Zuora's Developer Tools log in)

``SCHEMES`` maps a scheme to a factory; tests add their own (a fake target) to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billforge.bulk.target import Target


class TargetSpecError(ValueError):
    """The --target value or its credentials are unusable."""


@dataclass(frozen=True, slots=True)
class TargetOptions:
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    entity: str | None = None
    database_url: str | None = None


def _local(rest: str, options: TargetOptions) -> Target:
    from billforge.bulk.targets.local import LocalTarget

    if rest:
        raise TargetSpecError("the local target takes no address: use --target local")
    if options.database_url is None:
        raise TargetSpecError("the local target needs BILLFORGE_DATABASE_URL")
    return LocalTarget(options.database_url, entity=options.entity)


def _url(scheme: str, rest: str) -> str:
    if not rest.startswith(("http://", "https://")):
        raise TargetSpecError(f"--target {scheme}:URL needs an http:// or https:// URL, not {rest!r}")
    return rest


def _rest(rest: str, options: TargetOptions) -> Target:
    from billforge.bulk.targets.rest import RestTarget

    if not options.client_id or not options.client_secret:
        raise TargetSpecError(
            "a rest: target needs an OAuth client: --client-id and --client-secret "
            "(or BILLFORGE_CLIENT_ID and BILLFORGE_CLIENT_SECRET)"
        )
    return RestTarget(_url("rest", rest), options.client_id, options.client_secret, entity=options.entity)


def _soap(rest: str, options: TargetOptions) -> Target:
    from billforge.bulk.targets.soap import SoapTarget

    if options.entity:
        raise TargetSpecError("--entity does not apply to a soap: target: the login's user belongs to one entity")
    if not options.username or not options.password:
        raise TargetSpecError(
            "a soap: target needs a login: --username and --password (or BILLFORGE_USERNAME and BILLFORGE_PASSWORD)"
        )
    return SoapTarget(_url("soap", rest), options.username, options.password)


SCHEMES: dict[str, Callable[[str, TargetOptions], Target]] = {"local": _local, "rest": _rest, "soap": _soap}


def split_spec(spec: str) -> tuple[str, str]:
    scheme, _, rest = spec.partition(":")
    if scheme not in SCHEMES:
        raise TargetSpecError(f"unknown target {spec!r}: use local, rest:URL or soap:URL")
    return scheme, rest


def make_target(spec: str, options: TargetOptions) -> Target:
    """The target named by ``spec`` (not yet opened)."""
    scheme, rest = split_spec(spec)
    return SCHEMES[scheme](rest, options)


def target_label(spec: str, options: TargetOptions) -> str:
    """How a run records its target: a resume must name the same one (the same database for
    ``local``, the same entity). Passwords are never part of it."""
    scheme, _ = split_spec(spec)
    label = spec
    if scheme == "local" and options.database_url:
        from sqlalchemy.engine import make_url

        label += f" {make_url(options.database_url).render_as_string(hide_password=True)}"
    return f"{label} entity={options.entity}" if options.entity else label
