"""Execution: mappings (override, approve), the compiled preview by Superset, and the gated launch in SQL Lab with
its immutable run context. Every action is an event of the session."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g
from superset.extensions import db

from superset_review.adapters.compile import CompiledSql, compile_with_inputs
from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, get_dataset
from superset_review.adapters.sqllab import SqlLabLaunchError, create_sqllab_tab
from superset_review.execution.mappings import (
    CompileInputs,
    ExecutionMapping,
    MappingValueError,
    approve,
    build_mappings,
    compile_inputs,
    dump_mappings,
    fingerprint,
    load_mappings,
    override_value,
    placeholder_inputs,
)
from superset_review.execution.structure import same_shape
from superset_review.extension.i18n import I18N_KEY, Text, joined, keep_texts, message_of, restore_text, texts_of
from superset_review.intake.jinja import TemplateScan, find_template_variables
from superset_review.sessions.commands.lifecycle import OwnedSessionCommand, owners_rights, unit_of_work
from superset_review.sessions.commands.profile import refresh_readiness
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.models import ReviewRun, ReviewSession, Severity


def initial_mappings(dataset: Any, context: dict[str, Any]) -> list[ExecutionMapping]:
    scan = find_template_variables(dataset.sql) if dataset.sql else TemplateScan(variables=())
    return build_mappings(scan, context)


def session_mappings(session: ReviewSession) -> list[ExecutionMapping]:
    return load_mappings((session.execution or {}).get("mappings"))


def store_mappings(session: ReviewSession, mappings: list[ExecutionMapping], *, values_changed: bool = True) -> None:
    """Save the mappings on the session; a changed value makes the preview stale (an approval changes none)."""
    execution = dict(session.execution or {})
    execution["mappings"] = dump_mappings(mappings)
    if values_changed and execution.get("preview"):
        execution["preview"] = {**execution["preview"], "stale": True}
    session.execution = execution


def dataset_state(dataset: Any) -> dict[str, Any]:
    """What of the dataset the compiled SQL depends on: a change in Superset makes a preview stale."""
    return {
        "id": dataset.id,
        "database_id": dataset.database_id,
        "sql": hashlib.sha256((dataset.sql or "").encode()).hexdigest(),
        "template_params": dataset.template_params or "",
        "schema": dataset.schema,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _diagnostic(record: dict[str, Any], message: str | None) -> dict[str, Any]:
    """A preview diagnostic with its message, whose Text is kept (the session's GET says it in the reader's
    language)."""
    keep_texts(record, message=message)
    return record


def _without_texts(diagnostics: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Diagnostics for an event (events are an English audit trail: no kept Texts)."""
    return [{key: value for key, value in item.items() if key != I18N_KEY} for item in diagnostics]


class _ExecutionCommand(OwnedSessionCommand):
    def _dataset(self) -> Any:
        assert self._session is not None
        try:
            return get_dataset(self._session.dataset_id)
        except DatasetNotFoundError as ex:
            raise ReviewSessionError(
                Text("The session's dataset %(dataset_id)s no longer exists in Superset; the review is kept.",
                     dataset_id=ex.dataset_id),
                code="DATASET_NOT_FOUND",
            ) from ex  # fmt: skip
        except DatasetAccessError as ex:
            raise ReviewSessionError(message_of(ex), code="DATASET_FORBIDDEN") from ex


class UpdateMappingsCommand(_ExecutionCommand):
    """Manual values for variables, each with who and why; all checked before any is applied."""

    def __init__(self, session_id: int, is_admin: bool, version: int, changes: list[dict[str, Any]],
                 can_approve: bool) -> None:  # fmt: skip
        super().__init__(session_id, is_admin, version)
        self._changes = changes
        self._can_approve = can_approve

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        assert self._session is not None
        mappings = session_mappings(self._session)
        by_name = {mapping.variable: index for index, mapping in enumerate(mappings)}
        errors: list[str] = []  # Texts
        updated = list(mappings)
        for change in self._changes:
            index = by_name.get(change["variable"])
            if index is None:
                errors.append(
                    Text("'%(variable)s' is not a variable of this dataset's SQL.", variable=change["variable"])
                )
                continue
            try:
                updated[index] = override_value(
                    updated[index], change.get("value"), g.user.username, change["why"], self._can_approve
                )
            except MappingValueError as ex:
                errors.append(message_of(ex))
        if errors:
            raise ReviewSessionError(joined(errors), code="BAD_MAPPING_VALUE")
        before = {m.variable: m.value for m in mappings if m.variable in {c["variable"] for c in self._changes}}
        store_mappings(self._session, updated)
        refresh_readiness(self._session)
        after = {
            c["variable"]: {"value": updated[by_name[c["variable"]]].value, "why": c["why"]} for c in self._changes
        }
        ReviewSessionDAO.add_event(self._session, g.user, "mappings.overridden", before=before, after=after)
        return self._session


