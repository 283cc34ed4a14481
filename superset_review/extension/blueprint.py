"""The blueprint that serves the extension's static assets (the built frontend bundle)."""

from pathlib import Path

from flask import Blueprint

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
WORKSPACE_BUNDLE = STATIC_DIR / "dist" / "workspace.js"

static_blueprint = Blueprint(
    "superset_review_static",
    __name__,
    static_folder=str(STATIC_DIR),
    static_url_path="/dataset_review/static",
)
