# superset-review: the Superset configuration that wires the extension in.
#
# Used as is by the embedded stack (`superset-review up`) and by docker-compose.yml, and meant as the
# reference for admins who add the extension to their own superset_config.py: the lines marked
# "superset-review" are the ones the extension needs; the rest is an ordinary Superset deployment read from
# the environment.
import os

from superset_review.extension.initializer import ReviewAppInitializer
from superset_review.extension.security import ReviewSecurityManager

# --- superset-review: the extension itself -------------------------------------------------------------
APP_INITIALIZER = ReviewAppInitializer
CUSTOM_SECURITY_MANAGER = ReviewSecurityManager

FEATURE_FLAGS = {
    "DATASET_REVIEW": True,
    "DATASET_REVIEW_CLARIFICATION": True,
    "DATASET_REVIEW_EXECUTION": True,
    # Superset only compiles Jinja in SQL with this on; the review previews SQL the way Superset runs it.
    "ENABLE_TEMPLATE_PROCESSING": True,
}

# Every REVIEW_* key has a safe default (see the README); the environment overrides what is set here.
REVIEW_HEALTH_TIMEOUT_SECONDS = 2.0
REVIEW_LLM_MODELS: list[dict[str, object]] = []

# --- Superset: metadata database, secrets -------------------------------------------------------------
SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "")
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET__SQLALCHEMY_DATABASE_URI", "postgresql+psycopg2://superset:superset@localhost:5432/superset"
)
SQLALCHEMY_EXAMPLES_URI = os.environ.get("SUPERSET__SQLALCHEMY_EXAMPLES_URI", SQLALCHEMY_DATABASE_URI)

# --- Redis: Celery broker and results, and Superset's caches ------------------------------------------
REDIS_URL = os.environ.get("SUPERSET_REDIS_URL", "redis://localhost:6379/0")


class CeleryConfig:
    broker_url = REDIS_URL
    result_backend = REDIS_URL
    # Superset's own task modules, kept, plus the extension's (superset-review).
    imports = (
        "superset.sql_lab",
        "superset.tasks.scheduler",
        "superset.tasks.thumbnails",
        "superset.tasks.cache",
        "superset.tasks.slack",
        "superset_review.tasks",
    )
    worker_prefetch_multiplier = 1
    task_acks_late = False
    broker_connection_retry_on_startup = True


CELERY_CONFIG = CeleryConfig


def _redis_cache(prefix: str, timeout: int) -> dict[str, object]:
    return {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"superset_{prefix}_",
        "CACHE_DEFAULT_TIMEOUT": timeout,
    }


CACHE_CONFIG = _redis_cache("cache", 300)
DATA_CACHE_CONFIG = _redis_cache("data", 86400)
FILTER_STATE_CACHE_CONFIG = _redis_cache("filter_state", 86400)
EXPLORE_FORM_DATA_CACHE_CONFIG = _redis_cache("explore_form_data", 86400)

# The embedded stack serves on 127.0.0.1 over plain HTTP.
TALISMAN_ENABLED = os.environ.get("SUPERSET_TALISMAN_ENABLED", "true").lower() == "true"
SESSION_COOKIE_SECURE = os.environ.get("SUPERSET_SESSION_COOKIE_SECURE", "false").lower() == "true"
WTF_CSRF_ENABLED = os.environ.get("SUPERSET_WTF_CSRF_ENABLED", "true").lower() == "true"
SUPERSET_WEBSERVER_TIMEOUT = 60

# --- Languages: the ones users pick in Superset's navbar; the extension speaks English and Russian -----------
LANGUAGES = {
    "en": {"flag": "us", "name": "English"},
    "ru": {"flag": "ru", "name": "Russian"},
}

# --- Superset's MCP service (`superset-review mcp`, `superset-review up --mcp`), with the extension's tools ----------
# Superset verifies the bearer token at the transport; the token's `sub` is the Superset user every tool runs as.
# HS256 with a shared secret, or RS256 with MCP_JWT_PUBLIC_KEY / MCP_JWKS_URI (set MCP_JWT_ALGORITHM = "RS256").
MCP_AUTH_ENABLED = os.environ.get("SUPERSET_MCP_AUTH_ENABLED", "true").lower() == "true"
MCP_JWT_ALGORITHM = os.environ.get("SUPERSET_MCP_JWT_ALGORITHM", "HS256")
MCP_JWT_SECRET = os.environ.get("SUPERSET_MCP_JWT_SECRET") or None
MCP_JWT_PUBLIC_KEY = os.environ.get("SUPERSET_MCP_JWT_PUBLIC_KEY") or None
MCP_JWKS_URI = os.environ.get("SUPERSET_MCP_JWKS_URI") or None
MCP_JWT_ISSUER = os.environ.get("SUPERSET_MCP_JWT_ISSUER") or None
MCP_JWT_AUDIENCE = os.environ.get("SUPERSET_MCP_JWT_AUDIENCE") or None
# Every tool is listed to the client (Superset's default hides them behind a search tool).
MCP_TOOL_SEARCH_CONFIG = {"enabled": False}
