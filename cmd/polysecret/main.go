// Command polysecret reads, writes, lists, exports, imports, copies and
// compares secrets in any store the polysecret library opens by URL
// (vault://, awssm://, locker://, file://, abeja://, datalayer://,
// rest:// (a polysecret serve gateway), mem://), and runs programs with
// secrets in their environment. Run `polysecret --help` for the commands, the
// environment twin of every flag, and the exit codes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/polysecret/secrets/abeja"     // abeja://
	_ "github.com/polysecret/secrets/awssm"     // awssm://
	_ "github.com/polysecret/secrets/datalayer" // datalayer://
	_ "github.com/polysecret/secrets/file"      // file://
	_ "github.com/polysecret/secrets/locker"    // locker://
	_ "github.com/polysecret/secrets/memory"    // mem://
	_ "github.com/polysecret/secrets/rest"      // rest://
	_ "github.com/polysecret/secrets/vault"     // vault://
)

func main() { os.Exit(Main()) }

// Main runs the command with os.Args and returns its exit status (the
// testscript tests register it as the polysecret command).
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runApp(ctx, &app{stdin: stdin, stdout: stdout, stderr: stderr, isTerminal: isTerminal}, args)
}

// runApp runs the command with a's streams (tests give a fake terminal).
func runApp(ctx context.Context, a *app, args []string) int {
	root := newRoot(a)
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	status, label := exitStatus(err)
	if _, quiet := err.(silentError); !quiet {
		fmt.Fprintf(a.stderr, "polysecret: %s: %v\n", label, err)
	}
	return status
}
