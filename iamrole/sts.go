package iamrole

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/awscreds"
)

// Defaults.
const (
	DefaultAudience = "sts.amazonaws.com"
	DefaultRegion   = "us-east-1"
	DefaultDuration = time.Hour
	DefaultTimeout  = 5 * time.Second
	// MinDuration and MaxDuration are STS's bounds on DurationSeconds.
	MinDuration = 15 * time.Minute
	MaxDuration = 12 * time.Hour
)

// Config configures an Exchanger.
type Config struct {
	Issuer   string // the public issuer URL: the token's iss, the IAM provider's URL
	Audience string // the token's aud, the IAM provider's client id; "": DefaultAudience
	Region   string // STS's signing region; "": DefaultRegion
	// Endpoint is STS's URL; "": the SDK's endpoint for Region.
	Endpoint string
	// DefaultDuration is the role session asked for when a binding names
	// none; "": DefaultDuration.
	DefaultDuration time.Duration
	// Timeout bounds one STS call, connection included; 0: DefaultTimeout.
	Timeout time.Duration
	// TokenLifetime is the web identity token's life, at most
	// MaxTokenLifetime; 0: MaxTokenLifetime.
	TokenLifetime time.Duration
	Signer        TokenSigner
	Clock         signet.Clock
	Rand          io.Reader // token ids
	// HTTPClient talks to STS; nil: a client of its own.
	HTTPClient *http.Client
	Log        *slog.Logger // nil: discard
}

// Exchanger turns a user and a role binding into real credentials.
type Exchanger struct {
	c   Config
	sts *sts.Client
}

// NewExchanger checks c and returns an Exchanger.
func NewExchanger(c Config) (*Exchanger, error) {
	switch {
	case c.Issuer == "":
		return nil, errors.New("iamrole: Config.Issuer is required")
	case c.Signer == nil || c.Clock == nil || c.Rand == nil:
		return nil, errors.New("iamrole: Config.Signer, Clock and Rand are required")
	case c.TokenLifetime < 0 || c.TokenLifetime > MaxTokenLifetime:
		return nil, fmt.Errorf("iamrole: token lifetime must be at most %s", MaxTokenLifetime)
	case c.DefaultDuration != 0 && (c.DefaultDuration < MinDuration || c.DefaultDuration > MaxDuration):
		return nil, fmt.Errorf("iamrole: default duration must be between %s and %s", MinDuration, MaxDuration)
	}
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.DefaultDuration == 0 {
		c.DefaultDuration = DefaultDuration
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.TokenLifetime == 0 {
		c.TokenLifetime = MaxTokenLifetime
	}
	c.Log = signet.LoggerOr(c.Log)
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 16,
			TLSHandshakeTimeout: c.Timeout, ResponseHeaderTimeout: c.Timeout,
		}}
	}
	o := sts.Options{
		Region: c.Region, HTTPClient: hc,
		// One call per request: the caller's SDK retries on its own, so a
		// retry here would multiply every storm (catalogue AW-02).
		Retryer: aws.NopRetryer{},
		// AssumeRoleWithWebIdentity is unsigned: the token is the proof.
		Credentials: aws.AnonymousCredentials{},
	}
	if c.Endpoint != "" {
		o.BaseEndpoint = aws.String(c.Endpoint)
	}
	return &Exchanger{c: c, sts: sts.New(o)}, nil
}

// Audience returns the aud the tokens carry.
func (x *Exchanger) Audience() string { return x.c.Audience }

// Exchange signs a web identity token for the request's user and assumes
// b's role with it. The session lasts min(b's duration, r.Expiry - now),
// never under STS's 15-minute floor. Errors are *signet.Error values.
func (x *Exchanger) Exchange(ctx context.Context, b signet.RoleBinding, r awscreds.RoleRequest) (awscreds.Credentials, error) {
	now := x.c.Clock.Now()
	cl, err := claims(x.c.Issuer, x.c.Audience, r.UserID, r.UserName, now, x.c.TokenLifetime, x.c.Rand)
	if err != nil {
		return awscreds.Credentials{}, signet.Internal(err)
	}
	tok, err := x.c.Signer.SignJWT(cl)
	if err != nil {
		return awscreds.Credentials{}, signet.Internal(err)
	}
	dur := b.MaxDuration
	if dur <= 0 {
		dur = x.c.DefaultDuration
	}
	if !r.Expiry.IsZero() {
		dur = min(dur, r.Expiry.Sub(now))
	}
	dur = min(max(dur, MinDuration), MaxDuration)
	ctx, cancel := context.WithTimeout(ctx, x.c.Timeout)
	defer cancel()
	start := time.Now()
	out, err := x.sts.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(b.RoleARN), RoleSessionName: aws.String(cl.SourceIdentity),
		WebIdentityToken: aws.String(tok), DurationSeconds: aws.Int32(int32(dur / time.Second)),
	})
	if err != nil {
		e := mapError(err)
		x.c.Log.LogAttrs(ctx, slog.LevelWarn, "iamrole: AssumeRoleWithWebIdentity failed",
			slog.String("role_arn", b.RoleARN), slog.String("user_id", r.UserID),
			slog.Duration("took", time.Since(start)), slog.Any("cause", err))
		return awscreds.Credentials{}, e
	}
	return credentials(out, r.SessionID)
}

// credentials checks STS's answer: a reply without every part is as bad
// as no reply.
func credentials(out *sts.AssumeRoleWithWebIdentityOutput, sessionID string) (awscreds.Credentials, error) {
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil || c.Expiration == nil ||
		*c.AccessKeyId == "" || *c.SecretAccessKey == "" || *c.SessionToken == "" {
		return awscreds.Credentials{}, unavailable(errors.New("iamrole: STS answered without complete credentials"))
	}
	p := awscreds.Principal{SessionID: sessionID}
	if u := out.AssumedRoleUser; u != nil {
		p.ARN, p.UserID = aws.ToString(u.Arn), aws.ToString(u.AssumedRoleId)
	}
	if p.ARN != "" {
		if q, err := awscreds.ParsePrincipalARN(p.ARN); err == nil {
			p.AccountID = q.AccountID
		}
	}
	return awscreds.Credentials{
		AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken,
		Expiration: c.Expiration.UTC(), Principal: p,
	}, nil
}
