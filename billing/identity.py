"""Who a Slack user is to the billing core: the permission policy, and the reseller panels' messages.

The policy is pure (``decide``): the outer layer supplies the acting user's id and team, the bot's own
(home) team and the admins from settings; ``Identities.actor_for`` looks up the rest in one read. The
channel a user types in never enters the decision.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from billing import audit
from billing.actors import Actor
from billing.db import Database
from billing.models import Reseller, ResellerChannel, ResellerMember, Staff
from billing.models.parties import StaffRole


@dataclass(frozen=True)
class ChatUser:
    """The acting user as the chat platform names them: the user id and the team (organisation) they belong to."""

    user_id: str
    team_id: str | None

    @property
    def ref(self) -> str:
        return f"slack:{self.team_id or '?'}/{self.user_id}"


def decide(
    user: ChatUser,
    *,
    home_team_id: str | None,
    admins: Collection[str],
    staff_role: str | None,
    team_reseller_id: int | None,
    member_reseller_id: int | None,
) -> Actor | None:
    """The actor a Slack user acts as, or None for someone with no role at all.

    - A user of the home team is an admin when listed in settings, else holds their staff role; a home
      user with no role may still have been added to a reseller by an admin.
    - A user of another team belongs to the reseller owning that team, else to the reseller an admin
      added them to, else to nobody. Admin lists and staff rows never apply outside the home team.
    """
    if not user.user_id or not user.team_id or not home_team_id:
        return None
    if user.team_id == home_team_id:
        if user.user_id in admins:
            return Actor(ref=user.ref, role="admin")
        if staff_role == StaffRole.ADMIN:
            return Actor(ref=user.ref, role="admin")
        if staff_role == StaffRole.SALES:
            return Actor(ref=user.ref, role="sales")
        if member_reseller_id is not None:
            return Actor(ref=user.ref, role="reseller", reseller_id=member_reseller_id)
        return None
    reseller_id = team_reseller_id if team_reseller_id is not None else member_reseller_id
    if reseller_id is not None:
        return Actor(ref=user.ref, role="reseller", reseller_id=reseller_id)
    return None


class Identities:
    def __init__(self, db: Database) -> None:
        self._db = db

    def actor_for(self, user: ChatUser, *, home_team_id: str | None, admins: Collection[str]) -> Actor | None:
        """Look the user up (roles are read per request: a revoked role takes effect at once)."""
        if not user.user_id or not user.team_id or not home_team_id:
            return None
        with self._db.read() as session:
            staff_role = None
            if user.team_id == home_team_id:
                staff_role = session.scalar(select(Staff.role).where(Staff.slack_user_id == user.user_id))
            team_reseller_id = None
            if user.team_id != home_team_id:
                team_reseller_id = session.scalar(select(Reseller.id).where(Reseller.slack_team_id == user.team_id))
            member_reseller_id = session.scalar(
                select(ResellerMember.reseller_id).where(ResellerMember.slack_user_id == user.user_id)
            )
        return decide(
            user,
            home_team_id=home_team_id,
            admins=admins,
            staff_role=staff_role,
            team_reseller_id=team_reseller_id,
            member_reseller_id=member_reseller_id,
        )

    def panel_message(self, *, channel_id: str) -> str | None:
        """The timestamp of the reseller panel message in a linked channel, if one was posted."""
        with self._db.read() as session:
            return session.scalar(select(ResellerChannel.panel_message).where(ResellerChannel.channel_id == channel_id))

    def set_panel_message(self, *, channel_id: str, message_ref: str, actor: Actor, now: datetime) -> None:
        """Remember the panel message posted in a linked channel, so it is edited rather than re-posted."""
        actor.require_admin("post reseller panels")
        with self._db.write() as session:
            link = session.get(ResellerChannel, channel_id)
            if link is None:
                return  # unlinked meanwhile: nothing to remember
            link.panel_message = message_ref
            audit.record(
                session,
                actor=actor,
                action="reseller.panel_posted",
                subject_type="channel",
                subject_id=channel_id,
                at=now,
                details={"message": message_ref},
            )
