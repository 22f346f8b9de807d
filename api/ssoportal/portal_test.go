package ssoportal_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/testenv"
)

type wire struct {
	Status int
	Header http.Header
	Body   map[string]any
}

func get(t *testing.T, e *testenv.Env, method, path, token string) wire {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("x-amz-sso_bearer_token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	w := wire{Status: resp.StatusCode, Header: resp.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &w.Body); err != nil {
			t.Fatalf("%s: not JSON: %s", path, raw)
		}
	}
	return w
}

func wantError(t *testing.T, w wire, status int, shape string) {
	t.Helper()
	if w.Status != status || w.Header.Get("X-Amzn-ErrorType") != shape || w.Body["message"] == "" || w.Header.Get("X-Amzn-Requestid") == "" {
		t.Fatalf("got %d %s %v, want %d %s", w.Status, w.Header.Get("X-Amzn-ErrorType"), w.Body, status, shape)
	}
}

const creds = "/federation/credentials?role_name=Admin&account_id=" + testenv.AccountID

func TestGetRoleCredentials(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	_, tok := e.SSOTokens(t, "sso:account:access")
	w := get(t, e, "GET", creds, tok.AccessToken)
	if w.Status != 200 || w.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", w.Status, w.Body)
	}
	rc, _ := w.Body["roleCredentials"].(map[string]any)
	if !strings.HasPrefix(rc["accessKeyId"].(string), "ASIA") || rc["secretAccessKey"] == "" || rc["sessionToken"] == "" ||
		int64(rc["expiration"].(float64)) != e.Clock.Now().Add(time.Hour).UnixMilli() {
		t.Fatalf("roleCredentials %v", rc)
	}

	for name, tc := range map[string]struct {
		path, token string
		status      int
		shape       string
	}{
		"no token":          {creds, "", 401, "UnauthorizedException"},
		"unknown token":     {creds, "aoa" + strings.Repeat("A", 43), 401, "UnauthorizedException"},
		"refresh token":     {creds, tok.RefreshToken, 401, "UnauthorizedException"},
		"huge token":        {creds, strings.Repeat("a", 5000), 401, "UnauthorizedException"},
		"unassigned role":   {"/federation/credentials?role_name=Developer&account_id=" + testenv.AccountID, tok.AccessToken, 404, "ResourceNotFoundException"},
		"unassigned acct":   {"/federation/credentials?role_name=Admin&account_id=999999999999", tok.AccessToken, 404, "ResourceNotFoundException"},
		"bad account":       {"/federation/credentials?role_name=Admin&account_id=12345", tok.AccessToken, 400, "InvalidRequestException"},
		"bad role":          {"/federation/credentials?role_name=a/b&account_id=" + testenv.AccountID, tok.AccessToken, 400, "InvalidRequestException"},
		"missing role":      {"/federation/credentials?account_id=" + testenv.AccountID, tok.AccessToken, 400, "InvalidRequestException"},
		"IN-03 duplicate":   {creds + "&role_name=ReadOnly", tok.AccessToken, 400, "InvalidRequestException"},
		"bad query":         {creds + "&%zz", tok.AccessToken, 400, "InvalidRequestException"},
		"bad role, no auth": {"/federation/credentials?role_name=a/b&account_id=1", "", 400, "InvalidRequestException"},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, get(t, e, "GET", tc.path, tc.token), tc.status, tc.shape) })
	}
}

// The credentials never outlive the session.
func TestRoleCredentialsEndWithSession(t *testing.T) {
	e := testenv.New(t, testenv.Options{Lifetimes: authserver.Lifetimes{Session: 30 * time.Minute}, RoleCredentialLifetime: 2 * time.Hour})
	_, tok := e.SSOTokens(t)
	w := get(t, e, "GET", creds, tok.AccessToken)
	rc, _ := w.Body["roleCredentials"].(map[string]any)
	if got, want := int64(rc["expiration"].(float64)), tok.Session.ExpiresAt.UnixMilli(); got != want {
		t.Fatalf("expiration %d, want the session end %d", got, want)
	}
}

func TestPortalRefusesWhatIsNotALiveSSOSession(t *testing.T) {
	ctx := context.Background()
	t.Run("other scopes", func(t *testing.T) {
		e := testenv.New(t, testenv.Options{})
		_, tok := e.SSOTokens(t, "codewhisperer:completions")
		wantError(t, get(t, e, "GET", creds, tok.AccessToken), 401, "UnauthorizedException")
	})
	t.Run("user disabled", func(t *testing.T) {
		e := testenv.New(t, testenv.Options{})
		_, tok := e.SSOTokens(t)
		if err := e.Engine.SetDisabled(ctx, e.User.ID, true); err != nil {
			t.Fatal(err)
		}
		wantError(t, get(t, e, "GET", creds, tok.AccessToken), 401, "UnauthorizedException")
	})
	t.Run("password changed", func(t *testing.T) {
		e := testenv.New(t, testenv.Options{})
		_, tok := e.SSOTokens(t)
		e.Clock.Add(time.Second)
		if err := e.Engine.SetPassword(ctx, e.User.ID, "another long password"); err != nil {
			t.Fatal(err)
		}
		wantError(t, get(t, e, "GET", creds, tok.AccessToken), 401, "UnauthorizedException")
	})
	t.Run("access token expired", func(t *testing.T) {
		e := testenv.New(t, testenv.Options{})
		_, tok := e.SSOTokens(t)
		e.Clock.Add(time.Hour)
		wantError(t, get(t, e, "GET", creds, tok.AccessToken), 401, "UnauthorizedException")
	})
	t.Run("assignment removed", func(t *testing.T) {
		e := testenv.New(t, testenv.Options{})
		_, tok := e.SSOTokens(t)
		if err := e.Engine.SetAssignments(ctx, e.User.ID, testenv.UserAssignments()[1:]); err != nil {
			t.Fatal(err)
		}
		wantError(t, get(t, e, "GET", creds, tok.AccessToken), 404, "ResourceNotFoundException")
	})
}

