"""Reading and writing a run's tables: runs (the user's own; every run for ``can_admin``), uploads, contract versions,
artifacts (append-only, the latest per kind), mappings, ledger events and threshold profiles (the current version).

Queries only: who may act is the commands' business (``commands/base.py``), and every write joins the caller's
transaction except the profile seed, which must commit on its own (a GET may be the first to need it).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from superset.extensions import db

from superset_review.extension.hashing import stable_hash
from superset_review.onboarding.models import (
    OnboardingRun,
    OnboardingUpload,
    RunArtifact,
    RunContractVersion,
    RunEvent,
    RunMapping,
    ThresholdProfile,
)
from superset_review.onboarding.profiles import DEFAULT_PROFILE_ID, default_profile
from superset_review.tasks.models import now

logger = logging.getLogger(__name__)

MAX_LIST = 500  # runs listed at once, newest first
MAX_EVENTS = 1000  # ledger events a run's document lists, newest last


class OnboardingRunDAO:
    @staticmethod
    def find(run_id: str, owner_id: int | None, *, any_owner: bool = False, lock: bool = False) -> OnboardingRun | None:
        """The run ``run_id`` when ``owner_id`` created it (any run with ``any_owner``); ``lock`` takes its row lock,
        so two commands changing one run queue instead of both reading the same version."""
        query = db.session.query(OnboardingRun).filter(OnboardingRun.run_id == run_id)
        if not any_owner:
            query = query.filter(OnboardingRun.created_by == owner_id)
        if lock:
            query = query.with_for_update()
        run: OnboardingRun | None = query.one_or_none()
        return run

    @staticmethod
    def listed(owner_id: int | None, *, any_owner: bool = False, limit: int = MAX_LIST) -> list[OnboardingRun]:
        query = db.session.query(OnboardingRun)
        if not any_owner:
            query = query.filter(OnboardingRun.created_by == owner_id)
        return list(query.order_by(OnboardingRun.id.desc()).limit(limit))

    @staticmethod
    def previous_into(
        run: OnboardingRun, owner_id: int | None, *, any_owner: bool = False, limit: int = MAX_LIST
    ) -> list[OnboardingRun]:
        """The runs created before ``run`` into the same target, newest first: the same dataset, or for a YAML
        target the same ``rhs`` (compared in Python: a JSON column has no portable equality); ``owner_id``'s own
        unless ``any_owner``."""
        query = db.session.query(OnboardingRun).filter(OnboardingRun.id < run.id)
        if run.target_dataset_id is not None:
            query = query.filter(OnboardingRun.target_dataset_id == run.target_dataset_id)
        else:
            query = query.filter(OnboardingRun.target_dataset_id.is_(None))
        if not any_owner:
            query = query.filter(OnboardingRun.created_by == owner_id)
        found = list(query.order_by(OnboardingRun.id.desc()).limit(limit))
        if run.target_dataset_id is None:
            found = [other for other in found if (other.contract or {}).get("rhs") == (run.contract or {}).get("rhs")]
        return found

    @staticmethod
    def contract_versions(run: OnboardingRun) -> list[RunContractVersion]:
        return list(
            db.session.query(RunContractVersion)
            .filter(RunContractVersion.run_pk == run.id)
            .order_by(RunContractVersion.version)
        )


class UploadDAO:
    @staticmethod
    def find(upload_id: str, owner_id: int | None, *, any_owner: bool = False) -> OnboardingUpload | None:
        query = db.session.query(OnboardingUpload).filter(OnboardingUpload.upload_id == upload_id)
        if not any_owner:
            query = query.filter(OnboardingUpload.created_by == owner_id)
        upload: OnboardingUpload | None = query.one_or_none()
        return upload


class ArtifactDAO:
    @staticmethod
    def latest(run: OnboardingRun) -> dict[str, RunArtifact]:
        """The newest version of each kind of the run's artifacts."""
        newest = (
            db.session.query(RunArtifact.kind, sa.func.max(RunArtifact.version).label("version"))
            .filter(RunArtifact.run_pk == run.id)
            .group_by(RunArtifact.kind)
            .subquery()
        )
        rows = (
            db.session.query(RunArtifact)
            .join(newest, sa.and_(RunArtifact.kind == newest.c.kind, RunArtifact.version == newest.c.version))
            .filter(RunArtifact.run_pk == run.id)
            .order_by(RunArtifact.kind)
        )
        return {row.kind: row for row in rows}

    @staticmethod
    def listed(run: OnboardingRun) -> list[RunArtifact]:
        """Every version of every artifact, oldest first (the bodies are not loaded)."""
        return list(
            db.session.query(RunArtifact)
            .options(sa.orm.defer(RunArtifact.body))
            .filter(RunArtifact.run_pk == run.id)
            .order_by(RunArtifact.id)
        )

    @staticmethod
    def get(run: OnboardingRun, kind: str, version: int | None = None) -> RunArtifact | None:
        query = db.session.query(RunArtifact).filter(RunArtifact.run_pk == run.id, RunArtifact.kind == kind)
        if version is not None:
            found: RunArtifact | None = query.filter(RunArtifact.version == version).one_or_none()
            return found
        newest: RunArtifact | None = query.order_by(RunArtifact.version.desc()).first()
        return newest

    @staticmethod
    def add(run: OnboardingRun, kind: str, body: dict[str, Any], path: str | None, actor_id: int | None) -> RunArtifact:
        """The next version of ``kind``, hashed, echoing the run's contract hash, in the caller's transaction. Two
        writers racing: the unique (run, kind, version) refuses the second at flush."""
        current = (
            db.session.query(sa.func.max(RunArtifact.version))
            .filter(RunArtifact.run_pk == run.id, RunArtifact.kind == kind)
            .scalar()
        )
        artifact = RunArtifact(
            run_pk=run.id,
            kind=kind,
            version=int(current or 0) + 1,
            content_hash=stable_hash(body),
            contract_hash=run.contract_hash,
            body=body,
            path=path,
            created_by=actor_id,
        )
        db.session.add(artifact)
        db.session.flush()
        return artifact


