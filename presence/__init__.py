"""presence: notice when virtual chatting crowds out time with real people."""

__version__ = "0.1.0"
