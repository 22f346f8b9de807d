package brokertest

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/url"
	"strings"
)

// Leaks returns the secrets that appear in text, in any of the spellings a
// careless log line could give them: as is, URL-encoded, JSON-escaped, and
// base64 (as in a Basic header). Secrets shorter than 8 bytes are skipped:
// they would match by chance.
func Leaks(text string, secrets ...string) []string {
	var found []string
	for _, s := range secrets {
		if len(s) < 8 {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), strings.Trim(jsonString(s), `"`), base64.StdEncoding.EncodeToString([]byte(s))} {
			if strings.Contains(text, form) {
				found = append(found, s)
				break
			}
		}
	}
	return found
}

func jsonString(s string) string {
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("", "v", s)
	out := b.String()
	i := strings.Index(out, `"v":`)
	return strings.TrimSuffix(strings.TrimSpace(out[i+4:]), "}")
}
