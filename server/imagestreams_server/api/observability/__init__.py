"""What operators see of a running server: one log line per RPC, Prometheus metrics, the log's set-up."""
