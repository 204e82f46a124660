"""``POST /oauth/token``: the client-credentials grant the official SDK uses."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, database, settings
from billforge.errors import InvalidValue, MissingValue
from billforge.services import tenancy

router = APIRouter(tags=["OAuth"])


@router.post(
    "/oauth/token",
    response_class=ZuoraJSON,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["client_id", "client_secret", "grant_type"],
                        "properties": {
                            "client_id": {"type": "string", "maxLength": 36, "minLength": 36},
                            "client_secret": {"type": "string", "maxLength": 42},
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        },
                    }
                }
            }
        }
    },
)
async def create_token(request: Request) -> ZuoraJSON:
    """Issue a bearer token. Any ``Authorization`` header on this call (a stale token) is ignored."""
    form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    for name in ("client_id", "client_secret", "grant_type"):
        if not form.get(name):
            raise MissingValue(f"'{name}' is required", field=name, obj="auth")
    if form["grant_type"] != "client_credentials":
        raise InvalidValue("'grant_type' must be client_credentials", field="grant_type", obj="auth")
    config = settings(request)
    issued = await call(
        tenancy.issue_token,
        db=database(request),
        clock=request.app.state.clock,
        client_id=form["client_id"],
        client_secret=form["client_secret"],
        ttl_seconds=config.access_token_ttl_seconds,
    )
    return ZuoraJSON(
        {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
            "scope": "entity." + " entity.".join(issued.entity_ids),
            "jti": issued.jti,
        }
    )
