"""Configuration from the environment (prefix ``HOOKRELAY_``).

Every setting is a field of :class:`Settings`; ``load_settings`` reads ``HOOKRELAY_<FIELD>`` for each
one, converts it, and raises :class:`ConfigError` naming the variable when a value is bad, so that a
process stops at start-up instead of misbehaving later.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

PREFIX = "HOOKRELAY_"
DEFAULT_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
EMBEDDED_EGRESS_ALLOW = ("127.0.0.0/8", "::1/128")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Process settings; field ``x`` is read from ``HOOKRELAY_X``.

    ``egress_allow``: CIDRs that outbound delivery may reach despite the internal-address block
    (``app/kit/egress.py``). Under ``hookrelay dev`` (``load_settings(dev=True)``), when it is not
    set, it is loopback, ``127.0.0.0/8,::1/128``, so that a developer can point an endpoint at a
    local receiver; everywhere else it is empty, whatever the database. ``egress_https_only``
    refuses plain-http endpoint URLs, at creation and at delivery.

    ``secret_key``: one key, or several separated by commas to rotate: the first encrypts, every
    one decrypts (``hookrelay rotate-secrets`` re-encrypts what is stored with the first).
    ``broker_url``: the in-process ``memory://`` serves ``hookrelay dev`` only; ``api``, ``worker``
    and ``scheduler`` refuse to start on it (``require_broker``), since their tasks would go to a
    queue no other process reads.
    """

    data_dir: str = ".hookrelay"
    database_url: str = ""  # empty: a SQLite file in data_dir
    broker_url: str = "memory://"
    secret_key: str = ""  # empty: generated into data_dir on the embedded default
    admin_api_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    egress_allow: tuple[str, ...] = ()
    egress_https_only: bool = False
    metrics_token: str = ""  # when set, /metrics answers only "Authorization: Bearer <token>"
    # CIDRs a source's destinations (internal services, created by admins only) may reach; apart
    # from egress_allow so that tenants' endpoints never gain them. Loopback under `hookrelay dev`
    # when not set, like egress_allow.
    destination_allow: tuple[str, ...] = ()
    max_inbound_body_bytes: int = 1024 * 1024  # a larger request to an ingest URL: 413

    # Delivery policy.
    retry_schedule: tuple[int, ...] = DEFAULT_RETRY_SCHEDULE
    retry_jitter: float = 0.2
    request_timeout_seconds: float = 15.0
    connect_timeout_seconds: float = 5.0
    max_response_body_bytes: int = 20 * 1024
    max_payload_bytes: int = 256 * 1024
    retry_after_max_seconds: float = 3600.0  # a receiver's Retry-After is honoured up to this
    slowdown_seconds: float = 5.0  # pause after 429/502/503/504 that names no Retry-After
    circuit_failure_threshold: int = 5  # consecutive failed tries that open the circuit
    circuit_cooldown_seconds: float = 30.0  # first wait before a probe; doubles per failed probe
    circuit_max_cooldown_seconds: float = 3600.0
    disable_after_hours: float = 120.0  # failing with no success this long disables an endpoint
    failing_event_after_tries: int = 4  # message.attempt.failing is sent after this many tries
    operator_webhook_url: str = ""  # where operational events go (empty: not sent)
    secret_rotation_grace_hours: float = 24.0  # a rotated-out secret keeps signing this long

    # Portal and delivery log.
    public_url: str = ""  # base of magic links (empty: http://HOST:PORT)
    cors_allow_origins: tuple[str, ...] = ()  # origins a browser portal may call the API from
    portal_token_ttl_seconds: int = 86_400  # default lifetime of a portal token
    # The portal web page (/portal/): white-label look, and who may embed it in an iframe.
    portal_product_name: str = "Webhooks"
    portal_primary_color: str = "#2f5bd3"  # a #rrggbb colour
    portal_logo_url: str = ""  # same-origin path or https URL of a logo (empty: the name only)
    portal_theme: Literal["auto", "light", "dark"] = "auto"
    portal_frame_ancestors: tuple[str, ...] = ()  # origins that may embed it (empty: none)
    # Retention, per kind of row, in days (0: kept forever). A pending delivery, its message and
    # its attempts are never purged; a deleted endpoint goes once its deliveries have gone.
    payload_retention_days: float = 30.0  # message bodies
    attempt_retention_days: float = 30.0  # HTTP tries (each up to 20 KB of response body)
    delivery_retention_days: float = 30.0  # finished deliveries, with their attempts
    message_retention_days: float = 30.0  # messages with no pending delivery, and all they hold
    retention_batch_size: int = 1_000  # rows per purge transaction
    retention_interval_seconds: float = 300.0  # how often the scheduler purges

    # Machinery.
    api_workers: int = 1  # `hookrelay api` processes on one port (uvicorn's supervisor above 1)
    # Single publishes answered before routing and written in group commits (PostgreSQL only;
    # app/messages/fast_path.py). Off: every publish takes the normal route.
    publish_fast_path: bool = True
    ingest_fast_path: bool = True  # the same for POST /in/{token} (app/sources/fast_path.py)
    group_commit_writers: int = 1  # connections each fast path writes its groups on
    worker_threads: int = 8
    worker_connections: int = 256
    # Dramatiq's idle wait (ms). Its Redis consumer polls an idle queue with a backoff growing to
    # about twice this: at Dramatiq's 1,000 ms default a lightly loaded worker picked tasks up
    # ~100 ms late (p50 publish→receipt at 5 msg/s: 101 ms; 78 ms at 50; 41 ms at 20). An idle
    # worker costs 4 % of a core at 50 on Redis, 2 % on RabbitMQ (0.2 % at 1,000). RabbitMQ
    # pushes: p50 ~25 ms whatever the value.
    worker_idle_poll_ms: int = 50
    scheduler_interval_seconds: float = 1.0
    scheduler_batch_size: int = 500
    stuck_after_seconds: float = 60.0
    deliveries_per_task: int = 200  # 50: 1,508 to 1,646/s, 200: 1,743 to 1,784/s (bench, 2 workers)
    max_in_flight: int = 512  # concurrent tries per worker process
    max_in_flight_per_endpoint: int = 16  # one endpoint's share of them
    endpoint_busy_delay_seconds: float = 1.0  # wait of a delivery whose endpoint is at its share
    metrics_port: int = 0  # worker and scheduler serve /metrics here (0: off)

    @property
    def is_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secret_keys(self) -> list[str]:
        """The keys of ``secret_key``, the encrypting one first."""
        return [key.strip() for key in self.secret_key.split(",") if key.strip()]

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


