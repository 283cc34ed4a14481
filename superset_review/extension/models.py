"""The declarative base of the extension's tables.

Its own MetaData, not Flask-AppBuilder's ``Model``: FAB's ``create_db`` creates every missing table of its
metadata at start-up, which would create the extension's tables behind the back of its alembic history (and
make the migration that creates them fail). The extension's schema is owned by `superset-review init` alone.
"""

from sqlalchemy import MetaData
from sqlalchemy.orm import declarative_base

ReviewModel = declarative_base(metadata=MetaData())
