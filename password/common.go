package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

// commonGz is the list of common passwords: 38,452 entries of 8 characters
// or more from the first 100,000 of a public list of breached passwords;
// its header names the source and gencommon.sh rebuilds it.
//
//go:embed common.txt.gz
var commonGz []byte

// Common is a list of passwords too common to use (NIST SP 800-63B
// §3.1.1.2: "passwords obtained from previous breach corpuses", "commonly
// used" values). It compares without regard to case, so a capital letter
// or a shifted key buys nothing. The zero value lists nothing.
type Common struct {
	sorted []string // lower-cased, sorted
}

// LoadCommon decodes the embedded list.
func LoadCommon() (*Common, error) {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		return nil, fmt.Errorf("password: common list: %w", err)
	}
	var c Common
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			c.sorted = append(c.sorted, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("password: common list: %w", err)
	}
	slices.Sort(c.sorted) // already sorted by bytes; sorting again costs little and makes sure
	return &c, nil
}

// Len is the number of passwords on the list.
func (c *Common) Len() int { return len(c.sorted) }

// Contains reports whether pw, lower-cased, is on the list.
func (c *Common) Contains(pw string) bool {
	_, ok := slices.BinarySearch(c.sorted, strings.ToLower(pw))
	return ok
}
