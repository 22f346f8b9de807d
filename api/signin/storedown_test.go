package signin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/signet-auth/signet"
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