_POSITIVE = (
    "port",
    "request_timeout_seconds",
    "connect_timeout_seconds",
    "max_response_body_bytes",
    "max_payload_bytes",
    "max_inbound_body_bytes",
    "api_workers",
    "group_commit_writers",
    "worker_threads",
    "worker_connections",
    "worker_idle_poll_ms",
    "scheduler_interval_seconds",
    "scheduler_batch_size",
    "stuck_after_seconds",
    "deliveries_per_task",
    "retry_after_max_seconds",
    "slowdown_seconds",
    "circuit_failure_threshold",
    "circuit_cooldown_seconds",
    "circuit_max_cooldown_seconds",
    "disable_after_hours",
    "failing_event_after_tries",
    "max_in_flight",
    "max_in_flight_per_endpoint",
    "endpoint_busy_delay_seconds",
    "secret_rotation_grace_hours",
    "portal_token_ttl_seconds",
    "retention_batch_size",
    "retention_interval_seconds",
)
RETENTION_DAYS = (
    "payload_retention_days",
    "attempt_retention_days",
    "delivery_retention_days",
    "message_retention_days",
)
_TUPLES = {
    "retry_schedule",
    "egress_allow",
    "destination_allow",
    "cors_allow_origins",
    "portal_frame_ancestors",
}


def _var(field: str) -> str:
    return PREFIX + field.upper()


