"""`x.eml.json` beside `x.eml`: `lyreport fetch`'s record of when the mail server received the mail.

Kept apart from mail.py so that finding files, history and fetch need not load the e-mail package.
"""

from __future__ import annotations

from pathlib import Path

SIDECAR_SUFFIX = ".json"  # written by `lyreport fetch` (mailbox/fetch.py)
# `lyreport fetch` saves mail as inbox/邮件/<mailbox name>/*.eml (mailbox/fetch.py MAIL_DIR): the folder names
# whose mailbox received it, never who sent it.
MAIL_DIR = "邮件"


def is_sidecar(path: Path) -> bool:
    """`x.eml.json` next to `x.eml`: fetch's record of the server arrival time, not a return."""
    name = path.name.lower()
    return name.endswith(".eml" + SIDECAR_SUFFIX) and path.with_name(path.name[: -len(SIDECAR_SUFFIX)]).is_file()
