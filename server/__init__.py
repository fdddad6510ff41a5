"""The reference backend of gridctl: FastAPI over SQLAlchemy Core (see docs/ARCHITECTURE.md)."""

__version__ = "0.1.0"
