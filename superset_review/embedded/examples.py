"""A curated subset of the examples bundled in the Superset wheel, loaded in seconds rather than minutes.

The Sales dashboard (native filters on country, product line, deal size and time, ten charts) and its
dataset come from Superset's own example files through Superset's own importer. A virtual dataset whose SQL
uses Jinja (``url_param``, ``filter_values`` and a custom template parameter) is added beside it, because
reviewing templated SQL is the heart of the product and the wheel has no such example.
"""

from __future__ import annotations

import json
import logging
import re
from importlib.resources import files

logger = logging.getLogger(__name__)

CURATED_EXAMPLES = ("sales_dashboard",)
JINJA_DATASET_NAME = "sales_review_templated"
JINJA_DATASET_SQL = """\
SELECT order_date, country, city, product_line, deal_size, status, quantity_ordered, price_each, sales
FROM cleaned_sales_data
WHERE sales >= {{ min_sales }}
{% if filter_values('country') %}
  AND country IN {{ filter_values('country') | where_in }}
{% endif %}
{% if url_param('deal_size') %}
  AND deal_size = '{{ url_param('deal_size') }}'
{% endif %}
"""
JINJA_DATASET_PARAMS = {"min_sales": 0}


def load_curated_examples() -> list[str]:
    """Load the curated examples into the examples database; returns what was loaded. Idempotent."""
    from superset.commands.importers.v1.examples import ImportExamplesCommand
    from superset.examples import data_loading
    from superset.examples.utils import _load_example_contents, _load_shared_configs

    examples_root = files("superset") / "examples"
    contents: dict[str, str] = _load_shared_configs(examples_root)
    for name in CURATED_EXAMPLES:
        getattr(data_loading, f"load_{name}")(only_metadata=False, force=False)
        contents.update(_load_example_contents(examples_root / name, name, re.compile(r"\.test\."), False))
    ImportExamplesCommand(contents, overwrite=True, force_data=False).run()
    created = ensure_jinja_dataset()
    loaded = [*CURATED_EXAMPLES, JINJA_DATASET_NAME]
    logger.info("Examples loaded: %s (templated dataset %s)", loaded, "created" if created else "kept")
    return loaded


def ensure_jinja_dataset() -> bool:
    """Create the templated virtual dataset once; True when it was created."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db
    from superset.utils.database import get_example_database

    database = get_example_database()
    existing = db.session.query(SqlaTable).filter_by(table_name=JINJA_DATASET_NAME, database_id=database.id).first()
    if existing is not None:
        return False
    dataset = SqlaTable(
        table_name=JINJA_DATASET_NAME,
        database=database,
        schema=database.get_default_schema(None),
        sql=JINJA_DATASET_SQL,
        template_params=json.dumps(JINJA_DATASET_PARAMS),
        description="Sales filtered by the dashboard's country filter, a deal_size URL parameter and min_sales.",
    )
    db.session.add(dataset)
    db.session.flush()
    dataset.fetch_metadata()
    db.session.commit()
    return True
