package cluster

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// AU-01/AU-03 across nodes: a failed sign-in on each of the three nodes is
// recorded by the node that saw it, in the one shared table, and one
// `signet admin audit export` holds all three, each with the request id
// its node answered with.
func (c *cluster) testAU03(t *testing.T) {
	want := map[string]string{} // request id → node
	for _, n := range c.nodes {
		b := newBrowser(t)
		f := b.do(http.MethodGet, n.base+"/login", nil).form()
		f.Set("username", devUser)
		f.Set("password", "not the password of "+n.name)
		req, err := http.NewRequest(http.MethodPost, n.base+"/login", strings.NewReader(f.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther {
			t.Fatalf("a wrong password signed in on %s", n.name)
		}
		want[resp.Header.Get("X-Request-Id")] = n.name
	}

	out := admin(t, c.env, "audit", "export", "--event", "login.failed", "--user", devUser, "--database-url", c.dbURL)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec struct {
			Event, Outcome, Detail string
			RequestID              string `json:"request_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		if rec.Event != "login.failed" || rec.Outcome != "failure" || !strings.Contains(rec.Detail, "reason=wrong_password") {
			t.Errorf("export line %s", sc.Text())
		}
		delete(want, rec.RequestID)
	}
	for id, node := range want {
		t.Errorf("the failed sign-in on %s (request %s) is not in the export:\n%s", node, id, out)
	}
}
