package storecore

import (
	"fmt"
	"strconv"
)

// Cell renders one value a driver returned for a dump: text as UTF-8,
// integers in decimal, blobs raw, NULL as nothing.
func Cell(v any) []byte {
	switch v := v.(type) {
	case nil:
		return nil
	case []byte:
		return append([]byte(nil), v...)
	case string:
		return []byte(v)
	case int64:
		return strconv.AppendInt(nil, v, 10)
	default:
		return fmt.Append(nil, v)
	}
}
