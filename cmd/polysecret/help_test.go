package main

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}

// Every command documents itself with examples (the shell completion
// commands too), and every flag names its environment twin correctly.
func TestHelpEveryCommand(t *testing.T) {
	root := newRoot(&app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	seen := map[string]bool{}
	defer func() {
		for _, want := range []string{"polysecret completion bash", "polysecret completion zsh", "polysecret completion fish"} {
			if !seen[want] {
				t.Errorf("no command %q", want)
			}
		}
	}()
	walk(root, func(c *cobra.Command) {
		seen[c.CommandPath()] = true
		if c.Name() == "help" {
			return
		}
		t.Run(c.CommandPath(), func(t *testing.T) {
			if strings.TrimSpace(c.Example) == "" {
				t.Errorf("%s: no Example", c.CommandPath())
			}
			if c.Short == "" {
				t.Errorf("%s: no Short", c.CommandPath())
			}
			c.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if f.Name == "help" {
					return
				}
				if want := "(env " + envName(f.Name) + ")"; !strings.Contains(f.Usage, want) {
					t.Errorf("--%s: usage %q does not name %s", f.Name, f.Usage, want)
				}
			})
		})
	})
}

// The exit status table in --help is the one the command uses.
func TestHelpExitTable(t *testing.T) {
	for _, e := range exitCodes {
		re := regexp.MustCompile(`\b` + strconv.Itoa(e.status) + `  ` + e.code.String() + `\b`)
		if !re.MatchString(exitHelp) {
			t.Errorf("--help does not say %d  %s", e.status, e.code)
		}
	}
}
