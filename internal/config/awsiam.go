package config

import (
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/pflag"

	"github.com/signet-auth/signet/iamrole"
)

// awsIAMFlags are the settings of real AWS credentials (package iamrole):
// signet as the IAM OIDC identity provider of the accounts whose roles
// `signet admin role set` binds.
func awsIAMFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.AWSIAMAudience, "aws-iam-audience", iamrole.DefaultAudience,
		"aud of the web identity tokens: the client id of signet's IAM OIDC provider")
	fs.StringVar(&c.AWSSTSEndpoint, "aws-sts-endpoint", "",
		"STS endpoint URL for AssumeRoleWithWebIdentity (empty: the SDK's endpoint for --aws-sts-region)")
	fs.StringVar(&c.AWSSTSRegion, "aws-sts-region", iamrole.DefaultRegion, "region of the STS endpoint")
	fs.DurationVar(&c.AWSRoleDuration, "aws-role-duration", iamrole.DefaultDuration,
		fmt.Sprintf("role session asked of STS when a binding names none (%s to %s)", iamrole.MinDuration, iamrole.MaxDuration))
	fs.DurationVar(&c.AWSSTSTimeout, "aws-sts-timeout", iamrole.DefaultTimeout, "bound on one STS call (100ms to 1m)")
}

// validateAWSIAM checks the IAM settings.
func (c *Config) validateAWSIAM() []error {
	var errs []error
	if c.AWSSTSEndpoint != "" {
		u, err := url.Parse(c.AWSSTSEndpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--aws-sts-endpoint %q: want an http(s) URL", c.AWSSTSEndpoint))
		}
	}
	if c.AWSIAMAudience == "" || len(c.AWSIAMAudience) > 255 {
		errs = append(errs, fmt.Errorf("--aws-iam-audience: want 1 to 255 characters"))
	}
	if c.AWSSTSRegion != "" && !regionRe.MatchString(c.AWSSTSRegion) {
		errs = append(errs, fmt.Errorf("--aws-sts-region %q: not a region name such as us-east-1", c.AWSSTSRegion))
	}
	if c.AWSRoleDuration < iamrole.MinDuration || c.AWSRoleDuration > iamrole.MaxDuration {
		errs = append(errs, fmt.Errorf("--aws-role-duration %s: want %s to %s", c.AWSRoleDuration, iamrole.MinDuration, iamrole.MaxDuration))
	}
	if c.AWSSTSTimeout < 100*time.Millisecond || c.AWSSTSTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("--aws-sts-timeout %s: want 100ms to 1m", c.AWSSTSTimeout))
	}
	return errs
}
