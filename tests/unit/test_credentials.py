"""Where credentials travel, and what a scenario's steps add to them."""

from __future__ import annotations

from contractsnap._credentials import Credentials, Secrets, SentCredentials

SCHEMA = {"header": {"x-api-key"}, "query": {"api_key"}, "cookie": {"session"}}


class TestLocations:
    def test_schema_settings_and_fixtures(self) -> None:
        """The schema's schemes, the `secrets` setting, and what the fixtures send."""
        secrets = Secrets(SCHEMA, ["x-tenant-token"], [])
        auth = Credentials({"Authorization": "Bearer t0ken", "Cookie": "sid=abc; theme=dark"}, {})
        assert secrets.locations(auth) == {
            "header": {"x-api-key", "x-tenant-token", "authorization", "cookie"},
            "query": {"api_key"},
            "cookie": {"session", "sid", "theme"},
        }

    def test_query_credentials(self) -> None:
        secrets = Secrets({}, [], [])
        where = secrets.locations(Credentials({}, {"token": "s3cret-value"}))
        assert where == {"header": set(), "query": {"token"}, "cookie": set()}


class TestRules:
    def test_every_value_sent_is_redacted(self) -> None:
        rules = Secrets(SCHEMA, [], ["uuid"]).rules(
            Credentials({"Authorization": "Bearer t0ken-123"}, {"key": "query-secret"})
        )
        assert rules.detectors == ("uuid",)
        assert "authorization" in rules.secret_headers
        assert {"Bearer t0ken-123", "t0ken-123", "query-secret"} <= set(rules.secret_values)


class TestSentCredentials:
    def test_a_token_a_step_sends_is_a_secret_of_the_pass(self) -> None:
        """A header the schema names as a credential, sent by a step, joins the secrets."""
        sent = SentCredentials(Secrets(SCHEMA, [], []), Credentials({}, {}))
        sent.add([("header", "X-API-Key", "issued-by-login"), ("header", "X-Other", "plain")])
        sent.add([("cookie", "session", "cookie-value"), ("query", "page", "2")])
        values = set(sent.rules().secret_values)
        assert {"issued-by-login", "cookie-value"} <= values
        assert "plain" not in values
        assert "2" not in values
