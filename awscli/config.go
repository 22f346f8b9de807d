package awscli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// iniFile is ~/.aws/config or ~/.aws/credentials: sections of key = value,
// where a key with an empty value followed by indented lines holds a
// sub-section (the "services" form:  sso_oidc =\n  endpoint_url = ...).
type iniFile map[string]map[string]string

func parseINI(data string) iniFile {
	f := iniFile{}
	var sec map[string]string
	parent := ""
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' && strings.HasSuffix(line, "]") {
			name := strings.Join(strings.Fields(line[1:len(line)-1]), " ")
			sec = f[name]
			if sec == nil {
				sec = map[string]string{}
				f[name] = sec
			}
			parent = ""
			continue
		}
		if sec == nil {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		indented := raw[0] == ' ' || raw[0] == '\t'
		if indented && parent != "" {
			sec[parent+"."+k] = v
			continue
		}
		sec[k] = v
		parent = ""
		if v == "" {
			parent = k
		}
	}
	return f
}

// settings is the resolved configuration of one command run.
type settings struct {
	profile         string
	explicitProfile bool
	cfg             map[string]string // the profile's section of the config file
	creds           map[string]string // the profile's section of the credentials file
	configFile      string
	credsFile       string
	conf            iniFile
}

func (e Env) home() string {
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	return e.getenv("USERPROFILE")
}

func (e Env) expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		return filepath.Join(e.home(), p[1:])
	}
	return p
}

func loadSettings(env Env, profileFlag string) (*settings, error) {
	s := &settings{profile: profileFlag, explicitProfile: profileFlag != ""}
	if s.profile == "" {
		s.profile = env.getenv("AWS_PROFILE")
	}
	if s.profile == "" {
		s.profile = env.getenv("AWS_DEFAULT_PROFILE")
	}
	if s.profile == "" {
		s.profile = "default"
	}
	s.configFile = env.getenv("AWS_CONFIG_FILE")
	if s.configFile == "" {
		s.configFile = filepath.Join(env.home(), ".aws", "config")
	}
	s.configFile = env.expandHome(s.configFile)
	s.credsFile = env.getenv("AWS_SHARED_CREDENTIALS_FILE")
	if s.credsFile == "" {
		s.credsFile = filepath.Join(env.home(), ".aws", "credentials")
	}
	s.credsFile = env.expandHome(s.credsFile)
	s.conf = iniFile{}
	creds := iniFile{}
	if b, err := os.ReadFile(s.configFile); err == nil {
		s.conf = parseINI(string(b))
	}
	if b, err := os.ReadFile(s.credsFile); err == nil {
		creds = parseINI(string(b))
	}
	name := "profile " + s.profile
	if s.profile == "default" {
		if _, ok := s.conf[name]; !ok {
			name = "default"
		}
	}
	s.cfg = s.conf[name]
	s.creds = creds[s.profile]
	if s.explicitProfile && s.cfg == nil && s.creds == nil {
		return nil, &configError{fmt.Sprintf("The config profile (%s) could not be found", s.profile)}
	}
	if s.cfg == nil {
		s.cfg = map[string]string{}
	}
	if s.creds == nil {
		s.creds = map[string]string{}
	}
	return s, nil
}

type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func (s *settings) get(k string) string {
	if v := s.cfg[k]; v != "" {
		return v
	}
	return s.creds[k]
}

func (s *settings) region(env Env, flag string) string {
	for _, v := range []string{flag, env.getenv("AWS_REGION"), env.getenv("AWS_DEFAULT_REGION"), s.get("region")} {
		if v != "" {
			return v
		}
	}
	return ""
}

// envKey is the service id as the endpoint variables spell it:
// "SSO OIDC" → SSO_OIDC; the services-section key is its lower case.
func envKey(serviceID string) string {
	return strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
}

// endpoint resolves the endpoint the way botocore and the SDKs do:
// --endpoint-url, then AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
// profile's services section, the profile's endpoint_url; the
// ignore_configured_endpoint_urls switches turn off all but the first.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
func (s *settings) endpoint(env Env, svc *Service, op *Operation, flag, region string) string {
	if flag != "" {
		return flag
	}
	ignore := strings.EqualFold(env.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") ||
		strings.EqualFold(s.get("ignore_configured_endpoint_urls"), "true")
	if !ignore {
		if v := env.getenv("AWS_ENDPOINT_URL_" + envKey(svc.ServiceID)); v != "" {
			return v
		}
		if v := env.getenv("AWS_ENDPOINT_URL"); v != "" {
			return v
		}
		if name := s.cfg["services"]; name != "" {
			if v := s.conf["services "+name][strings.ToLower(envKey(svc.ServiceID))+".endpoint_url"]; v != "" {
				return v
			}
		}
		if v := s.get("endpoint_url"); v != "" {
			return v
		}
	}
	if region == "" {
		return ""
	}
	return defaultEndpoint(svc, op, region)
}

// defaultEndpoint is the AWS endpoint of each service in the commercial
// partition (the rule sets' default branch).
func defaultEndpoint(svc *Service, op *Operation, region string) string {
	switch svc.Name {
	case "signin":
		if !strings.HasPrefix(op.RequestURI, "/v1/") {
			// The control plane (the rule sets' IsControlPlane).
			return "https://signin." + region + ".api.aws"
		}
		if strings.HasSuffix(op.Name, "WithIAM") {
			return "https://" + region + ".oauth.signin.aws"
		}
		return "https://" + region + ".signin.aws.amazon.com"
	default:
		return "https://" + svc.Prefix + "." + region + ".amazonaws.com"
	}
}

// credentials finds SigV4 credentials: the environment variables (unless a
// profile was named with --profile, as botocore does), then the profile's
// static keys, then whatever else the profile configures (sso_session,
// login_session, role_arn, credential_process, ...) through the AWS SDK's
// shared-config loader.
func (s *settings) credentials(ctx context.Context, env Env, region string) (aws.Credentials, error) {
	if !s.explicitProfile {
		if id, sec := env.getenv("AWS_ACCESS_KEY_ID"), env.getenv("AWS_SECRET_ACCESS_KEY"); id != "" && sec != "" {
			return aws.Credentials{AccessKeyID: id, SecretAccessKey: sec, SessionToken: env.getenv("AWS_SESSION_TOKEN"), Source: "env"}, nil
		}
	}
	if id, sec := s.get("aws_access_key_id"), s.get("aws_secret_access_key"); id != "" && sec != "" {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: sec, SessionToken: s.get("aws_session_token"), Source: "shared-config"}, nil
	}
	opts := []func(*config.LoadOptions) error{
		config.WithSharedConfigProfile(s.profile),
		config.WithSharedConfigFiles([]string{s.configFile}),
		config.WithSharedCredentialsFiles([]string{s.credsFile}),
	}
	if env.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(env.HTTPClient))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil || cfg.Credentials == nil {
		return aws.Credentials{}, errNoCredentials
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, errNoCredentials
	}
	return c, nil
}

var errNoCredentials = &configError{"Unable to locate credentials. You can configure credentials by running \"aws configure\"."}
