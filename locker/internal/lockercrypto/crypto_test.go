package lockercrypto

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type vectors struct {
	AccessKeySecret string `json:"access_key_secret"`
	Derived         struct {
		EncKeyHex string `json:"enc_key_hex"`
		MacKeyHex string `json:"mac_key_hex"`
	} `json:"derived"`
	FieldEncryption []struct {
		Plaintext    string `json:"plaintext"`
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

// TestVectors reproduces every vector made with the official Locker Go SDK:
// the derived access keys, the unwrapped project key, the decryption of
// each EncString and each lookup hash. Each EncString's plaintext is also
// re-encrypted and round-trips through the same code.
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
	if len(v.FieldEncryption) != 6 || len(v.LookupHash) != 5 {
		t.Fatalf("vectors file has %d EncStrings and %d hashes, want 6 and 5", len(v.FieldEncryption), len(v.LookupHash))
	}
	for i, fe := range v.FieldEncryption {
		t.Run(fmt.Sprintf("encstring/%d", i), func(t *testing.T) {
			want := unhex(t, fe.PlaintextHex)
			if utf8.Valid(want) && string(want) != fe.Plaintext {
				t.Fatalf("vectors file: plaintext %q does not match plaintext_hex", fe.Plaintext)
			}
			if !IsEncString(fe.EncString) {
				t.Errorf("IsEncString(%q) = false", fe.EncString)
			}
			got, err := proj.Decrypt(fe.EncString)
			if err != nil {
				t.Fatalf("decrypt %s: %v", fe.EncString, err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("decrypt (-want +got):\n%s", diff)
			}
			enc, err := proj.Encrypt(want)
			if err != nil {
				t.Fatal(err)
			}
			if enc == fe.EncString {
				t.Error("encryption reused the vector's IV")
			}
			if _, ct, _, _ := Parse(enc); len(ct) != (len(want)/16+1)*16 {
				t.Errorf("ciphertext of %d bytes is %d bytes, want PKCS#7 with a full block when aligned", len(want), len(ct))
			}
			back, err := proj.Decrypt(enc)
			if err != nil || !bytes.Equal(back, want) {
				t.Errorf("round trip: %x, %v", back, err)
			}
		})
	}
	for _, lh := range v.LookupHash {
		t.Run(fmt.Sprintf("hash/%d/%q", lh.ProjectID, lh.Plaintext), func(t *testing.T) {
			if got := LookupHash(lh.ProjectID, lh.Plaintext); got != lh.Hash {
				t.Errorf("LookupHash(%d, %q) = %s, want %s", lh.ProjectID, lh.Plaintext, got, lh.Hash)
			}
		})
	}
}

// TestWrapRoundTrip: a profile key made by Wrap (as lockertest's dashboard
// does) unwraps with the same access key and with no other.
func TestWrapRoundTrip(t *testing.T) {
	proj, err := NewProjectKeys()
	if err != nil {
		t.Fatal(err)
	}
	access, err := AccessKeys("AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=")
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := access.Wrap(proj)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ProjectKeys(access, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(proj, got); diff != "" {
		t.Errorf("unwrapped keys (-want +got):\n%s", diff)
	}
	other, _ := AccessKeys("BwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=")
	if _, err := ProjectKeys(other, wrapped); !errors.Is(err, ErrMAC) {
		t.Errorf("another access key: %v, want ErrMAC", err)
	}
	short, _ := access.Encrypt(make([]byte, 63))
	if _, err := ProjectKeys(access, short); !errors.Is(err, ErrMalformed) {
		t.Errorf("63-byte profile key: %v, want ErrMalformed", err)
	}
	if _, err := (Keys{}).Encrypt([]byte("x")); !errors.Is(err, ErrKey) {
		t.Errorf("Encrypt with no keys: %v, want ErrKey", err)
	}
	if _, err := (Keys{}).Decrypt(wrapped); !errors.Is(err, ErrKey) {
		t.Errorf("Decrypt with no keys: %v, want ErrKey", err)
	}
}

// TestErrorsCarryNoSecrets: no error text contains key bytes or plaintext.
func TestErrorsCarryNoSecrets(t *testing.T) {
	v := load(t)
	access, _ := AccessKeys(v.AccessKeySecret)
	proj, _ := ProjectKeys(access, v.ProfileKey)
	wrong, _ := AccessKeys("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	var errs []error
	for _, fe := range v.FieldEncryption {
		_, err := wrong.Decrypt(fe.EncString)
		errs = append(errs, err)
	}
	_, err := AccessKeys(v.AccessKeySecret + "!")
	errs = append(errs, err)
	_, err = proj.Decrypt("2.secretvalue|x|y")
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("want an error")
		}
		for _, s := range []string{v.AccessKeySecret, "secretvalue", "hello", "DATABASE", fmt.Sprintf("%x", proj.Enc[:8]), fmt.Sprintf("%x", proj.Mac[:8])} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains %q", err, s)
			}
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

// FuzzRoundTrip: any plaintext encrypts and decrypts back whole; flipping
// any one bit of the EncString's decoded parts makes Decrypt fail with no
// output.
func FuzzRoundTrip(f *testing.F) {
	v := load(f)
	access, _ := AccessKeys(v.AccessKeySecret)
	proj, _ := ProjectKeys(access, v.ProfileKey)
	for _, fe := range v.FieldEncryption {
		f.Add(unhex(f, fe.PlaintextHex), uint(0))
	}
	f.Fuzz(func(t *testing.T, plain []byte, bit uint) {
		enc, err := proj.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		back, err := proj.Decrypt(enc)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("round trip: %v", err)
		}
		iv, ct, mac, _ := Parse(enc)
		all := append(append(append([]byte{}, iv...), ct...), mac...)
		bit %= uint(len(all) * 8)
		all[bit/8] ^= 1 << (bit % 8)
		iv, ct, mac = all[:16], all[16:16+len(ct)], all[16+len(ct):]
		out, err := proj.Decrypt("2." + b64(iv) + "|" + b64(ct) + "|" + b64(mac))
		if !errors.Is(err, ErrMAC) || out != nil {
			t.Fatalf("flipped bit %d: %v, %d bytes out", bit, err, len(out))
		}
	})
}

func BenchmarkEncrypt(b *testing.B) {
	k, _ := NewProjectKeys()
	plain := bytes.Repeat([]byte("s"), 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Encrypt(plain); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	k, _ := NewProjectKeys()
	enc, _ := k.Encrypt(bytes.Repeat([]byte("s"), 64))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Decrypt(enc); err != nil {
			b.Fatal(err)
		}
	}
}