def _raw_values(environ: Mapping[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for field in Settings.__struct_fields__:
        value = environ.get(_var(field))
        if value is None:
            continue
        if field in _TUPLES:
            raw[field] = [part.strip() for part in value.split(",") if part.strip()]
        else:
            raw[field] = value.strip()
    return raw


def _convert(raw: dict[str, Any]) -> Settings:
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        # msgspec says "... - at `$.port`" or "... - at `$.retry_schedule[2]`".
        message = str(exc)
        path = message.rsplit("`$.", 1)[-1].split("`")[0].split("[")[0]
        if path in Settings.__struct_fields__:
            reason = message.split(" - at ")[0]
            raise ConfigError(f"{_var(path)}: {reason}") from None
        raise ConfigError(f"invalid configuration: {message}") from None


def _check(settings: Settings) -> None:
    for field in _POSITIVE:
        if getattr(settings, field) <= 0:
            raise ConfigError(f"{_var(field)}: must be greater than zero")
    if not settings.retry_schedule or any(s <= 0 for s in settings.retry_schedule):
        raise ConfigError(f"{_var('retry_schedule')}: comma-separated positive seconds")
    if not 0 <= settings.retry_jitter < 1:
        raise ConfigError(f"{_var('retry_jitter')}: must be in [0, 1)")
    for field in ("egress_allow", "destination_allow"):
        for cidr in getattr(settings, field):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ConfigError(f"{_var(field)}: {cidr!r} is not a CIDR") from None
    if settings.operator_webhook_url and not settings.operator_webhook_url.startswith(
        ("http://", "https://")
    ):
        raise ConfigError(f"{_var('operator_webhook_url')}: must be an http(s) URL")
    for field in RETENTION_DAYS:
        if getattr(settings, field) < 0:
            raise ConfigError(f"{_var(field)}: days, or 0 to keep forever")
    for origin in settings.cors_allow_origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(f"{_var('cors_allow_origins')}: {origin!r} is not an origin")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", settings.portal_primary_color):
        raise ConfigError(f"{_var('portal_primary_color')}: a colour like #2f5bd3")
    for origin in settings.portal_frame_ancestors:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d+)?", origin):
            raise ConfigError(f"{_var('portal_frame_ancestors')}: {origin!r} is not an origin")
    if settings.portal_logo_url and not settings.portal_logo_url.startswith(("/", "https://")):
        raise ConfigError(f"{_var('portal_logo_url')}: a path (/…) or an https URL")
    if settings.public_url and not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError(f"{_var('public_url')}: must be an http(s) URL")
    if not 0 <= settings.metrics_port <= 65535:
        raise ConfigError(f"{_var('metrics_port')}: must be a port number (0: off)")
    if not settings.broker_url.startswith(
        ("memory://", "amqp://", "amqps://", "redis://", "rediss://")
    ):
        raise ConfigError(f"{_var('broker_url')}: use memory://, amqp://… or redis://…")
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise ConfigError(f"{_var('database_url')}: use sqlite:///path or postgresql://…")
    for index, secret_key in enumerate(settings.secret_keys, start=1):
        try:
            key = base64.urlsafe_b64decode(secret_key.encode())
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise ConfigError(
                f"{_var('secret_key')}: key {index} is not a urlsafe-base64 32-byte key"
                " (several keys: comma-separated, the first encrypts)"
            )


def require_broker(settings: Settings, command: str) -> None:
    """``api``, ``worker`` and ``scheduler`` are separate processes: they need a shared broker."""
    if settings.broker_url.startswith("memory://"):
        raise ConfigError(
            f"{_var('broker_url')}: required for `hookrelay {command}` (amqp://… or redis://…);"
            " the in-process broker serves `hookrelay dev` only"
        )


def _embedded_secret_key(data_dir: Path) -> str:
    """The embedded default keeps a generated key in its data folder, readable by its owner only."""
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip()


def load_settings(
    environ: Mapping[str, str] | None = None, *, dev: bool = False, **overrides: Any
) -> Settings:
    """Read, convert and check the settings; raise ``ConfigError`` naming the bad variable.
    ``dev``: ``hookrelay dev``, where loopback egress is allowed unless ``EGRESS_ALLOW`` says
    otherwise."""
    env = os.environ if environ is None else environ
    raw = _raw_values(env) | overrides
    settings = _convert(raw)
    data_dir = Path(settings.data_dir)
    if not settings.database_url:
        settings = msgspec.structs.replace(
            settings, database_url=f"sqlite:///{(data_dir / 'hookrelay.db').resolve()}"
        )
    _check(settings)
    for field in ("egress_allow", "destination_allow"):
        if field not in raw and dev:
            settings = msgspec.structs.replace(settings, **{field: EMBEDDED_EGRESS_ALLOW})
    if not settings.secret_key:
        if not settings.is_embedded_database:
            raise ConfigError(f"{_var('secret_key')}: required outside the embedded SQLite default")
        settings = msgspec.structs.replace(settings, secret_key=_embedded_secret_key(data_dir))
    return settings
