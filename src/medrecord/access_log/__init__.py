"""The citizen's access log ("Min Log") and the admins' review of emergency accesses: reading
the audit trail. Every look-up of the log is itself audited."""
