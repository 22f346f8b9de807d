package signin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
	"github.com/signet-auth/signet/internal/signintest"
)

// usersDown is a user store whose reads fail, as a database that went away.
type usersDown struct{ signet.UserStore }

func (usersDown) GetUser(context.Context, string) (signet.User, error) {
	return signet.User{}, fmt.Errorf("test: %w", signet.ErrUnavailable)
}

// CC-06 on IntrospectOAuth2TokenWithIAM: when the store cannot name the
// token's user, the answer is 500 InternalServerException, which the
// caller retries, never {"active":false} for a live token.
func TestCC06_IntrospectionWithTheStoreDownIsNotInactive(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	h := newHolder(t, e)
	r := h.login()
	at := r.Body["accessToken"].(map[string]any)
	creds := credentials.NewStaticCredentialsProvider(at["accessKeyId"].(string), at["secretAccessKey"].(string), at["sessionToken"].(string))
	// The same handler on the same stores, but its user reads fail.
	down := *e.SignIn
	down.Users = usersDown{e.Stores.Users}
	mux := http.NewServeMux()
	down.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := signin.New(signin.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds, RetryMaxAttempts: 1})
	out, err := c.IntrospectOAuth2TokenWithIAM(context.Background(), &signin.IntrospectOAuth2TokenWithIAMInput{Token: aws.String(r.str("refreshToken"))})
	var ise *types.InternalServerException
	if !errors.As(err, &ise) {
		t.Fatalf("introspection with the user store down: active %v, %v; want InternalServerException", out != nil && aws.ToBool(out.Active), err)
	}
	// With the store back, the token is active.
	if in, err := sdkClient(e, creds).IntrospectOAuth2TokenWithIAM(context.Background(),
		&signin.IntrospectOAuth2TokenWithIAMInput{Token: aws.String(r.str("refreshToken"))}); err != nil || !aws.ToBool(in.Active) {
		t.Fatalf("introspection with the store up: active %v, %v", in != nil && aws.ToBool(in.Active), err)
	}
}

// policiesDown is a policy engine whose store went away.
type policiesDown struct{}

var errPoliciesDown = signet.Internal(fmt.Errorf("test: %w", signet.ErrUnavailable))

func (policiesDown) PutSigninStatement(context.Context, authserver.SigninStatementRequest) (signet.SigninStatement, error) {
	return signet.SigninStatement{}, errPoliciesDown
}
func (policiesDown) SigninStatements(context.Context, string) ([]signet.SigninStatement, error) {
	return nil, errPoliciesDown
}
func (policiesDown) DeleteSigninStatement(context.Context, string, string, string) error {
	return errPoliciesDown
}
func (policiesDown) SetConsoleAuthorization(context.Context, string, bool) error {
	return errPoliciesDown
}
func (policiesDown) ConsoleAuthorization(context.Context, string) (bool, error) {
	return false, errPoliciesDown
}

// With the store down every control-plane operation answers 500
// InternalServerException, never an empty policy or "not found".
func TestControlPlaneWithTheStoreDownIsInternalServerException(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	down := *e.SignIn
	down.Policies = policiesDown{}
	mux := http.NewServeMux()
	down.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	id, secret := e.AccessKey(t, "arn:aws:iam::"+signintest.AccountID+":user/admin")
	u, _ := url.Parse(srv.URL)
	c := signin.New(signin.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		RetryMaxAttempts: 1, EndpointResolverV2: toSignet{*u}})
	ctx := context.Background()
	sid := aws.String(strings.Repeat("A", 64))
	for name, call := range map[string]func() error{
		"Put": func() error {
			_, err := c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{SourceIp: aws.String("10.0.0.0/8")})
			return err
		},
		"List": func() error {
			_, err := c.ListResourcePermissionStatements(ctx, &signin.ListResourcePermissionStatementsInput{})
			return err
		},
		"Delete": func() error {
			_, err := c.DeleteResourcePermissionStatement(ctx, &signin.DeleteResourcePermissionStatementInput{StatementId: sid})
			return err
		},
		"Get": func() error { _, err := c.GetResourcePolicy(ctx, &signin.GetResourcePolicyInput{}); return err },
		"PutConsole": func() error {
			_, err := c.PutConsoleAuthorizationConfiguration(ctx, &signin.PutConsoleAuthorizationConfigurationInput{})
			return err
		},
		"GetConsole": func() error {
			_, err := c.GetConsoleAuthorizationConfiguration(ctx, &signin.GetConsoleAuthorizationConfigurationInput{})
			return err
		},
		"DeleteConsole": func() error {
			_, err := c.DeleteConsoleAuthorizationConfiguration(ctx, &signin.DeleteConsoleAuthorizationConfigurationInput{})
			return err
		},
	} {
		var ise *types.InternalServerException
		if err := call(); !errors.As(err, &ise) || ise.Error_ != types.OAuth2ErrorCodeServerError {
			t.Errorf("%s with the store down: %v", name, err)
		}
	}
}
