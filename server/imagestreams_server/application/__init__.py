"""Commands and queries on image streams. Knows nothing of gRPC: the api layer translates."""
