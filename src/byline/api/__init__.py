"""The HTTP API: labels, creators, reviewers, the platform's integration, administration."""

from byline.api._app import create_api
from byline.api._logs import configure_logging
from byline.api._ratelimit import MemoryLimiter, RateLimiter, RedisLimiter
from byline.api._settings import ApiSettings

__all__ = [
    "ApiSettings",
    "MemoryLimiter",
    "RateLimiter",
    "RedisLimiter",
    "configure_logging",
    "create_api",
]
