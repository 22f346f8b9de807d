package scim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/signet-auth/signet"
)

// AU-01: every provisioning change is an audit record whose actor is the
// provider's SCIM token ("scim:<tenant>"), naming the person changed and
// what changed, and never the bearer token.
func TestAU01_SCIMProvisioningRecorded(t *testing.T) {
	c := newSCIM(t)
	ctx := context.Background()
	ada := id(c.must(201, "POST", "/Users", user("ada@example.com", "00u1")))
	g := id(c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"aws-dev","members":[]}`))
	c.must(200, "PATCH", "/Groups/"+g, fmt.Sprintf(patchOp, `{"op":"add","path":"members","value":[{"value":"`+ada+`"}]}`))
	c.must(200, "PATCH", "/Users/"+ada, fmt.Sprintf(patchOp, `{"op":"Replace","path":"active","value":"False"}`))
	c.must(204, "DELETE", "/Users/"+ada, "")
	c.must(204, "DELETE", "/Groups/"+g, "")

	su, err := c.e.Stores.Users.GetUserByName(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = c.e.Stores.Audit.ScanAudit(ctx, signet.AuditFilter{}, func(r signet.AuditRecord) error {
		if r.Surface != "scim" {
			return nil
		}
		if strings.Contains(fmt.Sprintf("%+v", r), c.bearer) {
			t.Errorf("record holds the bearer token: %+v", r)
		}
		if r.Actor != "scim:okta" {
			t.Errorf("actor %q, want scim:okta", r.Actor)
		}
		if strings.HasPrefix(r.Detail, "scim user") && r.UserID != su.ID {
			t.Errorf("%s names user %q, want %q", r.Detail, r.UserID, su.ID)
		}
		got = append(got, string(r.Event)+" "+strings.Join(strings.Fields(r.Detail)[:3], " "))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"user.provisioned scim user created",
		"admin.change scim group created",
		"admin.change scim group updated",
		"admin.change scim user updated",
		"admin.change scim user deleted",
		"admin.change scim group deleted",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
