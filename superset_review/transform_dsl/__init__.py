"""The transform DSL (version 1.0.0): twelve ordered operations, a typed tree, SQL (sqlglot) and Polars generators.

A **plan** is JSON::

    {"dsl_version": "1.0.0",
     "pipelines": [{"target": "full_name", "source": "first", "ops": [
         {"op": "trim"},
         {"op": "concat", "parts": [{"column": "last"}], "separator": " "}]}]}

Each pipeline computes one output column from its ``source`` column, applying ``ops`` in order; only ``concat``
reads other columns. Anything outside the twelve operations, or a parameter an operation does not take, is refused
as ``DSL_REJECT`` naming the pipeline, the operation's index and the field.
"""

DSL_VERSION = "1.0.0"