class ApproveMappingsCommand(_ExecutionCommand):
    """Approve named mappings (or all that need it); the caller holds can_approve (the API checks it). An approver
    need not own the review: one who may read its dataset sees its values and may approve them."""

    approver_may_act = True

    def __init__(self, session_id: int, is_admin: bool, version: int, variables: list[str] | None) -> None:
        super().__init__(session_id, is_admin, version)
        self._variables = variables

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        assert self._session is not None
        mappings = session_mappings(self._session)
        known = {m.variable for m in mappings}
        unknown = sorted(set(self._variables or ()) - known)
        if unknown:
            raise ReviewSessionError(
                Text("Not variables of this dataset's SQL: %(variables)s.", variables=", ".join(unknown)),
                "UNKNOWN_VARIABLE",
            )
        wanted = known if self._variables is None else set(self._variables)
        approved = [m.variable for m in mappings if m.variable in wanted and m.blocks_launch]
        updated = [approve(m, g.user.username) if m.variable in wanted else m for m in mappings]
        store_mappings(self._session, updated, values_changed=False)
        refresh_readiness(self._session)
        ReviewSessionDAO.add_event(self._session, g.user, "mappings.approved", after={"approved": approved})
        return self._session


class PreviewCommand(_ExecutionCommand):
    """Compile the effective inputs with Superset's template processor; refuse values that change the SQL."""

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        assert self._session is not None
        mappings = session_mappings(self._session)
        inputs = compile_inputs(mappings)
        # Compiled with the owner's rights (their dataset access; the Jinja's current_user is theirs), whoever asks.
        with owners_rights(self._session):
            dataset = self._dataset()
            compiled = compile_with_inputs(dataset, inputs)
            if compiled.ok:
                compiled = self._values_stay_data(dataset, mappings, inputs, compiled)
            state = dataset_state(dataset)
        preview = {
            "status": "ready" if compiled.ok else "failed",
            "sql": compiled.sql if compiled.ok else None,
            "attempted_sql": None if compiled.ok else compiled.sql,
            "fingerprint": fingerprint(state, inputs),
            "diagnostics": compiled.diagnostics,
            "inputs": _inputs_document(inputs),
            "by": g.user.username,
            "at": _now(),
            "stale": False,
        }
        self._session.execution = {**(self._session.execution or {}), "preview": preview}
        refresh_readiness(self._session)
        action = "preview.compiled" if compiled.ok else "preview.failed"
        after = {"fingerprint": preview["fingerprint"], "diagnostics": _without_texts(compiled.diagnostics)}
        ReviewSessionDAO.add_event(self._session, g.user, action, after=after)
        return self._session

    @staticmethod
    def _values_stay_data(
        dataset: Any, mappings: list[ExecutionMapping], inputs: CompileInputs, compiled: CompiledSql
    ) -> CompiledSql:
        inert = compile_with_inputs(dataset, placeholder_inputs(inputs))
        if inert.sql is None or compiled.sql is None:
            return compiled
        engine = dataset.database.db_engine_spec.engine
        check = same_shape(compiled.sql, inert.sql, engine)
        if check.same:
            if check.verified:
                return compiled
            warning = _diagnostic({"severity": "warning", "code": "SHAPE_NOT_VERIFIED", "message": check.detail,
                                   "variable": None, "line": None}, check.detail)  # fmt: skip
            return CompiledSql(compiled.sql, [*compiled.diagnostics, warning])
        culprits = []
        for mapping in mappings:
            alone = compile_inputs([mapping])
            rest = placeholder_inputs(compile_inputs([m for m in mappings if m is not mapping]))
            merged = CompileInputs(
                url_params={**rest.url_params, **alone.url_params}, filters={**rest.filters, **alone.filters},
                template_params={**rest.template_params, **alone.template_params}, time_range=inputs.time_range,
            )  # fmt: skip
            trial = compile_with_inputs(dataset, merged)
            if trial.sql is not None and not same_shape(trial.sql, inert.sql, engine).same:
                culprits.append(mapping)
        diagnostics = [
            _diagnostic({"severity": "error", "code": "VALUE_CHANGES_SQL", "variable": m.variable, "line": m.line},
                        Text("The value of '%(variable)s' (%(value)s) would become part of the SQL itself, not a "
                             "quoted value: change the value, or quote the variable in the dataset's SQL (e.g. "
                             "'{{ ... }}' or | where_in).", variable=m.variable, value=repr(m.value)))
            for m in culprits or mappings
        ]  # fmt: skip
        return CompiledSql(compiled.sql, [*compiled.diagnostics, *diagnostics])


def _inputs_document(inputs: CompileInputs) -> dict[str, Any]:
    return {"url_params": inputs.url_params, "filters": inputs.filters, "template_params": inputs.template_params,
            "time_range": inputs.time_range}  # fmt: skip


