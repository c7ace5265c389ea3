package lockercrypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func macOf(k Keys, iv, ct []byte) []byte {
	m := hmac.New(sha256.New, k.Mac)
	m.Write(iv)
	m.Write(ct)
	return m.Sum(nil)
}
