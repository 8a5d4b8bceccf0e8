"""The email door: reminder emails built from billing views and sent over SMTP from the outbox."""
