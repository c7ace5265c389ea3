package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/polysecret/secrets/locker"
)

// cmdLockerraw reads a secret as Locker's own SDKs do, without the driver:
// the locker package's Client (the access key's project key, the lookup
// hash, the field decryption) and a plain GET /v1/secrets?hash= on the
// script's lockertest server. lockerraw ENV KEY ("" = global) prints
// value=<decrypted value>.
func cmdLockerraw(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: lockerraw ENV KEY")
	}
	env, key := args[0], args[1]
	ctx := context.Background()
	base := ts.Getenv("LOCKER_API")
	c, err := locker.NewClient(ctx, locker.ClientOptions{APIBase: base,
		AccessKeyID: ts.Getenv("LOCKER_ACCESS_KEY_ID"), SecretAccessKey: ts.Getenv("LOCKER_SECRET_ACCESS_KEY")})
	ts.Check(err)
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/v1/secrets?"+url.Values{"hash": {c.Hash(key)}, "page": {"1"}, "size": {"100"}}.Encode(), nil)
	ts.Check(err)
	req.Header.Set("Authorization", "Bearer "+ts.Getenv("LOCKER_ACCESS_KEY_ID"))
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("lockerraw: GET /v1/secrets: %s", resp.Status)
	}
	var page struct {
		Results []struct {
			Key             string  `json:"key"`
			SecretHash      string  `json:"secret_hash"`
			Value           string  `json:"value"`
			EnvironmentHash *string `json:"environment_hash"`
		} `json:"results"`
	}
	ts.Check(json.NewDecoder(resp.Body).Decode(&page))
	envHash := ""
	if env != "" {
		envHash = c.Hash(env)
	}
	found := 0
	for _, r := range page.Results {
		eh := ""
		if r.EnvironmentHash != nil {
			eh = *r.EnvironmentHash
		}
		if r.SecretHash != c.Hash(key) || eh != envHash {
			continue
		}
		k, err := c.Decrypt("key", r.Key)
		ts.Check(err)
		if k != key {
			ts.Fatalf("lockerraw: the record's key is %q, its hash says %q", k, key)
		}
		v, err := c.Decrypt("value", r.Value)
		ts.Check(err)
		found++
		if !neg {
			fmt.Fprintf(ts.Stdout(), "value=%s\n", v)
		}
	}
	switch {
	case neg && found > 0:
		ts.Fatalf("lockerraw: %q in %q exists", key, env)
	case !neg && found != 1:
		ts.Fatalf("lockerraw: %d records of %q in %q, want 1", found, key, env)
	}
}
