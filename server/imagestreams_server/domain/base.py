"""Aggregates with text ids (`imagestream:team/ruby`) on eventsourcing, whose stock classes assume UUIDs."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate, MetaDomainEvent


class TextIdEvent(CanMutateAggregate[str], metaclass=MetaDomainEvent):
    originator_id: str
    originator_version: int
    timestamp: datetime


class TextIdCreated(TextIdEvent, CanInitAggregate[str]):
    originator_topic: str


class TextIdAggregate(BaseAggregate[str]):
    """Base of our aggregates. Subclasses pin `TOPIC` on themselves and on every event class, so stored
    events stay readable when Python classes move or are renamed."""

    class Event(TextIdEvent):
        pass

    class Created(Event, TextIdCreated):
        pass