func TestListAccountsAndRoles(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	_, tok := e.SSOTokens(t)
	w := get(t, e, "GET", "/assignment/accounts?max_result=1", tok.AccessToken)
	list, _ := w.Body["accountList"].([]any)
	next, _ := w.Body["nextToken"].(string)
	if w.Status != 200 || len(list) != 1 || next == "" || list[0].(map[string]any)["accountId"] != testenv.AccountID {
		t.Fatalf("first page: %d %v", w.Status, w.Body)
	}
	w = get(t, e, "GET", "/assignment/accounts?max_result=1&next_token="+next, tok.AccessToken)
	list, _ = w.Body["accountList"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["accountId"] != testenv.OtherAccountID || w.Body["nextToken"] != nil {
		t.Fatalf("second page: %v", w.Body)
	}
	w = get(t, e, "GET", "/assignment/roles?account_id="+testenv.AccountID, tok.AccessToken)
	if b, _ := json.Marshal(w.Body["roleList"]); string(b) != `[{"accountId":"123456789012","roleName":"Admin"},{"accountId":"123456789012","roleName":"ReadOnly"}]` {
		t.Fatalf("roles: %s", b)
	}
	w = get(t, e, "GET", "/assignment/roles?account_id=999999999999", tok.AccessToken)
	if b, _ := json.Marshal(w.Body); w.Status != 200 || string(b) != `{"roleList":[]}` {
		t.Fatalf("roles of another account: %d %s", w.Status, b)
	}
	for _, path := range []string{
		"/assignment/accounts?max_result=0", "/assignment/accounts?max_result=101", "/assignment/accounts?max_result=x",
		"/assignment/accounts?next_token=garbage!", "/assignment/roles", "/assignment/roles?account_id=1",
	} {
		wantError(t, get(t, e, "GET", path, tok.AccessToken), 400, "InvalidRequestException")
	}
	wantError(t, get(t, e, "GET", "/assignment/accounts", ""), 401, "UnauthorizedException")
}

// --account names accounts for ListAccounts: a name and an email, or a
// name alone; an unnamed account shows its id.
func TestListAccountsNames(t *testing.T) {
	e := testenv.New(t, testenv.Options{Accounts: []string{
		testenv.AccountID + "=Production <aws-prod@example.com>",
	}})
	_, tok := e.SSOTokens(t)
	w := get(t, e, "GET", "/assignment/accounts", tok.AccessToken)
	b, _ := json.Marshal(w.Body["accountList"])
	want := `[{"accountId":"123456789012","accountName":"Production","emailAddress":"aws-prod@example.com"},` +
		`{"accountId":"210987654321","accountName":"210987654321"}]`
	if w.Status != 200 || string(b) != want {
		t.Fatalf("ListAccounts: %d %s, want %s", w.Status, b, want)
	}
}

// The real Go SDK sso client and the SSO credential provider.
func TestSDKPortal(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	_, tok := e.SSOTokens(t, "sso:account:access")
	ctx := context.Background()
	pc := sso.New(sso.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1})

	accts, err := pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken), MaxResults: aws.Int32(1)})
	if err != nil || len(accts.AccountList) != 1 || accts.NextToken == nil {
		t.Fatalf("ListAccounts: %v %+v", err, accts)
	}
	var ids []string
	pager := sso.NewListAccountsPaginator(pc, &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken), MaxResults: aws.Int32(1)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.AccountList {
			ids = append(ids, aws.ToString(a.AccountId))
			if aws.ToString(a.AccountName) == "" {
				t.Fatal("account without a name")
			}
		}
	}
	if strings.Join(ids, ",") != testenv.AccountID+","+testenv.OtherAccountID {
		t.Fatalf("paged accounts %v", ids)
	}
	rc, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(testenv.AccountID), RoleName: aws.String("ReadOnly")})
	if err != nil {
		t.Fatal(err)
	}
	c := rc.RoleCredentials
	stsc := sts.New(sts.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))})
	id, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:sts::123456789012:assumed-role/ReadOnly/alice" {
		t.Fatalf("GetCallerIdentity: %v %v", err, id)
	}

	_, err = pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(testenv.AccountID), RoleName: aws.String("Nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unassigned: %v", err)
	}
	_, err = pc.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: aws.String(tok.AccessToken), AccountId: aws.String("nope")})
	var ir *types.InvalidRequestException
	if !errors.As(err, &ir) {
		t.Fatalf("bad account id: %v", err)
	}

	// Logout ends the session: the token, and the credentials minted for
	// it, stop working.
	if _, err := pc.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(tok.AccessToken)}); err != nil {
		t.Fatal(err)
	}
	_, err = pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken)})
	var un *types.UnauthorizedException
	if !errors.As(err, &un) {
		t.Fatalf("after logout: %v", err)
	}
	if _, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("role credentials still verify after Logout")
	}
	_, err = pc.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(tok.AccessToken)})
	if !errors.As(err, &un) {
		t.Fatalf("second logout: %v", err)
	}
}

// The browser sign-out still lives at POST /logout: without the bearer
// header the request goes to the pages (which refuse a form without a CSRF
// token).
func TestLogoutSharesPathWithPages(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	w, err := http.Post(e.URL+"/logout", "application/x-www-form-urlencoded", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	w.Body.Close()
	if w.StatusCode != http.StatusForbidden || !strings.HasPrefix(w.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("browser logout without CSRF: %d %s", w.StatusCode, w.Header.Get("Content-Type"))
	}
}
