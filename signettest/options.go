package signettest

import (
	"context"
	"log/slog"

	"github.com/signet-auth/signet"
	"github.com/signet-auth/signet/authserver"
)

// Assignment is an (account, role) a user may act in.
type Assignment = signet.Assignment

// Lifetimes are the server's token, session and credential lifetimes;
// zero fields keep the defaults.
type Lifetimes = authserver.Lifetimes

// A Person plays the browser step of a login: it is given the URL the CLI
// would open (the authorization request) and the user and password the
// login is for, and must bring the browser to the redirect the login
// waits for, as someone clicking through the pages would. Browse does that
// for a person who approves. An error ends the login with it; a Person that
// returns nil without finishing leaves the login waiting until its context
// ends (or LoginTimeout, if the context has no deadline). For a device-flow login the URL is the verification URL with the
// user code in it, and the login polls until the code is decided.
type Person func(ctx context.Context, authorizeURL, user, password string) error

// The user a server has when the test names none.
const (
	DefaultUser     = "dev"
	DefaultPassword = "correct horse battery staple"
	DefaultAccount  = "123456789012"
	DefaultRole     = "Admin"
)

// Option varies a server.
type Option func(*options)

type user struct {
	name, password string
	assignments    []Assignment
}

type options struct {
	users       []user
	autoApprove bool
	lifetimes   Lifetimes
	log         *slog.Logger
	person      Person
}

// WithUser adds a user with a password and the assignments it may act in.
// The first user added is the one auto-approval signs in as. Without any
// WithUser the server has DefaultUser, assigned DefaultAccount/DefaultRole.
func WithUser(name, password string, assignments ...Assignment) Option {
	return func(o *options) {
		o.users = append(o.users, user{name: name, password: password, assignments: assignments})
	}
}

// WithAutoApprove turns on the server's --dev-auto-approve: every
// authorization request and device authorization is approved at once as
// the first user (with its first assignment), without any page.
func WithAutoApprove(on bool) Option { return func(o *options) { o.autoApprove = on } }

// WithLifetimes sets the server's lifetimes.
func WithLifetimes(l Lifetimes) Option { return func(o *options) { o.lifetimes = l } }

// WithLogger sends the server's log to l (by default it is discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithPerson sets who plays the browser step of the logins; nil (the
// default) is Browse.
func WithPerson(p Person) Option { return func(o *options) { o.person = p } }
