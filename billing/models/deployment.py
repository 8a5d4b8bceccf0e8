"""Facts about the deployment itself, one row each: today only the code key's fingerprint."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base


class DeploymentFact(Base):
    __tablename__ = "deployment_facts"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]
