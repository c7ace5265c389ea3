// Package psvar is a gocloud.dev/runtimevar driver over polysecret: any
// secret of any polysecret store becomes a *runtimevar.Variable, for
// programs already written against the Go CDK.
//
// It is named psvar, not runtimevar (its directory), so that programs can
// import it next to gocloud.dev/runtimevar without renaming either, as
// gocloud's own drivers are named constantvar, filevar, blobvar. It is a
// module of its own (github.com/polysecret/secrets/runtimevar), so that
// the polysecret library does not depend on gocloud.dev's runtimevar for
// programs that do not use it.
//
// # From code
//
//	store, _ := secrets.OpenStore(ctx, "vault://secret/myapp?env=prod&cache_ttl=1m")
//	v, err := psvar.OpenVariable(store, "DB_PASSWORD", runtimevar.StringDecoder, nil)
//	snap, err := v.Latest(ctx) // snap.Value.(string)
//
// The key is read as store.Get reads it (the store's scope, else the
// global secret; "DATABASE#password" selects one field of a JSON object).
// Closing the Variable leaves the store open.
//
// # From a URL
//
// The package registers the scheme polysecret on runtimevar.DefaultURLMux;
// everything is in the query:
//
//	polysecret://?url=<polysecret URL, query-escaped>&key=<key>[&decoder=<name>][&wait=<duration>]
//
// for example
//
//	runtimevar.OpenVariable(ctx, "polysecret://?url=vault%3A%2F%2Fsecret%2Fmyapp%3Fenv%3Dprod&key=DB_PASSWORD&decoder=string")
//
// url is any URL secrets.OpenStore accepts (its env, cache_* and driver
// parameters included; import the drivers it needs, as with
// secrets.OpenStore); key may hold a #field selector (escape # as %23);
// decoder is one of runtimevar.DecoderByName's names (bytes by default,
// string, jsonmap, decrypt…); wait is how often the secret is read (30 s by
// default). Any other parameter, a host or a path is an error. The store
// opened from url belongs to the Variable: Variable.Close closes it.
// Secret inputs (tokens, passwords) still come from the environment, never
// from the URL.
//
// # Watching
//
// WatchVariable polls: each call reads the secret once with Store.Get and
// returns a new State when the secret (scope, version or value) or the
// error code differs from the previous State's — else nil —, and always
// the wait, after which runtimevar calls it again. It does not use
// Store.Watch: Watch is a stream bound to one context whose next change
// arrives at the store's watch interval, while driver.Watcher is one call
// per check with its own context, which must see a change made since the
// previous call (gocloud's conformance suite updates the variable and
// calls WatchVariable at once). Each Variable therefore polls on its own;
// put a cache in front (cache_ttl) to answer many Variables of one key
// with one backend read per TTL.
//
// Errors: codes map as gocdk.GCErrorCode says (gcerrors.Code of a
// Variable's error); Variable.ErrorAs reaches *secrets.Error and what
// Store.ErrorAs reaches (the backend's own error types). A value the
// decoder rejects is InvalidArgument, and its text does not hold the
// decoder's message, which may quote the value (errors.As reaches the
// decoder's error). Snapshot.As exposes the *secrets.Store and a copy of
// the *secrets.Secret read.
package psvar
