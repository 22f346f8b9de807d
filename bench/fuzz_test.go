package bench

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzParseMetrics: whatever a target answers on /metrics, parsing ends
// without panicking and keeps only the metrics asked for.
func FuzzParseMetrics(f *testing.F) {
	f.Add("process_cpu_seconds_total 1.5\n")
	f.Add(`signet_store_latency_seconds_count{op="rotate",x="}"} 3` + "\n")
	f.Add("# HELP x\nhttp_requests_total{a=\"b\"} NaN 123\n{}\n }{ 1\n")
	f.Fuzz(func(t *testing.T, text string) {
		s := parseMetrics(strings.NewReader(text), scrapeMetrics)
		for k, v := range s {
			if !strings.Contains(strings.Join(scrapeMetrics, " "), k) {
				t.Errorf("kept %q", k)
			}
			_ = math.IsNaN(v)
		}
	})
}

// FuzzDecodeSTS: whatever an STS answers, decoding ends without panicking;
// an error status is always a statusError with that status.
func FuzzDecodeSTS(f *testing.F) {
	f.Add(200, `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA1</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`)
	f.Add(200, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>`)
	f.Add(400, `<ErrorResponse><Error><Code>InvalidIdentityToken</Code></Error></ErrorResponse>`)
	f.Add(503, "<<<")
	f.Fuzz(func(t *testing.T, status int, body string) {
		var out struct {
			AccessKeyID string `xml:"AssumeRoleWithWebIdentityResult>Credentials>AccessKeyId"`
		}
		err := decodeSTS(status, []byte(body), &out)
		var se *statusError
		if status != 200 && (!errors.As(err, &se) || se.Status != status) {
			t.Fatalf("status %d: %v", status, err)
		}
	})
}
