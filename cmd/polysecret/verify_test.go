package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/vault/api"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/locker/lockertest"
)

// cmdLibget reads a secret of one exact scope with the library, not the
// command: libget URL ENV KEY prints value, type, description, labels and
// whether it has an expiry, one per line.
func cmdLibget(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: libget URL ENV KEY")
	}
	ctx := context.Background()
	s, err := openWithScriptEnv(ctx, ts, args[0])
	ts.Check(err)
	defer s.Close()
	sec, err := s.In(args[1]).Get(ctx, args[2], secrets.IncludeExpired())
	if err == nil && sec.Environment != args[1] {
		err = fmt.Errorf("found only the global secret")
	}
	if neg {
		if err == nil {
			ts.Fatalf("libget: %s/%s exists", args[1], args[2])
		}
		return
	}
	ts.Check(err)
	var labels []string
	for k, v := range sec.Labels {
		labels = append(labels, k+"="+v)
	}
	fmt.Fprintf(ts.Stdout(), "value=%s\ntype=%s\ndescription=%s\nlabels=%s\nexpires=%v\n",
		sec.Value, sec.Type, sec.Description, strings.Join(labels, ","), !sec.ExpiresAt.IsZero())
}

// cmdVaultraw reads a KV v2 path with Vault's own client: vaultraw PATH
// prints the field "value" of its data.
func cmdVaultraw(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: vaultraw PATH")
	}
	cfg := api.DefaultConfig()
	cfg.Address = ts.Getenv("VAULT_ADDR")
	c, err := api.NewClient(cfg)
	ts.Check(err)
	c.SetToken(ts.Getenv("VAULT_TOKEN"))
	sec, err := c.Logical().Read("secret/data/" + args[0])
	ts.Check(err)
	if sec == nil || sec.Data["data"] == nil {
		if !neg {
			ts.Fatalf("vaultraw: nothing at secret/data/%s", args[0])
		}
		return
	}
	if neg {
		ts.Fatalf("vaultraw: secret/data/%s exists", args[0])
	}
	data, _ := sec.Data["data"].(map[string]any)
	fmt.Fprintf(ts.Stdout(), "value=%v\n", data["value"])
}

// cmdLockerfail makes the script's lockertest server fail every write
// (any request but a GET) after the next N with 503 — a backend that goes
// down in the middle of a copy; "lockerfail off" heals it.
func cmdLockerfail(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: lockerfail N|off")
	}
	srv := ts.Value(lockerKey{}).(*lockertest.Server)
	if args[0] == "off" {
		srv.OnRequest(nil)
		return
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	var writes atomic.Int64
	srv.OnRequest(func(r *http.Request) {
		if r.Method != http.MethodGet && writes.Add(1) > int64(n) {
			srv.FailNext(1, http.StatusServiceUnavailable, 0)
		}
	})
}
