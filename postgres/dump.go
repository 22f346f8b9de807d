package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/signet-auth/signet/internal/storecore"
)

// Dump returns every cell of every table of the current schema as bytes
// (text as UTF-8, numbers in decimal, bytea raw), keyed by table name: what
// a pg_dump would show. The conformance suite checks it for secrets
// (catalogue SE-01).
func (db *DB) Dump(ctx context.Context) (map[string][][]byte, error) {
	tables, err := queryAll(ctx, db.pool, func(r storecore.Scanner) (string, error) {
		var name string
		return name, r.Scan(&name)
	}, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make(map[string][][]byte, len(tables))
	for _, table := range tables {
		rows, err := db.pool.Query(ctx, `SELECT * FROM `+pgx.Identifier{table}.Sanitize())
		if err != nil {
			return nil, mapErr(err)
		}
		var cells [][]byte
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			for _, v := range vals {
				cells = append(cells, storecore.Cell(v))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapErr(err)
		}
		out[table] = cells
	}
	return out, nil
}
