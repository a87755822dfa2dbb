-- API tokens may expire. (Their last_used_at, in the table since 0002 and never written
-- before, is now recorded from memory at most once per timer tick per token, so a busy
-- token does not write per request.)
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
-- Failed log-ins are counted per account and client address (the key is both), and slow
-- that pair down from the last failure on: when it was.
ALTER TABLE login_failures ADD COLUMN last_failed_at BIGINT NOT NULL DEFAULT 0;
