"""Resellers: their chat organisation, the members attached by hand, and the channels linked to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import audit
from billing.actors import Actor
from billing.db import Database
from billing.errors import Conflict, NotFound
from billing.models import Reseller, ResellerChannel, ResellerMember
from billing.names import SlugTaken, check_name, check_slug


class ResellerNotFound(NotFound):
    code = "reseller_not_found"


class TeamTaken(Conflict):
    code = "team_taken"


@dataclass(frozen=True)
class ResellerView:
    id: int
    slug: str
    name: str
    slack_team_id: str | None
    channels: tuple[str, ...]
    contact_emails: tuple[str, ...] = ()


def find_reseller(session: Session, slug: str) -> Reseller:
    reseller = session.scalar(select(Reseller).where(Reseller.slug == slug.strip().lower()))
    if reseller is None:
        raise ResellerNotFound(f"no reseller {slug!r}", reseller=slug)
    return reseller


def reseller_view(session: Session, reseller: Reseller) -> ResellerView:
    channels = session.scalars(select(ResellerChannel.channel_id).where(ResellerChannel.reseller_id == reseller.id))
    return ResellerView(
        reseller.id,
        reseller.slug,
        reseller.name,
        reseller.slack_team_id,
        tuple(channels),
        tuple(reseller.contact_emails or ()),
    )


class Resellers:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create_reseller(
        self,
        *,
        slug: str,
        name: str,
        actor: Actor,
        now: datetime,
        slack_team_id: str | None = None,
        request_ref: str | None = None,
    ) -> ResellerView:
        actor.require_admin("create resellers")
        slug = check_slug(slug)
        name = check_name(name)
        team = slack_team_id.strip().upper() if slack_team_id else None
        with self._db.write() as session:
            if session.scalar(select(Reseller.id).where(Reseller.slug == slug)) is not None:
                raise SlugTaken(f"there is already a reseller {slug!r}", slug=slug)
            if team and session.scalar(select(Reseller.slug).where(Reseller.slack_team_id == team)):
                raise TeamTaken(f"Slack team {team} already belongs to another reseller", team=team)
            reseller = Reseller(slug=slug, name=name, slack_team_id=team, created_at=now)
            session.add(reseller)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="reseller.created",
                subject_type="reseller",
                subject_id=slug,
                at=now,
                details={"slack_team_id": team},
                request_ref=request_ref,
            )
            return reseller_view(session, reseller)

    def get_reseller(self, *, slug: str) -> ResellerView:
        with self._db.read() as session:
            return reseller_view(session, find_reseller(session, slug))

    def list_resellers(self) -> list[ResellerView]:
        with self._db.read() as session:
            return [reseller_view(session, r) for r in session.scalars(select(Reseller).order_by(Reseller.slug))]

    def add_reseller_member(
        self,
        *,
        reseller: str,
        slack_user_id: str,
        actor: Actor,
        now: datetime,
        request_ref: str | None = None,
    ) -> ResellerView:
        actor.require_admin("add reseller members")
        with self._db.write() as session:
            owner = find_reseller(session, reseller)
            member = session.get(ResellerMember, slack_user_id)
            if member is None:
                session.add(
                    ResellerMember(slack_user_id=slack_user_id, reseller_id=owner.id, added_by=actor.ref, added_at=now)
                )
            else:
                member.reseller_id = owner.id
            audit.record(
                session,
                actor=actor,
                action="reseller.member_added",
                subject_type="reseller",
                subject_id=owner.slug,
                at=now,
                details={"user": slack_user_id},
                request_ref=request_ref,
            )
            return reseller_view(session, owner)

    def link_channel(
        self, *, reseller: str, channel_id: str, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> ResellerView:
        """Link a Slack channel to a reseller (a channel serves one reseller; relinking moves it)."""
        actor.require_admin("link channels to resellers")
        with self._db.write() as session:
            owner = find_reseller(session, reseller)
            link = session.get(ResellerChannel, channel_id)
            if link is None:
                session.add(
                    ResellerChannel(channel_id=channel_id, reseller_id=owner.id, linked_by=actor.ref, linked_at=now)
                )
            else:
                link.reseller_id, link.linked_by, link.linked_at, link.panel_message = (
                    owner.id,
                    actor.ref,
                    now,
                    None,
                )
            audit.record(
                session,
                actor=actor,
                action="reseller.channel_linked",
                subject_type="reseller",
                subject_id=owner.slug,
                at=now,
                details={"channel": channel_id},
                request_ref=request_ref,
            )
            session.flush()
            return reseller_view(session, owner)
