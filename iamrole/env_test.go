package iamrole_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/iamrole"
	"github.com/signet-auth/signet/iamrole/iamroletest"
	"github.com/signet-auth/signet/internal/testenv"
)

// boundEnv is an environment whose Admin role in AccountID is bound to a
// real role at fake.
func boundEnv(t testing.TB, fake *iamroletest.FakeSTS, c iamrole.Config) *testenv.Env {
	t.Helper()
	c.Endpoint = fake.URL
	e := testenv.New(t, testenv.Options{IAM: &c})
	if err := e.Stores.RoleBindings.SetRoleBinding(context.Background(), signet.RoleBinding{AccountID: testenv.AccountID,
		RoleName: "Admin", RoleARN: "arn:aws:iam::" + testenv.AccountID + ":role/Admin",
		CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return e
}

// portal is an SDK client of e's portal that does not retry, so that one
// call is one request.
func portal(e *testenv.Env) *sso.Client {
	return sso.New(sso.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.URL), RetryMaxAttempts: 1})
}
