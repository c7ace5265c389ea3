package locker

import "time"

// The wire shapes of Locker's API (LOCKER.md §2) and their plain
// conversions.

// wire shapes (LOCKER.md §2)
type wireSecret struct {
	ID              string   `json:"id"`
	CreationDate    float64  `json:"creation_date"`
	RevisionDate    float64  `json:"revision_date"`
	UpdatedDate     *float64 `json:"updated_date"`
	EnvironmentID   *string  `json:"environment_id"`
	EnvironmentName *string  `json:"environment_name"`
	EnvironmentHash *string  `json:"environment_hash"`
	Key             string   `json:"key"`
	SecretHash      string   `json:"secret_hash"`
	Value           string   `json:"value"`
	Description     string   `json:"description"`
}

type wireEnv struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Hash         string   `json:"hash"`
	ExternalURL  string   `json:"external_url"`
	Description  string   `json:"description"`
	CreationDate float64  `json:"creation_date"`
	RevisionDate float64  `json:"revision_date"`
	UpdatedDate  *float64 `json:"updated_date"`
}

type secretBody struct {
	Key             string  `json:"key,omitempty"`
	Hash            string  `json:"hash"`
	Value           string  `json:"value,omitempty"`
	Description     string  `json:"description,omitempty"`
	EnvironmentID   *string `json:"environment_id,omitempty"`
	EnvironmentName string  `json:"environment_name,omitempty"`
}

type envBody struct {
	Name        string  `json:"name,omitempty"`
	Hash        string  `json:"hash"`
	ExternalURL *string `json:"external_url,omitempty"`
	Description *string `json:"description,omitempty"`
}

func epoch(f float64) time.Time {
	if f == 0 {
		return time.Time{}
	}
	return time.UnixMicro(int64(f * 1e6)).UTC()
}

func (d *driver) decryptOpt(what, enc string) (string, error) {
	if enc == "" {
		return "", nil
	}
	return d.c.Decrypt(what, enc)
}

// encryptField encrypts an optional field of a body: nil stays nil (not
// sent: unchanged), "" stays "" (cleared: an empty field is sent as no
// ciphertext at all, as the SDKs send it).
func (c *Client) encryptField(p *string) (*string, error) {
	if p == nil || *p == "" {
		return p, nil
	}
	enc, err := c.Encrypt(*p)
	if err != nil {
		return nil, err
	}
	return &enc, nil
}

// nonEmpty is nil for "", else a pointer to s: an optional field set only
// when it has content.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
