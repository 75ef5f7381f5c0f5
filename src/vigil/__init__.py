"""vigil: protects Kubernetes microservices presumed vulnerable."""

__version__ = "0.1.0"
