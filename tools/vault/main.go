// Command vault is HashiCorp Vault's own main, built from the Vault Go module so
// that the project's tests can run a real `vault server -dev` on a machine that
// has nothing but Go. It lives in its own module so that the library's users
// never download Vault (BUSL-1.1) or its ~490 dependencies.
package main

import (
	"os"

	"github.com/hashicorp/vault/command"
)

func main() { os.Exit(command.Run(os.Args[1:])) }
