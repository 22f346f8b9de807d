package sqlite

import (
	"context"
	"fmt"

	"github.com/signet-auth/signet/internal/storecore"
)

// Dump returns every cell of every table as bytes (text as UTF-8, numbers in
// decimal, blobs raw), keyed by table name: what someone holding a copy of
// the file would see. The conformance suite checks it for secrets
// (catalogue SE-01).
func (db *DB) Dump(ctx context.Context) (map[string][][]byte, error) {
	tables, err := queryAll(ctx, db.read, func(r storecore.Scanner) (string, error) {
		var name string
		return name, r.Scan(&name)
	}, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make(map[string][][]byte, len(tables))
	for _, table := range tables {
		cells, err := dumpTable(ctx, db.read, table)
		if err != nil {
			return nil, mapErr(err)
		}
		out[table] = cells
	}
	return out, nil
}

func dumpTable(ctx context.Context, q querier, table string) ([][]byte, error) {
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM "%s"`, table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var cells [][]byte
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for _, v := range vals {
			cells = append(cells, storecore.Cell(v))
		}
	}
	return cells, rows.Err()
}
