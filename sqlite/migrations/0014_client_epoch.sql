-- The client epoch (signet.ClientEpoch): a count of deleted clients, moved
-- by the database itself with every row that leaves clients, whichever
-- statement removes it. Clients never change in place, so a node may keep
-- a client it read at epoch n for as long as the epoch is still n; a
-- rotation checks it in the same read or transaction that decides it.
CREATE TABLE client_epoch (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO client_epoch (id, n) VALUES (1, 1);
CREATE TRIGGER clients_deleted_epoch AFTER DELETE ON clients
BEGIN
	UPDATE client_epoch SET n = n + 1 WHERE id = 1;
END;
