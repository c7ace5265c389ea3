// Package lockercrypto is Locker Secrets' client-side encryption, as the
// official Locker Go SDK does it: keys derived from the secret access key by
// HKDF-Expand, the project key unwrapped from the access key's profile, and
// every field an "EncString type 2" (AES-256-CBC, PKCS#7, HMAC-SHA256 over
// IV‖ciphertext, verified in constant time before decrypting). Lookup hashes
// let the server find keys and environment names without seeing them.
package lockercrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// Errors. Their text never contains plaintext or key material.
var (
	ErrMalformed = errors.New("malformed EncString")
	ErrMAC       = errors.New("EncString MAC does not verify")
	ErrKey       = errors.New("invalid secret access key")
)

// Keys is an AES-256 key and an HMAC-SHA256 key.
type Keys struct{ Enc, Mac []byte }

// AccessKeys derives the keys of a secret access key: base64-decode it, then
// HKDF-Expand(SHA-256, info "enc" and "mac", 32 bytes each), no Extract.
func AccessKeys(secretAccessKey string) (Keys, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secretAccessKey))
	if err != nil || len(raw) == 0 {
		return Keys{}, ErrKey
	}
	enc, err := hkdf.Expand(sha256.New, raw, "enc", 32)
	if err != nil {
		return Keys{}, ErrKey
	}
	mac, err := hkdf.Expand(sha256.New, raw, "mac", 32)
	if err != nil {
		return Keys{}, ErrKey
	}
	return Keys{Enc: enc, Mac: mac}, nil
}

// ProjectKeys decrypts a profile's key EncString with the access keys: its
// first 32 bytes are the project's AES key, the next 32 its MAC key.
func ProjectKeys(access Keys, profileKey string) (Keys, error) {
	b, err := access.Decrypt(profileKey)
	if err != nil {
		return Keys{}, err
	}
	if len(b) < 64 {
		return Keys{}, ErrMalformed
	}
	return Keys{Enc: b[:32:32], Mac: b[32:64:64]}, nil
}

// NewProjectKeys makes random project keys.
func NewProjectKeys() (Keys, error) {
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		return Keys{}, err
	}
	return Keys{Enc: b[:32:32], Mac: b[32:]}, nil
}

// Wrap encrypts inner's keys with k: the profile key of an access key.
func (k Keys) Wrap(inner Keys) (string, error) {
	return k.Encrypt(append(append([]byte{}, inner.Enc...), inner.Mac...))
}

func (k Keys) valid() bool { return len(k.Enc) == 32 && len(k.Mac) == 32 }

// Encrypt returns the EncString type 2 of plaintext, with a random IV.
func (k Keys) Encrypt(plaintext []byte) (string, error) {
	if !k.valid() {
		return "", ErrKey
	}
	block, err := aes.NewCipher(k.Enc)
	if err != nil {
		return "", err
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, len(plaintext)+pad)
	copy(buf, plaintext)
	for i := len(plaintext); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	m := hmac.New(sha256.New, k.Mac)
	m.Write(iv)
	m.Write(buf)
	enc := base64.StdEncoding
	return "2." + enc.EncodeToString(iv) + "|" + enc.EncodeToString(buf) + "|" + enc.EncodeToString(m.Sum(nil)), nil
}

// Parse splits an EncString type 2 into IV, ciphertext and MAC, checking
// their sizes.
func Parse(s string) (iv, ct, mac []byte, err error) {
	rest, ok := strings.CutPrefix(s, "2.")
	if !ok {
		return nil, nil, nil, ErrMalformed
	}
	parts := strings.Split(rest, "|")
	if len(parts) != 3 {
		return nil, nil, nil, ErrMalformed
	}
	enc := base64.StdEncoding
	if iv, err = enc.DecodeString(parts[0]); err != nil || len(iv) != aes.BlockSize {
		return nil, nil, nil, ErrMalformed
	}
	if ct, err = enc.DecodeString(parts[1]); err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, nil, nil, ErrMalformed
	}
	if mac, err = enc.DecodeString(parts[2]); err != nil || len(mac) != sha256.Size {
		return nil, nil, nil, ErrMalformed
	}
	return iv, ct, mac, nil
}

// Decrypt verifies the MAC of an EncString in constant time, then decrypts
// it and checks its padding. It returns all of the plaintext or an error,
// never a part.
func (k Keys) Decrypt(s string) ([]byte, error) {
	if !k.valid() {
		return nil, ErrKey
	}
	iv, ct, mac, err := Parse(s)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, k.Mac)
	m.Write(iv)
	m.Write(ct)
	if !hmac.Equal(m.Sum(nil), mac) {
		return nil, ErrMAC
	}
	block, err := aes.NewCipher(k.Enc)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ct)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > aes.BlockSize {
		clear(out)
		return nil, ErrMalformed
	}
	bad := 0
	for _, b := range out[len(out)-pad:] {
		bad |= subtle.ConstantTimeByteEq(b, byte(pad)) ^ 1
	}
	if bad != 0 {
		clear(out)
		return nil, ErrMalformed
	}
	return out[:len(out)-pad], nil
}

// IsEncString reports whether s has the shape the SDK decrypts (2.…|…|…).
func IsEncString(s string) bool {
	return strings.HasPrefix(s, "2.") && strings.Count(s, "|") >= 2
}

// LookupHash is base64url-unpadded SHA-256 of the decimal project id
// followed by the plaintext.
func LookupHash(projectID int, plaintext string) string {
	h := sha256.Sum256([]byte(strconv.Itoa(projectID) + plaintext))
	return base64.RawURLEncoding.EncodeToString(h[:])
}
