package awssm_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

func listValues(st *secrets.Store) (map[string]string, error) {
	got := map[string]string{}
	for s, err := range st.List(ctx, secrets.ListOptions{WithValues: true}) {
		if err != nil {
			return got, err
		}
		got[s.Key] = s.Value
	}
	return got, nil
}

// TestListDropsVanishedSecrets (8.7): a secret deleted between ListSecrets
// and BatchGetSecretValue is left out of the page, not listed with "".
func TestListDropsVanishedSecrets(t *testing.T) {
	needServer(t)
	f := newFaulty()
	st, p := faultyStore(t, f, 0)
	for _, k := range []string{"A", "B", "C"} {
		if _, err := st.Create(ctx, secrets.Secret{Key: k, Value: "v-" + k}); err != nil {
			t.Fatal(err)
		}
	}
	raw := rawClient(t, nil)
	f.wrap("BatchGetSecretValue", func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
		_, err := raw.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(p + "/_global/B"), ForceDeleteWithoutRecovery: aws.Bool(true)})
		if err != nil {
			t.Errorf("deleting B behind the listing: %v", err)
		}
		return next.RoundTrip(r)
	})
	got, err := listValues(st)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"A": "v-A", "C": "v-C"}, got); diff != "" {
		t.Errorf("listing with B deleted behind it (-want +got):\n%s", diff)
	}
}

// TestListBatchErrorCodes (8.7): a per-secret error of BatchGetSecretValue
// is classified by its own code. The server's answer is real; the test moves
// one secret of it from SecretValues to Errors.
func TestListBatchErrorCodes(t *testing.T) {
	needServer(t)
	for _, tc := range []struct {
		code string
		want secrets.Code
	}{
		{"AccessDeniedException", secrets.PermissionDenied},
		{"DecryptionFailure", secrets.Internal},
		{"InternalServiceError", secrets.Unavailable},
		{"InvalidRequestException", secrets.FailedPrecondition},
		{"SomethingNew", secrets.Unknown},
	} {
		t.Run(tc.code, func(t *testing.T) {
			f := newFaulty()
			st, _ := faultyStore(t, f, 0)
			for _, k := range []string{"A", "B"} {
				if _, err := st.Create(ctx, secrets.Secret{Key: k, Value: "v-" + k}); err != nil {
					t.Fatal(err)
				}
			}
			f.wrap("BatchGetSecretValue", func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
				resp, err := next.RoundTrip(r)
				if err != nil || resp.StatusCode != 200 {
					return resp, err
				}
				return failOneValue(t, resp, tc.code), nil
			})
			_, err := listValues(st)
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Errorf("code %v, want %v (%v)", got, tc.want, err)
			}
			if err != nil && strings.Contains(err.Error(), "v-") {
				t.Errorf("error text holds a value: %v", err)
			}
		})
	}
}

// failOneValue moves the first secret of a BatchGetSecretValue answer from
// SecretValues to Errors with the given code.
func failOneValue(t *testing.T, resp *http.Response, code string) *http.Response {
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Error(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Errorf("BatchGetSecretValue answer: %v", err)
	}
	vals, _ := out["SecretValues"].([]any)
	if len(vals) > 0 {
		first := vals[0].(map[string]any)
		out["SecretValues"] = vals[1:]
		errs, _ := out["Errors"].([]any)
		out["Errors"] = append(errs, map[string]any{"SecretId": first["ARN"], "ErrorCode": code, "Message": "injected by the test"})
	}
	b, _ = json.Marshal(out)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
	resp.Header.Del("X-Amz-Crc32")
	return resp
}
