package abeja_test

import (
	"context"
	"fmt"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/abeja/abejatest"
)

// A store on an organization of an in-process ABEJA server: values change
// through versions, and keys follow ABEJA's name rule.
func Example() {
	ctx := context.Background()
	srv := abejatest.NewServer()
	defer srv.Close()
	org := srv.NewOrganization()
	user, token := srv.NewUser(org)

	// In production: abeja.NewClient(abeja.ClientOptions{}) reads
	// ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN (or
	// PLATFORM_AUTH_TOKEN), and ABEJA_API_URL.
	c, err := abeja.NewClient(abeja.ClientOptions{APIURL: srv.URL(), UserID: user, PersonalAccessToken: token})
	if err != nil {
		panic(err)
	}
	st, err := abeja.New(c, abeja.Options{Organization: org})
	if err != nil {
		panic(err)
	}
	defer st.Close()

	if _, err := st.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "first", Description: "primary database"}); err != nil {
		panic(err)
	}
	if _, err := st.Modify(ctx, "DB_PASSWORD", secrets.Update{Value: secrets.Ptr("rotated")}); err != nil {
		panic(err)
	}
	v, _ := st.Value(ctx, "DB_PASSWORD")
	vs, _ := st.Versions(ctx, "DB_PASSWORD")
	old, _ := st.Get(ctx, "DB_PASSWORD", secrets.AtVersion(vs[0].ID))
	fmt.Println(v, len(vs), old.Value)

	_, err = st.Create(ctx, secrets.Secret{Key: "db/password", Value: "x"})
	fmt.Println(secrets.ErrorCode(err))
	_, err = st.In("prod").Get(ctx, "DB_PASSWORD")
	fmt.Println(secrets.ErrorCode(err))
	// Output:
	// rotated 2 first
	// InvalidArgument
	// Unimplemented
}
