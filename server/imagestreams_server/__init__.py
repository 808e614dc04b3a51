"""The image streams service: domain rules, application commands, the event-sourced store and the gRPC api."""
