package storecore

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one numbered schema change, embedded in the binary as
// migrations/NNNN_name.sql and recorded in schema_migrations once applied.
type Migration struct {
	Version int64
	Name    string
	SQL     string
}

// Migrations reads the *.sql files of dir in fsys, ordered by version.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("storecore: migration %q is not named NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return int(a.Version - b.Version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("storecore: two migrations numbered %d", ms[i].Version)
		}
	}
	return ms, nil
}

// Missing returns the versions of ms that applied does not hold.
func Missing(ms []Migration, applied []int64) []int64 {
	var missing []int64
	for _, m := range ms {
		if !slices.Contains(applied, m.Version) {
			missing = append(missing, m.Version)
		}
	}
	return missing
}
