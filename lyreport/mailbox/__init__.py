"""The office mailboxes: fetch returns over IMAP (read-only), reminders by SMTP.

Fills inbox/ before discover and knows nothing of parsing. Network and keyring modules are imported
only inside the functions that use them, so `lyreport run` and `check` never load them.
"""
