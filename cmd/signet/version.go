package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// What `make release` stamps into the binary with
//
//	-ldflags "-X main.buildVersion=v1.2.3 -X main.buildCommit=<sha> -X main.buildDate=<RFC 3339>"
//
// They are constants in all but name: the linker writes them, nothing
// assigns them at run time. Empty, the build information the Go toolchain
// records (module version, VCS revision and time) stands in.
var (
	buildVersion string
	buildCommit  string
	buildDate    string
)

// buildInfo is what `signet version` reports.
type buildInfo struct {
	Version  string // module version, or "devel"
	Commit   string // VCS revision, or "unknown"
	Date     string // commit or build time, or "unknown"
	Modified bool   // built from a work tree with uncommitted changes
	Go       string // toolchain version
}

// readBuildInfo combines the linker's stamps with what the toolchain
// recorded; a stamp wins over the recorded value.
func readBuildInfo(bi *debug.BuildInfo, ok bool, version, commit, date string) buildInfo {
	info := buildInfo{Version: "devel", Commit: "unknown", Date: "unknown", Go: runtime.Version()}
	if ok {
		info.Go = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.time":
				info.Date = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		info.Version = version
	}
	if commit != "" {
		info.Commit = commit
	}
	if date != "" {
		info.Date = date
	}
	return info
}

func (a *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, ok := debug.ReadBuildInfo()
			info := readBuildInfo(bi, ok, buildVersion, buildCommit, buildDate)
			commit := info.Commit
			if info.Modified {
				commit += " (modified)"
			}
			fmt.Fprintf(a.stdout, "signet %s\ncommit %s\nbuilt  %s\ngo     %s %s/%s\n",
				info.Version, commit, info.Date, info.Go, runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
