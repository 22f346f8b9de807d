package signin_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	signinpkg "github.com/signet-auth/signet/api/signin"
	"github.com/signet-auth/signet/internal/signintest"
)

// toSignet resolves every Sign-In operation to signet: the SDK's rules send
// the control-plane operations to signin.<region>.api.aws even when
// BaseEndpoint is set, so a custom EndpointResolverV2 is the way.
type toSignet struct{ u url.URL }

func (r toSignet) ResolveEndpoint(context.Context, signin.EndpointParameters) (smithyendpoints.Endpoint, error) {
	return smithyendpoints.Endpoint{URI: r.u}, nil
}

// adminClient is an SDK client signed with a long-term key of the test
// account, as `signet admin access-key create` makes.
func adminClient(t *testing.T, e *signintest.Env) *signin.Client {
	id, secret := e.AccessKey(t, "arn:aws:iam::"+signintest.AccountID+":user/admin")
	return signinClient(t, e, credentials.NewStaticCredentialsProvider(id, secret, ""))
}

func signinClient(t *testing.T, e *signintest.Env, creds aws.CredentialsProvider) *signin.Client {
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	return signin.New(signin.Options{Region: "us-east-1", Credentials: creds, RetryMaxAttempts: 1,
		EndpointResolverV2: toSignet{*u}})
}

// The SDK's own rules ignore BaseEndpoint for the control plane: a
// BaseEndpoint alone does not reach signet (README, "Operations").
func TestSDKControlPlaneIgnoresBaseEndpoint(t *testing.T) {
	ep, err := signin.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(), signin.EndpointParameters{
		Region: aws.String("us-east-1"), Endpoint: aws.String("http://127.0.0.1:8080"), IsControlPlane: aws.Bool(true),
		UseFIPS: aws.Bool(false), UseDualStack: aws.Bool(false),
	})
	if err != nil || ep.URI.Host != "signin.us-east-1.api.aws" {
		t.Fatalf("control plane with BaseEndpoint resolves to %v (%v)", ep.URI.String(), err)
	}
	ep, err = signin.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(), signin.EndpointParameters{
		Region: aws.String("us-east-1"), Endpoint: aws.String("http://127.0.0.1:8080"), IsControlPlane: aws.Bool(false),
		UseFIPS: aws.Bool(false), UseDualStack: aws.Bool(false),
	})
	if err != nil || ep.URI.Host != "127.0.0.1:8080" {
		t.Fatalf("data plane with BaseEndpoint resolves to %v (%v)", ep.URI.String(), err)
	}
}

var statementIDRE = regexp.MustCompile(`^[A-Za-z0-9+/]{64}=?$`)

