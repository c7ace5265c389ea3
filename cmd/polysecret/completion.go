package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// completionExamples are the examples of cobra's shell completion commands
// (bash, zsh, fish, powershell), which come without any.
var completionExamples = map[string]string{
	"completion": `  polysecret completion bash > /etc/bash_completion.d/polysecret
  polysecret completion zsh > "${fpath[1]}/_polysecret"
  polysecret completion fish > ~/.config/fish/completions/polysecret.fish`,
	"bash":       `  source <(polysecret completion bash)`,
	"zsh":        `  polysecret completion zsh > "${fpath[1]}/_polysecret"`,
	"fish":       `  polysecret completion fish | source`,
	"powershell": `  polysecret completion powershell | Out-String | Invoke-Expression`,
}

// addCompletion adds cobra's completion command now (rather than when the
// command runs), gives it and its subcommands examples, and names the
// environment twins of their flags.
func addCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = completionExamples["completion"]
		for _, sub := range c.Commands() {
			sub.Example = completionExamples[sub.Name()]
			// Its flags (--no-descriptions) have environment twins too.
			sub.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if f.Name != "help" {
					f.Usage += " (env " + envName(f.Name) + ")"
				}
			})
		}
	}
}
