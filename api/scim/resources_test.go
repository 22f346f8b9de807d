package scim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// Entra ID's create-user body (its SCIM tutorial), the lookups it and Okta
// make, PUT, uniqueness, paging and projections.
func TestUsersAndGroupsAsProvidersUseThem(t *testing.T) {
	c := newSCIM(t)
	entra := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1","active":true,
		"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
		"meta":{"resourceType":"User"},"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`
	u := c.must(201, "POST", "/Users", entra)
	uid := id(u)
	if u["userName"] != "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1" || u["active"] != true || uid == "" || uid == u["userName"] {
		t.Errorf("created: %v", u)
	}
	status, m := c.do("POST", "/Users", entra)
	isSCIMError(t, "the same userName again", status, m, http.StatusConflict, "uniqueness")

	for f, want := range map[string]float64{
		`userName eq "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1"`: 1,
		`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`:         1,
		`externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"`:         0,
		`emails[type eq "work"].value co "@testuser.com"`:              1,
		`name.familyName eq "nobody"`:                                  0,
	} {
		if m := c.must(200, "GET", "/Users?filter="+urlq(f), ""); m["totalResults"] != want {
			t.Errorf("%s: totalResults %v, want %v", f, m["totalResults"], want)
		}
	}

	c.must(200, "PUT", "/Users/"+uid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+uid+`",
		"userName":"renamed@example.com","displayName":"Renamed","externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","active":true}`)
	if m := c.must(200, "GET", "/Users/"+uid+"?attributes=userName", ""); m["userName"] != "renamed@example.com" || m["displayName"] != nil || m["id"] != uid {
		t.Errorf("after PUT, attributes=userName: %v", m)
	}

	for i := range 4 {
		c.must(201, "POST", "/Users", user(fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("p%d", i)))
	}
	page := c.must(200, "GET", "/Users?startIndex=2&count=2", "")
	if page["totalResults"] != 5.0 || page["startIndex"] != 2.0 || page["itemsPerPage"] != 2.0 || len(page["Resources"].([]any)) != 2 {
		t.Errorf("page: %v", page)
	}

	gid := id(c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Group1DisplayName","members":[{"value":"`+uid+`"}]}`))
	g := c.must(200, "GET", "/Groups?excludedAttributes=members&filter="+urlq(`displayName eq "Group1DisplayName"`), "")
	res := g["Resources"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["members"] != nil {
		t.Errorf("Entra ID's group lookup without members: %v", g)
	}
	m2 := c.must(200, "GET", "/Groups?filter="+urlq(`id eq "`+gid+`" and members eq "`+uid+`"`)+"&excludedAttributes=members", "")
	if m2["totalResults"] != 1.0 {
		t.Errorf("Entra ID's membership check: %v", m2)
	}
	status, m = c.do("POST", "/Groups", `{"displayName":"Group1DisplayName"}`)
	isSCIMError(t, "the same group name again", status, m, http.StatusConflict, "uniqueness")
	status, m = c.do("POST", "/Users", `{"userName":"x"}`)
	isSCIMError(t, "a userName IAM refuses", status, m, http.StatusBadRequest, "invalidValue")
	status, m = c.do("POST", "/Users", `{"userName":"ada@example.com","active":"maybe"}`)
	isSCIMError(t, "active neither true nor false", status, m, http.StatusBadRequest, "invalidValue")
	status, m = c.do("POST", "/Users", `[1]`)
	isSCIMError(t, "a body that is no object", status, m, http.StatusBadRequest, "invalidSyntax")
	c.must(204, "DELETE", "/Groups/"+gid, "")
	status, m = c.do("GET", "/Groups/"+gid, "")
	isSCIMError(t, "a deleted group", status, m, http.StatusNotFound, "")
}

func TestDiscovery(t *testing.T) {
	c := newSCIM(t)
	spc := c.must(200, "GET", "/ServiceProviderConfig", "")
	if spc["patch"].(map[string]any)["supported"] != true || spc["bulk"].(map[string]any)["supported"] != false ||
		spc["filter"].(map[string]any)["supported"] != true || spc["sort"].(map[string]any)["supported"] != false {
		t.Errorf("ServiceProviderConfig: %v", spc)
	}
	rts := c.must(200, "GET", "/ResourceTypes", "")["Resources"].([]any)
	if len(rts) != 2 || rts[0].(map[string]any)["endpoint"] != "/Users" || rts[1].(map[string]any)["endpoint"] != "/Groups" {
		t.Errorf("ResourceTypes: %v", rts)
	}
	schemas := c.must(200, "GET", "/Schemas", "")["Resources"].([]any)
	if len(schemas) != 2 || schemas[0].(map[string]any)["id"] != "urn:ietf:params:scim:schemas:core:2.0:User" {
		t.Errorf("Schemas: %v", schemas)
	}
}

// A provisioned user's externalId is its provider's subject: the person's
// upstream login finds that user (no second user is created), and a
// deactivated one is refused.
func TestProvisionedUserFoundByTheUpstreamLogin(t *testing.T) {
	c := newSCIM(t)
	ctx := context.Background()
	uid := id(c.must(201, "POST", "/Users", user("ada@example.com", "00u1")))
	want, err := c.e.Stores.SCIM.GetSCIMUser(ctx, "okta", uid)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.e.Engine.FederatedLogin(ctx, authserver.FederatedLogin{IdP: "okta", Subject: "00u1", Username: "someone-else"})
	if err != nil || got.ID != want.User.ID {
		t.Fatalf("login of okta/00u1: user %s, %v; want the provisioned %s", got.ID, err, want.User.ID)
	}
	// The same subject at another provider is another person.
	other, err := c.e.Engine.FederatedLogin(ctx, authserver.FederatedLogin{IdP: "entra", Subject: "00u1", Username: "ada2"})
	if err != nil || other.ID == want.User.ID {
		t.Errorf("entra/00u1: user %s, %v; want a user of its own", other.ID, err)
	}
	c.must(200, "PATCH", "/Users/"+uid, fmt.Sprintf(patchOp, `{"op":"replace","value":{"active":false}}`))
	_, err = c.e.Engine.FederatedLogin(ctx, authserver.FederatedLogin{IdP: "okta", Subject: "00u1"})
	var se *signet.Error
	if !errors.As(err, &se) || se.Code != signet.CodeAccessDenied {
		t.Errorf("login of a deactivated provisioned user: %v, want access_denied", err)
	}
}
