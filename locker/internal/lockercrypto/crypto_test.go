package lockercrypto

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

type vectors struct {
	AccessKeySecret string `json:"access_key_secret"`
	Derived         struct {
		EncKeyHex string `json:"enc_key_hex"`
		MacKeyHex string `json:"mac_key_hex"`
	} `json:"derived"`
	FieldEncryption []struct {
		PlaintextHex string `json:"plaintext_hex"`
		EncString    string `json:"encstring"`
	} `json:"field_encryption"`
	LookupHash []struct {
		ProjectID int    `json:"project_id"`
		Plaintext string `json:"plaintext"`
		Hash      string `json:"hash"`
	} `json:"lookup_hash"`
	ProfileKey string `json:"profile_key_encstring"`
	ProjectKey struct {
		SymKey    string `json:"sym_key"`
		SymMacKey string `json:"sym_mac_key"`
	} `json:"project_key_hex"`
}

func load(t testing.TB) vectors {
	b, err := os.ReadFile("testdata/locker-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectors reproduces every vector made with the official Locker Go SDK.
func TestVectors(t *testing.T) {
	v := load(t)
	access, err := AccessKeys(v.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(access.Enc, unhex(t, v.Derived.EncKeyHex)) || !bytes.Equal(access.Mac, unhex(t, v.Derived.MacKeyHex)) {
		t.Fatal("derived access keys differ from the vectors")
	}
	proj, err := ProjectKeys(access, v.ProfileKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(proj.Enc, unhex(t, v.ProjectKey.SymKey)) || !bytes.Equal(proj.Mac, unhex(t, v.ProjectKey.SymMacKey)) {
		t.Fatal("unwrapped project keys differ from the vectors")
	}
	if len(v.FieldEncryption) == 0 || len(v.LookupHash) == 0 {
		t.Fatal("vectors file has no cases")
	}
	for _, fe := range v.FieldEncryption {
		got, err := proj.Decrypt(fe.EncString)
		if err != nil {
			t.Fatalf("decrypt %s: %v", fe.EncString, err)
		}
		want := unhex(t, fe.PlaintextHex)
		if !bytes.Equal(got, want) {
			t.Errorf("decrypt: got %x, want %x", got, want)
		}
		// and our own encryption round-trips through the same code
		enc, err := proj.Encrypt(want)
		if err != nil {
			t.Fatal(err)
		}
		if enc == fe.EncString {
			t.Error("encryption reused the vector's IV")
		}
		back, err := proj.Decrypt(enc)
		if err != nil || !bytes.Equal(back, want) {
			t.Errorf("round trip: %x, %v", back, err)
		}
	}
	for _, lh := range v.LookupHash {
		if got := LookupHash(lh.ProjectID, lh.Plaintext); got != lh.Hash {
			t.Errorf("LookupHash(%d, %q) = %s, want %s", lh.ProjectID, lh.Plaintext, got, lh.Hash)
		}
	}
}

func TestWrongKeyAndTampering(t *testing.T) {
	v := load(t)
	wrong, _ := AccessKeys("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	if _, err := ProjectKeys(wrong, v.ProfileKey); !errors.Is(err, ErrMAC) {
		t.Fatalf("wrong access key: %v, want ErrMAC", err)
	}
	if _, err := AccessKeys("not base64!"); !errors.Is(err, ErrKey) {
		t.Fatalf("bad secret access key: %v", err)
	}
	access, _ := AccessKeys(v.AccessKeySecret)
	proj, _ := ProjectKeys(access, v.ProfileKey)
	good := v.FieldEncryption[1].EncString
	iv, ct, mac, _ := Parse(good)
	ct[0] ^= 1
	tampered := "2." + b64(iv) + "|" + b64(ct) + "|" + b64(mac)
	if out, err := proj.Decrypt(tampered); !errors.Is(err, ErrMAC) || out != nil {
		t.Fatalf("tampered ciphertext: %q, %v", out, err)
	}
	for _, bad := range []string{"", "2.", "3.a|b|c", "2.a|b", "2.!!|!!|!!", good + "|x", strings.Replace(good, "2.", "2.AA", 1)} {
		if _, err := proj.Decrypt(bad); err == nil {
			t.Errorf("Decrypt(%q) succeeded", bad)
		}
	}
	// valid MAC over bad padding
	bp, _ := proj.Encrypt([]byte("0123456789abcdef"))
	iv, ct, _, _ = Parse(bp)
	ct = ct[:16] // drops the padding block: last byte of plaintext is 'f'
	m := macOf(proj, iv, ct)
	if _, err := proj.Decrypt("2." + b64(iv) + "|" + b64(ct) + "|" + b64(m)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad padding: %v", err)
	}
}

func FuzzParseEncString(f *testing.F) {
	v := load(f)
	for _, fe := range v.FieldEncryption {
		f.Add(fe.EncString)
	}
	f.Add("2.||")
	f.Add("2.AAAA|AAAA|AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		iv, ct, mac, err := Parse(s)
		if err == nil && (len(iv) != 16 || len(ct)%16 != 0 || len(ct) == 0 || len(mac) != 32) {
			t.Fatalf("Parse accepted bad sizes: %d %d %d", len(iv), len(ct), len(mac))
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	v := load(f)
	access, _ := AccessKeys(v.AccessKeySecret)
	proj, _ := ProjectKeys(access, v.ProfileKey)
	for _, fe := range v.FieldEncryption {
		f.Add(fe.EncString)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := proj.Decrypt(s)
		if err != nil && out != nil {
			t.Fatal("error with partial plaintext")
		}
		if err == nil {
			// whatever decrypts must have been made with the key: re-encrypt round trip
			enc, _ := proj.Encrypt(out)
			back, err := proj.Decrypt(enc)
			if err != nil || !bytes.Equal(back, out) {
				t.Fatal("round trip failed")
			}
		}
	})
}
