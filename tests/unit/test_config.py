from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app.config import DEFAULT_RETRY_SCHEDULE, ConfigError, load_settings, require_broker

PG = "postgresql://postgres@127.0.0.1/x"


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"HOOKRELAY_DATA_DIR": str(tmp_path), **{f"HOOKRELAY_{k}": v for k, v in values.items()}}


class TestLoadSettings:
    def test_defaults_are_the_embedded_shape(self, tmp_path: Path) -> None:
        settings = load_settings(env(tmp_path))
        assert settings.database_url == f"sqlite:///{(tmp_path / 'hookrelay.db').resolve()}"
        assert settings.broker_url == "memory://"
        assert (settings.host, settings.port) == ("127.0.0.1", 8000)
        assert settings.retry_schedule == DEFAULT_RETRY_SCHEDULE
        assert settings.request_timeout_seconds == 15.0
        assert settings.max_payload_bytes == 256 * 1024

    def test_embedded_secret_key_is_generated_once_and_kept_private(self, tmp_path: Path) -> None:
        first = load_settings(env(tmp_path)).secret_key
        assert load_settings(env(tmp_path)).secret_key == first
        Fernet(first.encode())
        assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600

    def test_values_are_converted(self, tmp_path: Path) -> None:
        settings = load_settings(
            env(tmp_path, PORT="9001", RETRY_SCHEDULE="1, 2,3", EGRESS_ALLOW="10.0.0.0/8,::1/128")
        )
        assert settings.port == 9001
        assert settings.retry_schedule == (1, 2, 3)
        assert settings.egress_allow == ("10.0.0.0/8", "::1/128")

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("PORT", "eighty"),
            ("PORT", "0"),
            ("RETRY_SCHEDULE", "5,soon"),
            ("RETRY_SCHEDULE", "5,-1"),
            ("REQUEST_TIMEOUT_SECONDS", "-3"),
            ("RETRY_JITTER", "1.5"),
            ("EGRESS_ALLOW", "not-a-cidr"),
            ("CORS_ALLOW_ORIGINS", "portal.example.com"),
            ("PUBLIC_URL", "hooks.example.com"),
            ("PAYLOAD_RETENTION_DAYS", "-1"),
            ("ATTEMPT_RETENTION_DAYS", "-1"),
            ("DELIVERY_RETENTION_DAYS", "-0.5"),
            ("MESSAGE_RETENTION_DAYS", "-1"),
            ("WORKER_IDLE_POLL_MS", "0"),
            ("BROKER_URL", "kafka://x"),
            ("DATABASE_URL", "mysql://x"),
            ("SECRET_KEY", "too-short"),
            ("SECRET_KEY", f"{Fernet.generate_key().decode()},too-short"),
            ("LOG_FORMAT", "xml"),
        ],
    )
    def test_bad_value_names_the_variable(self, tmp_path: Path, name: str, value: str) -> None:
        with pytest.raises(ConfigError, match=f"HOOKRELAY_{name}"):
            load_settings(env(tmp_path, **{name: value}))

    def test_secret_key_is_required_outside_the_embedded_default(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="HOOKRELAY_SECRET_KEY"):
            load_settings(env(tmp_path, DATABASE_URL=PG))

    def test_production_with_a_secret_key_loads(self, tmp_path: Path) -> None:
        key = Fernet.generate_key().decode()
        settings = load_settings(env(tmp_path, DATABASE_URL=PG, SECRET_KEY=key))
        assert settings.secret_key == key
        assert not (tmp_path / "secret.key").exists()


class TestSafeDefaults:
    def test_loopback_egress_is_allowed_under_dev_only(self, tmp_path: Path) -> None:
        assert load_settings(env(tmp_path), dev=True).egress_allow == ("127.0.0.0/8", "::1/128")
        # SQLite is no reason to open loopback: `hookrelay api` on it blocks it like PostgreSQL.
        assert load_settings(env(tmp_path)).egress_allow == ()
        assert load_settings(env(tmp_path, EGRESS_ALLOW=""), dev=True).egress_allow == ()

    @pytest.mark.parametrize("command", ["api", "worker", "scheduler"])
    def test_processes_refuse_the_in_process_broker(self, tmp_path: Path, command: str) -> None:
        with pytest.raises(
            ConfigError, match=f"HOOKRELAY_BROKER_URL: required for `hookrelay {command}`"
        ):
            require_broker(load_settings(env(tmp_path)), command)
        require_broker(load_settings(env(tmp_path, BROKER_URL="amqp://x")), command)

    def test_several_secret_keys_are_accepted_first_encrypts(self, tmp_path: Path) -> None:
        new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        settings = load_settings(env(tmp_path, DATABASE_URL=PG, SECRET_KEY=f"{new}, {old}"))
        assert settings.secret_keys == [new, old]