class MappingDAO:
    @staticmethod
    def of_run(run: OnboardingRun) -> list[RunMapping]:
        return list(db.session.query(RunMapping).filter(RunMapping.run_pk == run.id).order_by(RunMapping.id))

    @staticmethod
    def find(run: OnboardingRun, target: str, *, lock: bool = False) -> RunMapping | None:
        query = db.session.query(RunMapping).filter(RunMapping.run_pk == run.id, RunMapping.target == target)
        if lock:
            query = query.with_for_update()
        mapping: RunMapping | None = query.one_or_none()
        return mapping


class RunEventDAO:
    @staticmethod
    def of_run(run: OnboardingRun, limit: int = MAX_EVENTS) -> list[RunEvent]:
        rows = db.session.query(RunEvent).filter(RunEvent.run_pk == run.id).order_by(RunEvent.id.desc()).limit(limit)
        return list(reversed(list(rows)))


class ThresholdProfileDAO:
    @staticmethod
    def current(profile_id: str) -> ThresholdProfile | None:
        """The highest version of ``profile_id``; ``tp_default_v1`` is seeded on the first read that misses it."""
        found = ThresholdProfileDAO._newest(profile_id)
        if found is None and profile_id == DEFAULT_PROFILE_ID:
            ThresholdProfileDAO.seed_default()  # this process or another one seeded it: read it again either way
            found = ThresholdProfileDAO._newest(profile_id)
        return found

    @staticmethod
    def _newest(profile_id: str) -> ThresholdProfile | None:
        found: ThresholdProfile | None = (
            db.session.query(ThresholdProfile)
            .filter(ThresholdProfile.profile_id == profile_id)
            .order_by(ThresholdProfile.version.desc())
            .first()
        )
        return found

    @staticmethod
    def versions(profile_id: str) -> list[ThresholdProfile]:
        return list(
            db.session.query(ThresholdProfile)
            .filter(ThresholdProfile.profile_id == profile_id)
            .order_by(ThresholdProfile.version.desc())
        )

    @staticmethod
    def seed_default() -> bool:
        """``tp_default_v1`` version 1 from ``profiles.default_profile()`` when it is not stored yet, committed on a
        connection of its own (a GET may be the first reader). Two processes at once: the unique (profile, version)
        keeps one insert, the other is dropped. Whether this call inserted it."""
        table = ThresholdProfile.__table__
        body = default_profile()
        try:
            with db.engine.begin() as connection:
                exists = connection.execute(
                    sa.select(sa.func.count()).select_from(table).where(table.c.profile_id == DEFAULT_PROFILE_ID)
                ).scalar()
                if exists:
                    return False
                connection.execute(
                    table.insert().values(
                        profile_id=DEFAULT_PROFILE_ID,
                        version=1,
                        body=body,
                        content_hash=stable_hash(body),
                        note="seeded from profiles.default_profile()",
                        created_by=None,
                        created_on=now(),
                    )
                )
        except IntegrityError:
            logger.info("threshold profile %s was seeded by another process", DEFAULT_PROFILE_ID)
            return False
        return True

    @staticmethod
    def add_version(profile_id: str, body: dict[str, Any], note: str | None, actor_id: int | None) -> ThresholdProfile:
        current = ThresholdProfileDAO._newest(profile_id)
        profile = ThresholdProfile(
            profile_id=profile_id,
            version=(current.version if current else 0) + 1,
            body=body,
            content_hash=stable_hash(body),
            note=note,
            created_by=actor_id,
        )
        db.session.add(profile)
        db.session.flush()
        return profile
