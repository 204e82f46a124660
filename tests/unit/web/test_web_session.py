"""The web page's signed session cookie and CSRF tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billforge.web.session import LIFETIME, Signer, session_key

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


KEY = "the secret key"


def signer(key: str = KEY) -> Signer:
    return Signer(session_key(key))


def test_a_session_survives_the_round_trip_until_it_ends() -> None:
    made = signer().new_session(user_id="u1", entity_id="e1", username="ada@example.com", now=NOW)
    assert made.expires == NOW + LIFETIME == datetime(2024, 5, 1, 20, 0, tzinfo=UTC)  # 8 hours
    cookie = signer().dump(made)
    assert signer().load(cookie, now=NOW) == made  # the same key derived again (another process)
    assert signer().load(cookie, now=NOW + timedelta(hours=7, minutes=59)) == made
    assert signer().load(cookie, now=NOW + timedelta(hours=8)) is None


def test_an_altered_or_foreign_cookie_is_no_session() -> None:
    made = signer().new_session(user_id="u1", entity_id="e1", username="ada", now=NOW)
    cookie = signer().dump(made)
    payload, mac = cookie.split(".")
    other = signer().dump(signer().new_session(user_id="u2", entity_id="e2", username="eve", now=NOW))
    assert signer().load(other.split(".")[0] + "." + mac, now=NOW) is None  # another payload, this signature
    assert signer().load(payload + "." + mac[:-1] + ("A" if mac[-1] != "A" else "B"), now=NOW) is None
    assert signer("another key").load(cookie, now=NOW) is None
    for junk in (None, "", "abc", "a.b.c", "é.é", "x" * 5000):
        assert signer().load(junk, now=NOW) is None


def test_without_a_secret_key_each_process_has_its_own_random_key() -> None:
    assert session_key(None) != session_key(None)
    assert len(session_key(None)) == 32
    assert session_key("k") == session_key("k") != session_key("l")


def test_the_csrf_token_must_be_the_sessions() -> None:
    made = signer().new_session(user_id="u1", entity_id="e1", username="ada", now=NOW)
    assert made.accepts(made.csrf)
    assert not made.accepts(None)
    assert not made.accepts("")
    assert not made.accepts(made.csrf + "x")
    again = signer().new_session(user_id="u1", entity_id="e1", username="ada", now=NOW)
    assert again.csrf != made.csrf  # a new token per session


def test_the_login_forms_token_must_match_its_cookie_and_be_fresh() -> None:
    token = signer().login_token(now=NOW)
    assert signer().login_token_matches(token, token, now=NOW + timedelta(minutes=59))
    assert not signer().login_token_matches(token, token, now=NOW + timedelta(hours=1))  # an hour later
    assert not signer().login_token_matches(token, None, now=NOW)  # no cookie: posted from elsewhere
    assert not signer().login_token_matches(None, token, now=NOW)
    other = signer().login_token(now=NOW)
    assert not signer().login_token_matches(token, other, now=NOW)
    assert not signer("another key").login_token_matches(token, token, now=NOW)
    forged = "abc~9999999999.xyz"
    assert not signer().login_token_matches(forged, forged, now=NOW)
