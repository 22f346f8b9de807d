package config

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// parseAccounts reads --account entries, "ID=NAME" or "ID=NAME <EMAIL>",
// into c.accounts.
func (c *Config) parseAccounts() error {
	c.accounts = map[string]Account{}
	var errs []error
	for _, a := range c.Accounts {
		id, rest, ok := strings.Cut(a, "=")
		id, rest = strings.TrimSpace(id), strings.TrimSpace(rest)
		if !ok || !accountIDRe.MatchString(id) || rest == "" {
			errs = append(errs, fmt.Errorf("--account %q: want ID=NAME or ID=NAME <EMAIL> with a 12-digit ID", a))
			continue
		}
		acct := Account{Name: rest}
		if strings.HasSuffix(rest, ">") {
			addr, err := mail.ParseAddress(rest)
			if err != nil || addr.Name == "" {
				errs = append(errs, fmt.Errorf("--account %q: want NAME <EMAIL> after the id", a))
				continue
			}
			acct = Account{Name: addr.Name, Email: addr.Address}
		}
		if _, dup := c.accounts[id]; dup {
			errs = append(errs, fmt.Errorf("--account: %s is named twice", id))
			continue
		}
		c.accounts[id] = acct
	}
	return errors.Join(errs...)
}
