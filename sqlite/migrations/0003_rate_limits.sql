-- Fixed-window counters of the limits that hold across nodes and restarts
-- (failed logins, user-code and client-secret guesses; catalogue DV-07,
-- CC-08). key is a keyed digest of what is counted (an address, an account
-- name), so neither reaches the database; a window ends at reset_at
-- (epoch milliseconds) and is collected after that.
CREATE TABLE rate_windows (
	key      BLOB PRIMARY KEY,
	count    INTEGER NOT NULL,
	reset_at INTEGER NOT NULL
);
CREATE INDEX rate_windows_reset ON rate_windows (reset_at);
