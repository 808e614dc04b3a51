"""The gRPC face of the service: servicers, error mapping, reflection and health."""
