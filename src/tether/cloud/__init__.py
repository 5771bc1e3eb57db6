"""The one place that talks to an AWS endpoint: sessions, endpoints, retries, error translation."""

from __future__ import annotations

from tether.cloud.session import Cloud, connect

__all__ = ["Cloud", "connect"]
