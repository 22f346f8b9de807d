package scim_test

import (
	"fmt"
	"sync"
	"testing"
)

// Okta and Entra ID send membership changes of one group in parallel: of
// concurrent PATCHes none may undo another (a removal lost would leave
// someone the group's access), so each is applied over the group as the
// previous one left it.
func TestConcurrentPatchesLoseNothing(t *testing.T) {
	c := newSCIM(t)
	const n = 16
	ids := make([]string, n)
	for i := range ids {
		ids[i] = id(c.must(201, "POST", "/Users", user(fmt.Sprintf("user%02d@example.com", i), fmt.Sprintf("00u%02d", i))))
	}
	g := id(c.must(201, "POST", "/Groups", `{"displayName":"aws-dev","members":[{"value":"`+ids[0]+`"},{"value":"`+ids[1]+`"}]}`))
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := `{"op":"add","path":"members","value":[{"value":"` + ids[i] + `"}]}`
			if i < 2 {
				op = `{"op":"remove","path":"members[value eq \"` + ids[i] + `\"]"}`
			}
			statuses[i], _ = c.do("PATCH", "/Groups/"+g, fmt.Sprintf(patchOp, op))
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("PATCH %d: status %d", i, s)
		}
	}
	got := map[string]bool{}
	for _, m := range c.must(200, "GET", "/Groups/"+g, "")["members"].([]any) {
		got[m.(map[string]any)["value"].(string)] = true
	}
	for i, u := range ids {
		if want := i >= 2; got[u] != want {
			t.Errorf("member %d (%s): in the group %v, want %v", i, u, got[u], want)
		}
	}
}