class LaunchCommand(_ExecutionCommand):
    """Open the previewed SQL in a new SQL Lab tab, when every gate passes; record the run either way."""

    run_record: ReviewRun | None = None

    def __init__(self, session_id: int, is_admin: bool, version: int, can_launch_prod: bool) -> None:
        super().__init__(session_id, is_admin, version)
        self._can_launch_prod = can_launch_prod

    def gates(self, dataset: Any) -> list[dict[str, str]]:
        """The gates that fail, each with its message (a Text: the reply says it in the reader's language)."""
        assert self._session is not None
        failed: list[dict[str, str]] = []
        blocking = [f for f in self._session.findings if f.status == "open" and f.severity == Severity.BLOCKING.value]
        for finding in blocking:
            message = restore_text({"message": finding.message, I18N_KEY: finding.i18n}, "message")
            failed.append({"gate": "blocking_findings",
                           "message": Text("Open blocking finding: %(finding)s", finding=message)})  # fmt: skip
        for mapping in session_mappings(self._session):
            if mapping.blocks_launch:
                failed.append({"gate": "mapping_approval",
                               "message": Text("The value of '%(variable)s' needs approval by someone with "
                                               "can_approve.", variable=mapping.variable)})  # fmt: skip
        preview = (self._session.execution or {}).get("preview")
        current = fingerprint(dataset_state(dataset), compile_inputs(session_mappings(self._session)))
        if not preview or preview.get("status") != "ready":
            failed.append(
                {"gate": "preview", "message": Text("There is no successful preview: preview the SQL first.")}
            )
        elif preview.get("stale") or preview.get("fingerprint") != current:
            stale = Text("The preview is stale (a mapping or the dataset changed since): preview again.")
            failed.append({"gate": "preview_current", "message": stale})
        return failed

    def run(self) -> ReviewSession:
        """A refused launch is recorded (run and event) before its error is raised; a launch whose tab Superset
        could not make is rolled back whole (the half-made permalink included), then recorded as failed."""
        try:
            refusal = self._attempt()
        except SqlLabLaunchError as ex:
            reason = Text("Superset could not create the SQL Lab tab: %(error)s", error=message_of(ex))
            self._record_failure(reason)
            raise ReviewSessionError(
                Text("Superset could not create the SQL Lab tab: %(error)s. Nothing was opened; retry.",
                     error=message_of(ex)), code="LAUNCH_FAILED",
            ) from ex  # fmt: skip
        if refusal is not None:
            raise refusal
        assert self._session is not None
        return self._session

    @unit_of_work
    def _attempt(self) -> ReviewSessionError | None:
        """The tab (Superset's permalink), its run record and the event commit together: no tab without its audit
        record. A refusal is returned, not raised, so that its record commits."""
        self.validate()
        session = self._session
        assert session is not None
        dataset = self._dataset()
        production = current_app.config["REVIEW_PRODUCTION_DATABASES"]
        if dataset.database.database_name in production and not self._can_launch_prod:
            raise ReviewSessionError(
                Text("Database '%(database)s' is marked as production: launching there needs can_launch_prod on "
                     "DatasetReview. Ask an admin.", database=dataset.database.database_name),
                code="PRODUCTION_FORBIDDEN",
            )  # fmt: skip
        failed = self.gates(dataset)
        preview = (session.execution or {}).get("preview") or {}
        inputs = preview.get("inputs") or {}
        if failed:
            reasons = joined([item["message"] for item in failed], "; ")
            self._record(dataset, inputs, preview, None, "blocked", reasons)
            return ReviewSessionError(
                Text("Launch is blocked: %(gates)s", gates=joined([item["message"] for item in failed])),
                code="LAUNCH_BLOCKED", details={"gates": failed},
            )  # fmt: skip
        template_params = {**inputs.get("template_params", {}), "url_params": inputs.get("url_params", {})}
        title = Text("Review: %(title)s", title=session.title).translated()  # a tab of the user's SQL Lab
        url = create_sqllab_tab(dataset, preview["sql"], template_params, title)
        self.run_record = self._record(dataset, inputs, preview, url, "launched", None)
        refresh_readiness(session)
        return None

    @unit_of_work
    def _record_failure(self, reason: str) -> None:
        self.validate()
        assert self._session is not None
        preview = (self._session.execution or {}).get("preview") or {}
        self._record(self._dataset(), preview.get("inputs") or {}, preview, None, "failed", reason)

    def _record(self, dataset: Any, inputs: dict[str, Any], preview: dict[str, Any], url: str | None,
                outcome: str, error: str | None) -> ReviewRun:  # fmt: skip
        assert self._session is not None
        run = ReviewRun(
            session_id=self._session.id, user_id=g.user.id, username=g.user.username, dataset_id=dataset.id,
            database_id=dataset.database_id, inputs=inputs, fingerprint=preview.get("fingerprint"),
            compiled_sql=preview.get("sql"), sqllab_url=url, outcome=outcome, error=error,
            i18n=texts_of(error=error) or None,
        )  # fmt: skip
        db.session.add(run)
        db.session.flush()
        if outcome == "launched":  # a refused or failed launch changes nothing of the session (its version stays)
            execution = dict(self._session.execution or {})
            execution["last_run"] = {"id": run.id, "fingerprint": run.fingerprint, "url": url}
            self._session.execution = execution
        after = {"run_id": run.id, "sqllab_url": url, "error": str(error) if error else None}
        ReviewSessionDAO.add_event(self._session, g.user, f"run.{outcome}", after=after)
        return run
