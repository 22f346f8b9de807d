package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limit is N events per Per. As a token bucket (per node) it holds N tokens
// and refills N every Per, so it admits a burst of N and N per Per after
// that; as a shared fixed window it admits N failures in each window of
// length Per. The zero Limit is off.
type Limit struct {
	N   int
	Per time.Duration
}

// Off reports whether the limit admits everything.
func (l Limit) Off() bool { return l.N <= 0 || l.Per <= 0 }

// String renders l the way ParseLimit reads it: "10/s", "5/15m", "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	switch l.Per {
	case time.Second:
		return strconv.Itoa(l.N) + "/s"
	case time.Minute:
		return strconv.Itoa(l.N) + "/m"
	case time.Hour:
		return strconv.Itoa(l.N) + "/h"
	}
	return strconv.Itoa(l.N) + "/" + shortDuration(l.Per)
}

// shortDuration drops the zero units time.Duration.String keeps ("15m0s"
// → "15m").
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// maxLimitN bounds N: a bucket of more tokens than this is no limit.
const maxLimitN = 1 << 30

// ParseLimit reads "N/UNIT" where UNIT is s, m, h or a Go duration ("5/15m",
// "100/10s"), or "off" (also "0") for no limit.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	ns, per, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("limit %q: want N/UNIT such as 10/s or 5/15m, or off", s)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > maxLimitN {
		return Limit{}, fmt.Errorf("limit %q: N must be a whole number from 1 to %d", s, maxLimitN)
	}
	var d time.Duration
	switch per {
	case "s":
		d = time.Second
	case "m":
		d = time.Minute
	case "h":
		d = time.Hour
	default:
		if d, err = time.ParseDuration(per); err != nil {
			return Limit{}, fmt.Errorf("limit %q: %q is not s, m, h or a duration", s, per)
		}
	}
	if d < time.Millisecond || d > 24*time.Hour {
		return Limit{}, fmt.Errorf("limit %q: the period must be between 1ms and 24h", s)
	}
	return Limit{N: n, Per: d}, nil
}

// Set implements pflag.Value.
func (l *Limit) Set(s string) error {
	v, err := ParseLimit(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Type implements pflag.Value.
func (l *Limit) Type() string { return "limit" }

// MarshalText implements encoding.TextMarshaler.
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (YAML, JSON).
func (l *Limit) UnmarshalText(b []byte) error { return l.Set(string(b)) }

// UserCodeSpace is the number of user codes signet draws from: 20^10,
// about 2^43.2 (package secret; RFC 8628 §6.1). Ten characters, not the
// eight of RFC 8628's example, so that the odds hold through per-account
// budgets instead of a deployment-wide lock (see UserCodeOdds).
const UserCodeSpace = 10_240_000_000_000

// guessOdds is the most a live user code's odds of being guessed during its
// life may be: 2^-32 (RFC 8628 §5.1).
const guessOdds = 1.0 / (1 << 32)

// GuessOdds is the bound RFC 8628 §5.1 asks for: 2^-32.
const GuessOdds = guessOdds

// UserCodeOdds returns the most odds one guesser holding one budget has of
// guessing one given live code during its lifetime: a fixed window of
// budget.Per fits ⌈lifetime/Per⌉+1 times into any span of the lifetime, so
// the guesser makes at most N·(⌈lifetime/Per⌉+1) misses, each with odds
// 1/space. A guesser must be signed in, and every miss counts against
// their address, their browser session and their account at once, so the
// account budget bounds what one account can do however many addresses
// and sessions it uses; k colluding accounts have k times these odds.
func UserCodeOdds(space float64, budget Limit, lifetime time.Duration) float64 {
	if budget.Off() || space < 1 {
		return 1
	}
	windows := math.Ceil(float64(lifetime)/float64(budget.Per)) + 1
	return float64(budget.N) * windows / space
}

// UserCodeGuesses returns the deployment-wide number of user-code misses
// per lifetime at which the odds of some guesser having guessed one given
// live code reach 2^-32 (RFC 8628 §5.1): windows as long as a code lives,
// so one lifetime spans at most two windows and sees at most 2·N misses,
// and 2·N / space ≤ 2^-32. For 20^10 codes and 10 minutes that is 1192. At
// least 1.
//
// It is an alert threshold, not a budget (catalogue AB-01): when misses on
// the whole deployment pass it, the device page logs an error so that an
// operator can look for colluding accounts; it never refuses anyone, since
// a deployment-wide lock is one any visitor could trip.
func UserCodeGuesses(space float64, lifetime time.Duration) (Limit, error) {
	if space < 1 || lifetime <= 0 {
		return Limit{}, errors.New("ratelimit: user code space and lifetime must be positive")
	}
	n := int(math.Floor(space * guessOdds / 2))
	return Limit{N: max(n, 1), Per: lifetime}, nil
}