func TestSDKResourcePermissionStatements(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	ctx := context.Background()
	c := adminClient(t, e)

	// No policy yet.
	_, err := c.GetResourcePolicy(ctx, &signin.GetResourcePolicyInput{})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.Error_ != types.OAuth2ErrorCodeResourceNotFound {
		t.Fatalf("GetResourcePolicy of none: %v", err)
	}
	list, err := c.ListResourcePermissionStatements(ctx, &signin.ListResourcePermissionStatementsInput{})
	if err != nil || list.PermissionStatements == nil || len(list.PermissionStatements) != 0 {
		t.Fatalf("List of none: %+v %v", list, err)
	}

	put, err := c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{
		SourceIp: aws.String("10.0.0.0/8"), ExcludedPrincipal: aws.String("arn:aws:iam::" + signintest.AccountID + ":role/BreakGlass"),
		ClientToken: aws.String("put-1"),
	})
	if err != nil || !statementIDRE.MatchString(aws.ToString(put.StatementId)) {
		t.Fatalf("Put: %+v %v", put, err)
	}
	id := aws.ToString(put.StatementId)
	// Idempotent: the same token and input, the same statement.
	again, err := c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{
		SourceIp: aws.String("10.0.0.0/8"), ExcludedPrincipal: aws.String("arn:aws:iam::" + signintest.AccountID + ":role/BreakGlass"),
		ClientToken: aws.String("put-1"),
	})
	if err != nil || aws.ToString(again.StatementId) != id {
		t.Fatalf("Put retried: %+v %v", again, err)
	}
	var ce *types.ConflictException
	_, err = c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{
		SourceIp: aws.String("192.168.0.0/16"), ClientToken: aws.String("put-1")})
	if !errors.As(err, &ce) || ce.Error_ != types.OAuth2ErrorCodeConflict {
		t.Fatalf("token reused with other input: %v", err)
	}
	// The SDK fills in a token of its own: the same conditions again
	// conflict with the live statement.
	_, err = c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{
		SourceIp: aws.String("10.0.0.0/8"), ExcludedPrincipal: aws.String("arn:aws:iam::" + signintest.AccountID + ":role/BreakGlass")})
	if !errors.As(err, &ce) {
		t.Fatalf("duplicate conditions: %v", err)
	}
	e.Clock.Add(time.Second) // listed after the first
	vpc, err := c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{
		SourceVpc: aws.String("vpc-0123abcd"), SigninSourceVpce: aws.String("vpce-0123abcd"), RequestedRegion: aws.String("us-east-1")})
	if err != nil {
		t.Fatal(err)
	}

	// Every invalid member is a ValidationException.
	var ve *types.ValidationException
	for name, in := range map[string]*signin.PutResourcePermissionStatementInput{
		"no condition":        {},
		"bad vpc":             {SourceVpc: aws.String("vpc-xyz"), RequestedRegion: aws.String("us-east-1")},
		"vpc without region":  {SourceVpc: aws.String("vpc-0123abcd")},
		"bad sourceIp":        {SourceIp: aws.String("10.0.0.300")},
		"bad principal":       {ExcludedPrincipal: aws.String("arn:aws:iam::123:role/x")},
		"bad region":          {SourceIp: aws.String("10.0.0.1"), RequestedRegion: aws.String("Mars")},
		"bad console vpce":    {ConsoleSourceVpce: aws.String("vpce-!"), RequestedRegion: aws.String("us-east-1")},
		"client token spaces": {SourceIp: aws.String("10.0.0.1"), ClientToken: aws.String("a b")},
	} {
		if _, err := c.PutResourcePermissionStatement(ctx, in); !errors.As(err, &ve) || ve.Error_ != types.OAuth2ErrorCodeInvalidRequest {
			t.Fatalf("Put %s: %v", name, err)
		}
	}

	list, err = c.ListResourcePermissionStatements(ctx, &signin.ListResourcePermissionStatementsInput{MaxResults: aws.Int32(1)})
	if err != nil || len(list.PermissionStatements) != 1 || aws.ToString(list.PermissionStatements[0].Sid) != id || list.NextToken == nil {
		t.Fatalf("List page 1: %+v %v", list, err)
	}
	cond := list.PermissionStatements[0].Condition
	if got := cond["NotIpAddress"]["aws:SourceIp"]; len(got) != 1 || got[0] != "10.0.0.0/8" {
		t.Fatalf("List condition: %v", cond)
	}
	page2, err := c.ListResourcePermissionStatements(ctx, &signin.ListResourcePermissionStatementsInput{MaxResults: aws.Int32(1), NextToken: list.NextToken})
	if err != nil || len(page2.PermissionStatements) != 1 || aws.ToString(page2.PermissionStatements[0].Sid) != aws.ToString(vpc.StatementId) || page2.NextToken != nil {
		t.Fatalf("List page 2: %+v %v", page2, err)
	}
	for _, in := range []*signin.ListResourcePermissionStatementsInput{
		{MaxResults: aws.Int32(101)}, {NextToken: aws.String("bm90LWEtdG9rZW4")},
	} {
		if _, err := c.ListResourcePermissionStatements(ctx, in); !errors.As(err, &ve) {
			t.Fatalf("List %+v: %v", in, err)
		}
	}

	pol, err := c.GetResourcePolicy(ctx, &signin.GetResourcePolicyInput{})
	if err != nil {
		t.Fatal(err)
	}
	p := pol.SigninResourceBasedPolicy
	if aws.ToString(p.Version) != "2012-10-17" || len(p.Statement) != 2 || aws.ToString(p.Statement[0].Effect) != "Deny" ||
		p.Statement[0].Condition["ArnNotEquals"]["aws:PrincipalArn"][0] != "arn:aws:iam::"+signintest.AccountID+":role/BreakGlass" ||
		p.Statement[1].Condition["StringNotEqualsIfExists"]["aws:SourceVpc"][0] != "vpc-0123abcd" {
		t.Fatalf("GetResourcePolicy: %+v", p)
	}

	if _, err := c.DeleteResourcePermissionStatement(ctx, &signin.DeleteResourcePermissionStatementInput{StatementId: aws.String(id), ClientToken: aws.String("del-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteResourcePermissionStatement(ctx, &signin.DeleteResourcePermissionStatementInput{StatementId: aws.String(id), ClientToken: aws.String("del-1")}); err != nil {
		t.Fatalf("Delete retried: %v", err)
	}
	_, err = c.DeleteResourcePermissionStatement(ctx, &signin.DeleteResourcePermissionStatementInput{StatementId: aws.String(id), ClientToken: aws.String("del-2")})
	if !errors.As(err, &nf) {
		t.Fatalf("Delete of a deleted statement: %v", err)
	}
	_, err = c.DeleteResourcePermissionStatement(ctx, &signin.DeleteResourcePermissionStatementInput{StatementId: aws.String("short")})
	if !errors.As(err, &ve) {
		t.Fatalf("Delete of a malformed id: %v", err)
	}

	// The quota: MaxSigninStatements live statements, then
	// ServiceQuotaExceededException.
	var qe *types.ServiceQuotaExceededException
	for i := 1; ; i++ {
		_, err := c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{
			SourceIp: aws.String("10.0." + strconv.Itoa(i) + ".0/24")})
		if errors.As(err, &qe) {
			if i != 20 || qe.Error_ != types.OAuth2ErrorCodeServiceQuotaExceeded {
				t.Fatalf("quota at statement %d: %v", i+1, err)
			}
			break
		}
		if err != nil || i > 20 {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
}

func TestSDKConsoleAuthorizationConfiguration(t *testing.T) {
	e := signintest.New(t, signintest.Options{})
	ctx := context.Background()
	c := adminClient(t, e)
	want := func(what string, acct *string, scope *string, on *bool, err error, enabled bool) {
		t.Helper()
		if err != nil || aws.ToString(acct) != signintest.AccountID || aws.ToString(scope) != "ACCOUNT" || aws.ToBool(on) != enabled {
			t.Fatalf("%s: %s %s %v %v", what, aws.ToString(acct), aws.ToString(scope), aws.ToBool(on), err)
		}
	}
	g, err := c.GetConsoleAuthorizationConfiguration(ctx, &signin.GetConsoleAuthorizationConfigurationInput{})
	want("Get before Put", g.TargetId, g.Scope, g.ConsoleAuthorizationEnabled, err, false)
	for range 2 {
		p, err := c.PutConsoleAuthorizationConfiguration(ctx, &signin.PutConsoleAuthorizationConfigurationInput{TargetId: aws.String(signintest.AccountID)})
		want("Put", p.TargetId, p.Scope, p.ConsoleAuthorizationEnabled, err, true)
	}
	g, err = c.GetConsoleAuthorizationConfiguration(ctx, &signin.GetConsoleAuthorizationConfigurationInput{})
	want("Get after Put", g.TargetId, g.Scope, g.ConsoleAuthorizationEnabled, err, true)
	for range 2 {
		d, err := c.DeleteConsoleAuthorizationConfiguration(ctx, &signin.DeleteConsoleAuthorizationConfigurationInput{})
		want("Delete", d.TargetId, d.Scope, d.ConsoleAuthorizationEnabled, err, false)
	}
	g, err = c.GetConsoleAuthorizationConfiguration(ctx, &signin.GetConsoleAuthorizationConfigurationInput{})
	want("Get after Delete", g.TargetId, g.Scope, g.ConsoleAuthorizationEnabled, err, false)

	var nf *types.ResourceNotFoundException
	if _, err := c.GetConsoleAuthorizationConfiguration(ctx, &signin.GetConsoleAuthorizationConfigurationInput{TargetId: aws.String("o-abcdefghij")}); !errors.As(err, &nf) {
		t.Fatalf("organization target: %v", err)
	}
	var ad *types.AccessDeniedException
	if _, err := c.PutConsoleAuthorizationConfiguration(ctx, &signin.PutConsoleAuthorizationConfigurationInput{TargetId: aws.String("999988887777")}); !errors.As(err, &ad) || ad.Error_ != types.OAuth2ErrorCodeInsufficientPermissions {
		t.Fatalf("another account's target: %v", err)
	}
	var ve *types.ValidationException
	if _, err := c.DeleteConsoleAuthorizationConfiguration(ctx, &signin.DeleteConsoleAuthorizationConfigurationInput{TargetId: aws.String("not-a-target")}); !errors.As(err, &ve) {
		t.Fatalf("malformed target: %v", err)
	}

	// A sign-in's own credentials may not change who may sign in.
	at := newHolder(t, e).login().Body["accessToken"].(map[string]any)
	sc := signinClient(t, e, credentials.NewStaticCredentialsProvider(at["accessKeyId"].(string), at["secretAccessKey"].(string), at["sessionToken"].(string)))
	if _, err := sc.PutConsoleAuthorizationConfiguration(ctx, &signin.PutConsoleAuthorizationConfigurationInput{}); !errors.As(err, &ad) {
		t.Fatalf("session credentials: %v", err)
	}
	if _, err := sc.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{SourceIp: aws.String("0.0.0.0/0")}); !errors.As(err, &ad) {
		t.Fatalf("session credentials: %v", err)
	}
	// Unsigned: refused before anything is read.
	anon := signinClient(t, e, aws.AnonymousCredentials{})
	if _, err := anon.GetResourcePolicy(ctx, &signin.GetResourcePolicyInput{}); err == nil {
		t.Fatal("unsigned GetResourcePolicy answered")
	}
}

// The control plane is throttled per client address with the token
// endpoint's limiter: past it, TooManyRequestsError with Retry-After.
func TestSDKControlPlaneThrottled(t *testing.T) {
	e := signintest.New(t, signintest.Options{Limiter: signinpkg.NewRateLimiter(0.001, 1, 10)})
	c := adminClient(t, e)
	ctx := context.Background()
	if _, err := c.GetConsoleAuthorizationConfiguration(ctx, &signin.GetConsoleAuthorizationConfigurationInput{}); err != nil {
		t.Fatal(err)
	}
	var tm *types.TooManyRequestsError
	if _, err := c.PutResourcePermissionStatement(ctx, &signin.PutResourcePermissionStatementInput{SourceIp: aws.String("10.0.0.0/8")}); !errors.As(err, &tm) {
		t.Fatalf("past the limit: %v", err)
	}
	list, err := e.Stores.SigninPolicies.ListSigninStatements(ctx, signintest.AccountID)
	if err != nil || len(list) != 0 {
		t.Fatalf("a throttled Put stored %v (%v)", list, err)
	}
}
