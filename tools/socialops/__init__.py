"""socialops: social media maintenance as code."""

__version__ = "0.1.0"
