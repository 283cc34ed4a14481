"""The domains of a Superset dataset: read them (Superset's dataset access decides who may), domain a dataset or a
database in the worker, and decide a column's domain (written back to Superset)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from flask import Response
from flask_appbuilder.api import expose, protect

from superset_review.adapters.datasets import get_dataset
from superset_review.domains.assignments import (
    ColumnDomainDAO,
    assignment_document,
    database_subject,
    dataset_subject,
)
from superset_review.domains.dataset_schemas import (
    DatasetDomainsSchema,
    DomainDecisionResultSchema,
    DomainDecisionSchema,
)
from superset_review.extension.api import ReviewBaseApi, safe
from superset_review.extension.constants import API_ROUTE_BASE, MANAGE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.schemas import TaskSchema

KIND = "domaining"


def _written_back(column: Any) -> Any:
    from superset_review.domains.commands.decide_column import EXTRA_KEY

    try:
        extra = json.loads(column.extra) if column.extra else {}
    except ValueError:
        return None
    return extra.get(EXTRA_KEY) if isinstance(extra, dict) else None


def _is_task_id(value: str) -> bool:
    import uuid

    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _database(database_id: int) -> Any:
    from superset.extensions import db
    from superset.models.core import Database

    database = db.session.query(Database).filter(Database.id == database_id).one_or_none()
    if database is None:
        raise ReviewError(Text("database %(database)s does not exist", database=database_id), ErrorCode.NOT_FOUND)
    return database


class DatasetDomainsRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/domains/datasets"
    method_permission_name: ClassVar[dict[str, str]] = {
        "get_domains": READ,
        "classify": MANAGE,
        "classify_database": MANAGE,
        "get_task": READ,
        "get_database_task": READ,
        "decide": MANAGE,
    }
    openapi_spec_component_schemas = (
        DatasetDomainsSchema,
        DomainDecisionSchema,
        DomainDecisionResultSchema,
        TaskSchema,
    )

    @expose("/<int:pk>", methods=("GET",))
    @protect()
    @safe
    def get_domains(self, pk: int) -> Response:
        """Every column of a dataset with its domain assignment (if domaining ran), and the domaining tasks.
        ---
        get:
          summary: Get the domains of a dataset's columns
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200:
              description: The columns, their assignments with evidence, the catalog, the tasks
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/DatasetDomainsSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.domains.domaining import current_catalog

        dataset = get_dataset(pk)  # 404 / 403: Superset's dataset access
        rows = {row.column_name: row for row in ColumnDomainDAO.of_dataset(pk)}
        subject = dataset_subject(pk)
        ReviewTaskDAO.fail_orphans(subject)
        _, stamp = current_catalog()
        columns = [
            {
                "column_name": column.column_name,
                "type": column.type,
                "is_dttm": column.is_dttm,
                "written_back": _written_back(column),
                "assignment": assignment_document(rows[column.column_name]) if column.column_name in rows else None,
            }
            for column in dataset.columns
        ]
        document = {
            "dataset_id": dataset.id,
            "dataset_name": dataset.table_name,
            "database_id": dataset.database_id,
            "catalog": {"version": stamp.version, "content_hash": stamp.content_hash, "profile_id": stamp.profile_id},
            "columns": columns,
            "tasks": [task for task in ReviewTaskDAO.of_subject(subject) if task.kind == KIND],
        }
        return self.reply(200, **DatasetDomainsSchema().dump(document))

    @expose("/<int:pk>/classify", methods=("POST",))
    @protect()
    @safe
    def classify(self, pk: int) -> Response:
        """Domain every column of a dataset in the worker, as you (your dataset access, your row-level security).
        ---
        post:
          summary: Domain a dataset (a Celery task)
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            202:
              description: Queued (or the same work already queued or running); the task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TaskSchema'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            503:
              description: The worker queue could not be reached
        """
        from superset_review.tasks.domaining import classify_dataset_domains

        get_dataset(pk)
        return self._queue(dataset_subject(pk), classify_dataset_domains, pk)

    @expose("/database/<int:pk>/classify", methods=("POST",))
    @protect()
    @safe
    def classify_database(self, pk: int) -> Response:
        """Domain every dataset of a database that you may read, in the worker, as you.
        ---
        post:
          summary: Domain every readable dataset of a database (a Celery task)
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            202:
              description: Queued (or the same work already queued or running); the task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TaskSchema'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            503:
              description: The worker queue could not be reached
        """
        from superset_review.domains.commands.classify_dataset import readable_datasets
        from superset_review.tasks.domaining import classify_database_domains

        _database(pk)
        if not readable_datasets(pk):
            raise ReviewError(
                Text("database %(database)s has no dataset you may read: ask an admin for access",
                     database=pk),
                ErrorCode.DATASET_FORBIDDEN,
            )  # fmt: skip
        return self._queue(database_subject(pk), classify_database_domains, pk)

    def _queue(self, subject: str, task: Any, *args: Any) -> Response:
        from superset_review.tasks.progress import queue_task, queued_status

        record, _ = queue_task(KIND, subject, task, *args)
        return self.reply(queued_status(record), **TaskSchema().dump(record))

    @expose("/<int:pk>/tasks/<string:task_id>", methods=("GET",))
    @protect()
    @safe
    def get_task(self, pk: int, task_id: str) -> Response:
        """One domaining task of a dataset: state, progress, and why it failed.
        ---
        get:
          summary: Get a domaining task of a dataset
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          - {in: path, name: task_id, schema: {type: string}}
          responses:
            200:
              description: The task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TaskSchema'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        get_dataset(pk)
        return self._task(dataset_subject(pk), task_id)

    @expose("/database/<int:pk>/tasks/<string:task_id>", methods=("GET",))
    @protect()
    @safe
    def get_database_task(self, pk: int, task_id: str) -> Response:
        """One domaining task of a database (yours, or any for whoever may read its datasets).
        ---
        get:
          summary: Get a domaining task of a database
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          - {in: path, name: task_id, schema: {type: string}}
          responses:
            200:
              description: The task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TaskSchema'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.domains.commands.classify_dataset import readable_datasets

        _database(pk)
        if not readable_datasets(pk):
            raise ReviewError(Text("task %(task)s does not exist", task=task_id[:36]), ErrorCode.NOT_FOUND)
        return self._task(database_subject(pk), task_id)

    def _task(self, subject: str, task_id: str) -> Response:
        ReviewTaskDAO.fail_orphans(subject)
        record = ReviewTaskDAO.by_uuid(task_id) if _is_task_id(task_id) else None
        if record is None or record.subject != subject or record.kind != KIND:
            raise ReviewError(Text("task %(task)s does not exist", task=task_id[:36]), ErrorCode.NOT_FOUND)
        return self.reply(200, **TaskSchema().dump(record))

    @expose("/<int:pk>/columns/<path:column_name>/decision", methods=("POST",))
    @protect()
    @safe
    def decide(self, pk: int, column_name: str) -> Response:
        """Approve a column's proposed domain, mark it unknown, or override it with another catalog domain. The
        domain is written to the Superset column's extra (you must own the dataset or be an admin), audited with
        before and after, and the header is staged as an alias of the chosen domain when it is not one already.
        ---
        post:
          summary: Decide a column's domain
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          - {in: path, name: column_name, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/DomainDecisionSchema'
          responses:
            200:
              description: The decided assignment and what Superset's column now says
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/DomainDecisionResultSchema'
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        from superset_review.domains.commands.decide_column import DecideColumnDomainCommand

        payload = self.body(DomainDecisionSchema())
        command = DecideColumnDomainCommand(pk, column_name, payload["action"], payload["domain"])
        row = command.run()
        result = {"assignment": assignment_document(row), "written_back": command.written_back}
        return self.reply(200, **DomainDecisionResultSchema().dump(result))
