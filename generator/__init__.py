"""blog: a static blog generator for large, long-lived personal blogs."""

__version__ = "0.1.0"
