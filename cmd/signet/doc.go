// Command signet is the signet token service and its administration tool in
// one binary:
//
//	signet serve [--dev]      run the server
//	signet admin ...          manage users, clients, keys and sessions in the store
//	signet version            print the version, commit and build date
//	signet healthcheck        exit 0 if the server's /readyz answers 200
//
// main only calls run, which takes everything from the outside world as
// arguments (context, arguments, environment, standard streams), so that
// tests run the real command in-process. The configuration is package
// internal/config's; the server is assembled by package internal/app, the
// same assembly the tests drive (internal/testenv).
package main
