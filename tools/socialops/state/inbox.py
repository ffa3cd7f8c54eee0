"""The inbox log ``state/inbox.csv``: what kind each review, mention and direct message was, for the report's
customer-service section (the seen-log ``state/comments.csv`` keeps only that an item was handled).

``time, profile, kind, item, stars, category, action``: ``kind`` is review | mention | quote | message,
``item`` the same keyed hash as in the seen-log (so the two join, and with ``state/moderation.csv``), ``stars``
a review's 1-5 (empty otherwise), ``category`` the classifier's, ``action`` what the comments run did (seen,
issue, digest). Nothing names or quotes anyone. Append-only, ``merge=union`` like the other logs.
"""

from __future__ import annotations

from pathlib import Path

from socialops.state.comments import CsvLog

INBOX_LOG = "state/inbox.csv"
INBOX_FIELDS = ("time", "profile", "kind", "item", "stars", "category", "action")


def inbox_log(root: Path) -> CsvLog:
    return CsvLog(root, INBOX_LOG, INBOX_FIELDS)
