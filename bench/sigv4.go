package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The sigv4 scenario: STS GetCallerIdentity signed with temporary
// credentials from the SSO portal (GetRoleCredentials), the way an SDK
// configured with an sso profile calls AWS. Each step is one signed
// request, so it measures SigV4 verification plus the credential's session
// liveness check.

const (
	benchRegion = "us-east-1"
	stsBody     = "Action=GetCallerIdentity&Version=2011-06-15"
)

// portalCredentials signs in through the device flow and fetches role
// credentials for the user's first account and role.
func portalCredentials(ctx context.Context, c *client) (aws.Credentials, error) {
	a, err := portalLogin(ctx, c)
	if err != nil {
		return aws.Credentials{}, err
	}
	return a.credentials(ctx, c)
}

// portalAssignment is a signed-in SSO user's first account and role, as
// the portal lists them.
type portalAssignment struct {
	token, account, role string
}

// portalGet GETs a portal path with the SSO access token.
func portalGet(ctx context.Context, c *client, token, path string, q url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-amz-sso_bearer_token", token)
	_, err = c.do(req, http.StatusOK, out)
	return err
}

// portalLogin signs in through the device flow and finds the user's first
// account and role (ListAccounts, ListAccountRoles).
func portalLogin(ctx context.Context, c *client) (portalAssignment, error) {
	cl, err := registerSSO(ctx, c, "signet-bench sigv4", nil, nil)
	if err != nil {
		return portalAssignment{}, fmt.Errorf("RegisterClient: %w", err)
	}
	tok, err := ssoDeviceLogin(ctx, c, cl)
	if err != nil {
		return portalAssignment{}, fmt.Errorf("device login: %w", err)
	}
	get := func(path string, q url.Values, out any) error {
		return portalGet(ctx, c, tok.AccessToken, path, q, out)
	}
	var accounts struct {
		AccountList []struct {
			AccountID string `json:"accountId"`
		} `json:"accountList"`
	}
	if err := get("/assignment/accounts", url.Values{}, &accounts); err != nil {
		return portalAssignment{}, fmt.Errorf("ListAccounts: %w", err)
	}
	if len(accounts.AccountList) == 0 {
		return portalAssignment{}, errors.New("the signed-in user has no account assignment")
	}
	account := accounts.AccountList[0].AccountID
	var roles struct {
		RoleList []struct {
			RoleName string `json:"roleName"`
		} `json:"roleList"`
	}
	if err := get("/assignment/roles", url.Values{"account_id": {account}}, &roles); err != nil {
		return portalAssignment{}, fmt.Errorf("ListAccountRoles: %w", err)
	}
	if len(roles.RoleList) == 0 {
		return portalAssignment{}, errors.New("the signed-in user has no role in " + account)
	}
	return portalAssignment{token: tok.AccessToken, account: account, role: roles.RoleList[0].RoleName}, nil
}

// credentials calls GetRoleCredentials for the assignment.
func (a portalAssignment) credentials(ctx context.Context, c *client) (aws.Credentials, error) {
	var rc struct {
		RoleCredentials struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SessionToken    string `json:"sessionToken"`
		} `json:"roleCredentials"`
	}
	if err := portalGet(ctx, c, a.token, "/federation/credentials", url.Values{"account_id": {a.account}, "role_name": {a.role}}, &rc); err != nil {
		return aws.Credentials{}, fmt.Errorf("GetRoleCredentials: %w", err)
	}
	return aws.Credentials{
		AccessKeyID: rc.RoleCredentials.AccessKeyID, SecretAccessKey: rc.RoleCredentials.SecretAccessKey,
		SessionToken: rc.RoleCredentials.SessionToken,
	}, nil
}

// signer signs requests the way the AWS SDKs do.
type signer struct {
	t     *target
	creds aws.Credentials
	v4    *v4.Signer
}

// sign signs req, whose body is body, for service.
func (s *signer) sign(ctx context.Context, req *http.Request, body, service string) error {
	sum := sha256.Sum256([]byte(body))
	return s.v4.SignHTTP(ctx, s.creds, req, hex.EncodeToString(sum[:]), service, benchRegion, s.t.clock.Now())
}

type stsCaller struct{ s *signer }

func (w *stsCaller) Step(ctx context.Context) error {
	c := w.s.t.c
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/", strings.NewReader(stsBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := w.s.sign(ctx, req, stsBody, "sts"); err != nil {
		return err
	}
	_, err = c.do(req, http.StatusOK, nil)
	return err
}

func prepareSigV4(ctx context.Context, t *target) (newWorker, error) {
	creds, err := portalCredentials(ctx, t.c)
	if err != nil {
		return nil, err
	}
	s := &signer{t: t, creds: creds, v4: v4.NewSigner()}
	return func(context.Context) (Worker, error) { return &stsCaller{s: s}, nil }, nil
}
