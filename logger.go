package signet

import "log/slog"

// LoggerOr returns l, or a logger that discards every record when l is nil:
// the one default for an optional injected logger, so a component built
// without one logs nowhere instead of panicking or reaching for slog.Default.
func LoggerOr(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
