"""The event-sourced store: the eventsourcing application, its recorders, and the read models they keep."""
