package awscli

// The tables in model_gen.go describe, for each service signet serves, the
// operations and the shapes of their inputs and outputs: what the AWS CLI
// reads from botocore's service-2.json. They are written by
// internal/gen from the models under docs/spec/aws/models (and the sso
// and sts models of the installed botocore); only structure is kept, no
// documentation.

// Service is one AWS service as the command line sees it.
type Service struct {
	Name        string // command name, botocore's service name: "sso-oidc"
	ServiceID   string // model serviceId: "SSO OIDC"; AWS_ENDPOINT_URL_<ID> and the services-section key derive from it
	Prefix      string // endpointPrefix: "oidc"
	SigningName string // SigV4 service name: "sso-oauth"
	Protocol    string // "rest-json" or "query"
	APIVersion  string
	XMLNS       string // query protocol: response namespace
	Operations  []*Operation
	Shapes      map[string]*Shape
}

// Operation is one API operation.
type Operation struct {
	Name       string // "CreateToken"
	CLIName    string // botocore xform_name with '-': "create-token"
	Method     string
	RequestURI string // may carry a literal query: "/token?aws_iam=t"
	Input      string // shape name, "" for none
	Output     string // shape name, "" for none
	Wrapper    string // query protocol: output result wrapper element
	Unsigned   bool   // authtype none / smithy.api#noAuth
}

// Shape is a model shape.
type Shape struct {
	Name      string
	Type      string // structure list map string integer long boolean timestamp blob float double
	Members   []Member
	Required  []string
	Payload   string // structure: the member that is the HTTP body
	Member    string // list: element shape
	Key       string // map: key shape
	Value     string // map: value shape
	Enum      []string
	Min       *int64
	Max       *int64
	Sensitive bool
}

// Member is a structure member.
type Member struct {
	Name         string
	Shape        string
	Location     string // "", "uri", "querystring", "header"
	LocationName string // wire name when it differs ("" = Name)
}

// WireName is the name on the wire: the JSON key, query key or header.
func (m Member) WireName() string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

func (s *Shape) member(name string) (Member, bool) {
	for _, m := range s.Members {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

func (s *Shape) isRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

func int64p(v int64) *int64 { return &v }
